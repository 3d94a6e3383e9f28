/* tracks.c: the fixed track table. Slots are attached and parameterised while the audio side
 * cannot see them, activated and deactivated by commands (commands.c), and freed only once the
 * audio side has said it left them: after a sounding track's ramp-out, at the end of a block. */
#include <string.h>

#include "internal.h"

#define RELAXED memory_order_relaxed

static sp_slot *slot_in(sp_engine *engine, uint32_t slot, int32_t lifecycle) {
    if (engine == NULL || slot >= engine->capacity) return NULL;
    sp_slot *s = &engine->slots[slot];
    if (lifecycle >= 0 && s->lifecycle != lifecycle) return NULL;
    return s;
}

/* A slot that is reserved or live: its parameters may change. */
static sp_slot *slot_in_use(sp_engine *engine, uint32_t slot) {
    sp_slot *s = slot_in(engine, slot, -1);
    if (s == NULL || (s->lifecycle != SLOT_RESERVED && s->lifecycle != SLOT_LIVE)) return NULL;
    return s;
}

/* Frees retired slots the audio side is done with, so their memory comes back early. */
static void reclaim(sp_engine *engine) {
    /* Offline, this thread is the one that renders: apply what is queued now (exactly what
     * the next render would do first), so a track removed while silent is free at once. */
    if (engine->offline) sp_take_commands(engine);
    for (uint32_t i = 0; i < engine->capacity; i++) {
        sp_slot *s = &engine->slots[i];
        if (s->lifecycle == SLOT_RETIRING &&
            atomic_load_explicit(&s->released, memory_order_acquire)) {
            sp_source_free(&s->source);
            s->lifecycle = SLOT_FREE;
        }
    }
}

SP_API sp_result sp_track_attach(sp_engine *engine, sp_pcm *pcm, uint32_t group,
                                 uint32_t *out_slot) {
    SP_CHECK(engine != NULL && pcm != NULL && out_slot != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(pcm->channels >= 1 && pcm->channels <= SP_MAX_CHANNELS, SP_ERROR_FORMAT);
    reclaim(engine);
    for (uint32_t i = 0; i < engine->capacity; i++) {
        sp_slot *s = &engine->slots[i];
        if (s->lifecycle != SLOT_FREE) continue;
        s->lifecycle = SLOT_RESERVED;
        sp_source_init_memory(&s->source, pcm);
        s->group = group;
        atomic_store_explicit(&s->gain, 1.0f, RELAXED);
        atomic_store_explicit(&s->muted, 0, RELAXED);
        atomic_store_explicit(&s->solo, 0, RELAXED);
        atomic_store_explicit(&s->peak, 0.0f, RELAXED);
        atomic_store_explicit(&s->released, 0, RELAXED);
        for (uint32_t k = 0; k < SP_MAX_CHANNELS * engine->channels; k++) {
            atomic_store_explicit(&s->route[k], 0.0f, RELAXED);
        }
        *out_slot = i;
        return SP_OK;
    }
    return SP_ERROR_CAPACITY;
}

SP_API sp_result sp_track_activate(sp_engine *engine, uint32_t slot) {
    sp_slot *s = slot_in(engine, slot, SLOT_RESERVED);
    SP_CHECK(s != NULL, SP_ERROR_SLOT);
    /* The push publishes pcm, group and parameters (release) before the audio side sees it. */
    const sp_command command = {.type = SP_COMMAND_ACTIVATE, .group = slot};
    const sp_result result = sp_command_push(engine, &command);
    if (result == SP_OK) s->lifecycle = SLOT_LIVE;
    return result;
}

SP_API sp_result sp_track_deactivate(sp_engine *engine, uint32_t slot) {
    sp_slot *s = slot_in_use(engine, slot);
    SP_CHECK(s != NULL, SP_ERROR_SLOT);
    if (s->lifecycle == SLOT_RESERVED) {
        /* Never activated: the audio side never saw it. */
        atomic_store_explicit(&s->released, 1, RELAXED);
    } else {
        const sp_command command = {.type = SP_COMMAND_DEACTIVATE, .group = slot};
        const sp_result result = sp_command_push(engine, &command);
        if (result != SP_OK) return result;
    }
    s->lifecycle = SLOT_RETIRING;
    return SP_OK;
}

SP_API sp_result sp_track_release(sp_engine *engine, uint32_t slot) {
    sp_slot *s = slot_in(engine, slot, SLOT_RETIRING);
    SP_CHECK(s != NULL, SP_ERROR_SLOT);
    reclaim(engine);
    if (s->lifecycle == SLOT_FREE) return SP_OK;
    /* Offline, a sounding slot is freed once a render has ramped it out (at the next attach
     * or release, or with the engine). */
    return engine->offline ? SP_OK : SP_ERROR_BUSY;
}

SP_API sp_result sp_track_set_gain(sp_engine *engine, uint32_t slot, float gain) {
    sp_slot *s = slot_in_use(engine, slot);
    SP_CHECK(s != NULL, SP_ERROR_SLOT);
    SP_CHECK(gain == gain && gain >= 0.0f && gain <= 1000.0f, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&s->gain, gain, RELAXED);
    return SP_OK;
}

SP_API sp_result sp_track_set_mute(sp_engine *engine, uint32_t slot, int32_t muted) {
    sp_slot *s = slot_in_use(engine, slot);
    SP_CHECK(s != NULL, SP_ERROR_SLOT);
    atomic_store_explicit(&s->muted, muted ? 1 : 0, RELAXED);
    return SP_OK;
}

SP_API sp_result sp_track_set_solo(sp_engine *engine, uint32_t slot, int32_t solo) {
    sp_slot *s = slot_in_use(engine, slot);
    SP_CHECK(s != NULL, SP_ERROR_SLOT);
    atomic_store_explicit(&s->solo, solo ? 1 : 0, RELAXED);
    return SP_OK;
}

SP_API sp_result sp_track_set_route(sp_engine *engine, uint32_t slot, const float *gains,
                                    uint32_t count) {
    sp_slot *s = slot_in_use(engine, slot);
    SP_CHECK(s != NULL, SP_ERROR_SLOT);
    SP_CHECK(gains != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(count == s->source.channels * engine->channels, SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t k = 0; k < count; k++) {
        SP_CHECK(gains[k] == gains[k] && gains[k] >= -1000.0f && gains[k] <= 1000.0f,
                 SP_ERROR_INVALID_ARGUMENT);
    }
    for (uint32_t k = 0; k < count; k++) atomic_store_explicit(&s->route[k], gains[k], RELAXED);
    return SP_OK;
}

SP_API sp_result sp_meters_set_enabled(sp_engine *engine, int32_t enabled) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->meters_enabled, enabled ? 1 : 0, RELAXED);
    return SP_OK;
}

/* Audio side: raises a slot's peak to at least `peak`. A compare-exchange loop, so a reader's
 * exchange to 0 between the load and the store can never lose this block's peak. */
void sp_peak_raise(_Atomic float *meter, float peak) {
    float seen = atomic_load_explicit(meter, RELAXED);
    while (peak > seen &&
           !atomic_compare_exchange_weak_explicit(meter, &seen, peak, RELAXED, RELAXED)) {
    }
}

SP_API sp_result sp_meters_read(sp_engine *engine, float *out, uint32_t capacity) {
    SP_CHECK(engine != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t i = 0; i < capacity && i < engine->capacity; i++) {
        out[i] = atomic_exchange_explicit(&engine->slots[i].peak, 0.0f, RELAXED);
    }
    return SP_OK;
}

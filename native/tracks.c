/* tracks.c: the fixed track table. Slots are attached and parameterised while the audio side
 * cannot see them, activated and deactivated by commands (commands.c), and freed only once the
 * audio side has said it left them: after a sounding track's ramp-out, at the end of a block. */
#include <string.h>
#include <time.h>

#include "engine_output.h"
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

/* Frees retired slots the audio side is done with, so their memory comes back early. A slot
 * handed to the reader thread (sp_track_release) is freed by whichever side claims it first;
 * the reader claims and frees under its lock, so waiting for the lock waits for its free.
 * Returns how many retired slots the audio side has not left yet. */
static uint32_t reclaim(sp_engine *engine) {
    /* Offline, this thread is the one that renders: apply what is queued now (exactly what
     * the next render would do first), so a track removed while silent is free at once. */
    sp_offline_drain(engine);
    uint32_t pending = 0;
    for (uint32_t i = 0; i < engine->capacity; i++) {
        sp_slot *s = &engine->slots[i];
        if (s->lifecycle != SLOT_RETIRING) continue;
        int32_t handed = atomic_load_explicit(&s->handed, memory_order_acquire);
        if (handed == SP_HANDED_CLAIMED) {
            sp_butler_lock(engine); /* the reader is freeing it right now */
            sp_butler_unlock(engine);
            handed = atomic_load_explicit(&s->handed, memory_order_acquire);
        }
        if (handed == SP_HANDED_FREED) {
            atomic_store_explicit(&s->handed, SP_HANDED_NO, memory_order_relaxed);
            s->lifecycle = SLOT_FREE;
            continue;
        }
        if (!atomic_load_explicit(&s->released, memory_order_acquire)) {
            pending++;
            continue;
        }
        int32_t expected = SP_HANDED_YES;
        if (handed == SP_HANDED_YES &&
            !atomic_compare_exchange_strong(&s->handed, &expected, SP_HANDED_CLAIMED)) {
            i--; /* the reader claimed it first: look again */
            continue;
        }
        sp_butler_free_source(engine, &s->source);
        atomic_store_explicit(&s->handed, SP_HANDED_NO, memory_order_relaxed);
        s->lifecycle = SLOT_FREE;
    }
    return pending;
}

/* Reserves a free slot for source with fresh parameters; NULL when the table is full. A full
 * table whose retired slots the audio side is about to leave (a block at most) waits for them
 * on this (control) thread, up to a second. */
static sp_slot *reserve(sp_engine *engine, uint32_t group, uint32_t *out_slot) {
    for (uint32_t attempt = 0; attempt < 1000; attempt++) {
        const uint32_t pending = reclaim(engine);
        for (uint32_t i = 0; i < engine->capacity; i++) {
            sp_slot *s = &engine->slots[i];
            if (s->lifecycle != SLOT_FREE) continue;
            s->lifecycle = SLOT_RESERVED;
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
            return s;
        }
        /* Without a device nothing will leave them: do not wait. */
        if (pending == 0 || engine->offline || sp_engine_output(engine) == NULL) return NULL;
        const struct timespec pause = {0, 1000000L};
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/* Puts `source` into a free slot of `group`; on failure the caller still owns what it holds. */
static sp_result attach(sp_engine *engine, const sp_source *source, uint32_t group,
                        uint32_t *out_slot) {
    uint32_t index;
    sp_slot *s = reserve(engine, group, &index);
    SP_CHECK(s != NULL, SP_ERROR_CAPACITY);
    const sp_result result = sp_butler_attach(engine, &s->source, source);
    if (result != SP_OK) {
        s->lifecycle = SLOT_FREE;
        return result;
    }
    *out_slot = index;
    return SP_OK;
}

SP_API sp_result sp_track_attach(sp_engine *engine, sp_pcm *pcm, uint32_t group,
                                 uint32_t *out_slot) {
    SP_CHECK(engine != NULL && pcm != NULL && out_slot != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(pcm->channels >= 1 && pcm->channels <= SP_MAX_CHANNELS, SP_ERROR_FORMAT);
    sp_source source = {0};
    sp_source_init_memory(&source, pcm);
    /* Still being rendered: an offline render waits for its frames, as for a stream's. */
    if (pcm->fill != NULL && engine->offline) source.offline_wait = sp_offline_wait;
    return attach(engine, &source, group, out_slot);
}

SP_API sp_result sp_track_attach_file(sp_engine *engine, sp_file_source *file, uint32_t group,
                                      uint32_t *out_slot) {
    SP_CHECK(engine != NULL && file != NULL && out_slot != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(file->ring.data != NULL, SP_ERROR_INVALID_ARGUMENT); /* a heads-only source */
    sp_source source = {0};
    sp_source_init_stream(&source, file, engine->offline);
    return attach(engine, &source, group, out_slot);
}

SP_API sp_result sp_engine_stream_stats(sp_engine *engine, uint64_t *out) {
    SP_CHECK(engine != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    uint64_t bytes = 0, count = 0, heads = 0, ready = 0;
    sp_butler_lock(engine); /* it may be freeing a retired slot's source */
    for (uint32_t i = 0; i < engine->capacity; i++) {
        const sp_slot *s = &engine->slots[i];
        if (s->lifecycle == SLOT_FREE || s->source.kind != SP_SOURCE_STREAM) continue;
        const sp_ring *ring = &s->source.file->ring;
        bytes += (uint64_t)ring->capacity * ring->channels * sizeof(float);
        count++;
        const sp_file_source *file = s->source.file;
        const uint32_t n = atomic_load_explicit(&file->head_count, memory_order_acquire);
        heads += n;
        for (uint32_t h = 0; h < n; h++) {
            if (atomic_load_explicit(&file->heads[h].ready, memory_order_acquire) == SP_HEAD_READY) {
                ready++;
            }
        }
    }
    sp_butler_unlock(engine);
    out[0] = bytes;
    out[1] = count;
    out[2] = sp_butler_busy_ns(engine);
    out[3] = heads;
    out[4] = ready;
    return SP_OK;
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
    if (engine->offline) return SP_OK;
    /* The reader thread frees the slot once the audio side has left it: nobody polls. */
    if (sp_butler_start(engine) == SP_OK) {
        atomic_store_explicit(&s->handed, SP_HANDED_YES, memory_order_release);
        return SP_OK;
    }
    return SP_ERROR_BUSY;
}

SP_API sp_result sp_track_set_gain(sp_engine *engine, uint32_t slot, float gain) {
    sp_slot *s = slot_in_use(engine, slot);
    SP_CHECK(s != NULL, SP_ERROR_SLOT);
    SP_CHECK(gain == gain && gain >= 0.0f && gain <= SP_MAX_GAIN, SP_ERROR_INVALID_ARGUMENT);
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
        SP_CHECK(gains[k] == gains[k] && gains[k] >= -SP_MAX_GAIN && gains[k] <= SP_MAX_GAIN,
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

SP_API sp_result sp_meters_read(sp_engine *engine, float *out, uint32_t capacity) {
    SP_CHECK(engine != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t i = 0; i < capacity && i < engine->capacity; i++) {
        out[i] = atomic_exchange_explicit(&engine->slots[i].peak, 0.0f, RELAXED);
    }
    return SP_OK;
}

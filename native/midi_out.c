/* midi_out.c: MIDI out, control side: registers the `midi_out` port on the engine's own JACK
 * client (miniaudio's), hands the audio thread the songs' tempo maps, and takes the port away
 * again. The audio thread's part is rt/midi_out_rt.c. */
#include <stdlib.h>
#include <time.h>

#include "midi_out.h"

#ifdef __linux__
SP_API sp_result sp_midi_out_open_jack(sp_engine *engine, const char *port_name,
                                       sp_midi_out **out_midi) {
    SP_CHECK(engine != NULL && port_name != NULL && out_midi != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(atomic_load(&engine->midi_out) == NULL, SP_ERROR_BUSY);
    sp_output *output = engine->output;
    if (output == NULL || !output->has_device ||
        output->device.pContext->backend != ma_backend_jack) {
        return SP_ERROR_NO_BACKEND; /* offline, or not on JACK */
    }
    sp_midi_out *out = calloc(1, sizeof *out);
    if (!out) return SP_ERROR_OUT_OF_MEMORY;
    out->engine = engine;
    out->sample_rate = engine->sample_rate;
    atomic_store(&out->clock_on, 1);
    out->client = (jack_client_t *)output->device.jack.pClient;
    const sp_result result = sp_jack_api_load(&out->api);
    if (result != SP_OK) {
        free(out);
        return result;
    }
    out->port =
        out->api.port_register(out->client, port_name, JACK_MIDI_TYPE, JACK_PORT_IS_OUTPUT, 0);
    if (!out->port) {
        sp_jack_api_unload(&out->api);
        free(out);
        return SP_ERROR_DEVICE;
    }
    atomic_store_explicit(&engine->midi_out, out, memory_order_seq_cst);
    *out_midi = out;
    return SP_OK;
}

SP_API sp_result sp_midi_out_connect(sp_midi_out *out, const char *destination) {
    SP_CHECK(out != NULL && destination != NULL, SP_ERROR_INVALID_ARGUMENT);
    const int result = out->api.connect(out->client, out->api.port_name(out->port), destination);
    return result == 0 || result == 17 /* EEXIST: already connected */ ? SP_OK : SP_ERROR_DEVICE;
}

SP_API sp_result sp_midi_out_port_name(const sp_midi_out *out, char *name, uint32_t capacity) {
    SP_CHECK(out != NULL && name != NULL && capacity > 0, SP_ERROR_INVALID_ARGUMENT);
    const char *full = out->api.port_name(out->port);
    uint32_t i = 0;
    for (; full[i] != '\0' && i + 1 < capacity; i++) name[i] = full[i];
    name[i] = '\0';
    return SP_OK;
}
#else
SP_API sp_result sp_midi_out_open_jack(sp_engine *engine, const char *port_name,
                                       sp_midi_out **out_midi) {
    (void)engine, (void)port_name, (void)out_midi;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_midi_out_connect(sp_midi_out *out, const char *destination) {
    (void)out, (void)destination;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_midi_out_port_name(const sp_midi_out *out, char *name, uint32_t capacity) {
    (void)out, (void)name, (void)capacity;
    return SP_ERROR_UNSUPPORTED;
}
#endif

SP_API sp_result sp_midi_out_map_song(sp_midi_out *out, uint32_t group, const double *segments,
                                      uint32_t count) {
    SP_CHECK(out != NULL && (segments != NULL || count == 0) && count <= SP_MIDI_OUT_SEGMENTS,
             SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t s = 0; s < count; s++) {
        SP_CHECK(segments[3 * s + 1] > 0 && segments[3 * s] >= 0, SP_ERROR_INVALID_ARGUMENT);
    }
    /* Reuse the group's slot, else the oldest: the player holds at most a few songs. */
    uint32_t slot = out->next_slot;
    for (uint32_t i = 0; i < SP_MIDI_OUT_SONGS; i++) {
        if (atomic_load_explicit(&out->songs[i].group, memory_order_relaxed) == group + 1) slot = i;
    }
    if (slot == out->next_slot) out->next_slot = (out->next_slot + 1) % SP_MIDI_OUT_SONGS;
    sp_midi_song *song = &out->songs[slot];
    atomic_store_explicit(&song->group, 0, memory_order_release);
    for (uint32_t s = 0; s < count; s++) {
        song->segments[s] = (sp_midi_segment){.at = segments[3 * s],
                                              .tick_seconds = segments[3 * s + 1],
                                              .first_tick = (int64_t)segments[3 * s + 2]};
    }
    song->count = count;
    atomic_store_explicit(&song->group, group + 1, memory_order_release);
    return SP_OK;
}

SP_API sp_result sp_midi_out_set(sp_midi_out *out, int32_t clock_on, int64_t offset_frames) {
    SP_CHECK(out != NULL, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&out->clock_on, clock_on ? 1 : 0, memory_order_relaxed);
    atomic_store_explicit(&out->offset_frames, offset_frames, memory_order_relaxed);
    return SP_OK;
}

SP_API sp_result sp_midi_out_counters(const sp_midi_out *out, uint64_t *counters) {
    SP_CHECK(out != NULL && counters != NULL, SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t i = 0; i < 6; i++) {
        counters[i] = atomic_load_explicit(&((sp_midi_out *)out)->sent[i], memory_order_relaxed);
    }
    return SP_OK;
}

SP_API void sp_midi_out_close(sp_midi_out *out) {
    if (!out) return;
    sp_engine *engine = out->engine;
    atomic_store_explicit(&engine->midi_out, NULL, memory_order_seq_cst);
    /* Wait out a callback that may have read the pointer before it went (the same handshake
     * as detach_output's: the callback raises in_callback before it reads midi_out). */
    sp_output *output = engine->output;
    while (output != NULL && atomic_load_explicit(&output->in_callback, memory_order_seq_cst)) {
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
#ifdef __linux__
    if (out->port) out->api.port_unregister(out->client, out->port);
    sp_jack_api_unload(&out->api);
#endif
    free(out);
}

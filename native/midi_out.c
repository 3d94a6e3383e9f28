/* midi_out.c: MIDI out, control side: registers the `midi_out` port on the engine's own JACK
 * client (miniaudio's, through engine_port.c as MIDI in and MTC do), hands the audio thread the songs' tempo maps, and takes the port away
 * again. The audio thread's part is rt/midi_out_rt.c. */
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "engine_port.h"
#include "midi_out.h"

#ifdef __linux__
SP_API sp_result sp_midi_out_open_jack(sp_engine *engine, const char *port_name,
                                       sp_midi_out **out_midi) {
    SP_CHECK(engine != NULL && port_name != NULL && out_midi != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(strlen(port_name) < sizeof ((sp_midi_out *)0)->jack.name, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(atomic_load(&engine->midi_out) == NULL, SP_ERROR_BUSY);
    if (sp_engine_jack_client(engine) == NULL) return SP_ERROR_NO_BACKEND;
    sp_midi_out *out = calloc(1, sizeof *out);
    if (!out) return SP_ERROR_OUT_OF_MEMORY;
    out->engine = engine;
    out->sample_rate = engine->sample_rate;
    atomic_store(&out->clock_on, 1);
    const sp_result result =
        sp_engine_port_open(&out->jack, engine, port_name, JACK_PORT_IS_OUTPUT, NULL);
    if (result != SP_OK) {
        free(out);
        return result;
    }
    atomic_store_explicit(&engine->midi_out, out, memory_order_seq_cst);
    *out_midi = out;
    return SP_OK;
}

SP_API sp_result sp_midi_out_reattach(sp_midi_out *out) {
    SP_CHECK(out != NULL, SP_ERROR_INVALID_ARGUMENT);
    return sp_engine_port_reattach(&out->jack);
}

/* Any number of destinations (connectTo), so not the port's one `connection`: the caller
 * connects them again after a reattach. */
SP_API sp_result sp_midi_out_connect(sp_midi_out *out, const char *destination) {
    SP_CHECK(out != NULL && destination != NULL, SP_ERROR_INVALID_ARGUMENT);
    return sp_engine_port_connect(&out->jack, destination); /* off JACK since a reopen: DEVICE */
}

SP_API sp_result sp_midi_out_port_name(const sp_midi_out *out, char *name, uint32_t capacity) {
    SP_CHECK(out != NULL && name != NULL && capacity > 0, SP_ERROR_INVALID_ARGUMENT);
    sp_engine_port_full_name(&out->jack, name, capacity);
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
SP_API sp_result sp_midi_out_reattach(sp_midi_out *out) {
    (void)out;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_midi_out_port_name(const sp_midi_out *out, char *name, uint32_t capacity) {
    (void)out, (void)name, (void)capacity;
    return SP_ERROR_UNSUPPORTED;
}
#endif

/* Returns once no audio callback that began before the call still runs: one that read a
 * pointer the caller has since taken away is done with it (engine_port.c). */
static void wait_for_callback(const sp_engine *engine) {
#ifdef __linux__
    sp_engine_wait_for_callback(engine);
#else
    (void)engine; /* no MIDI out opens off Linux */
#endif
}

static void free_song(sp_midi_song *song) {
    free(song->events);
    free(song->bytes);
    free(song->segments);
    song->segments = NULL;
    song->count = 0;
    song->events = NULL;
    song->bytes = NULL;
    song->event_count = 0;
}

SP_API sp_result sp_midi_out_map_song(sp_midi_out *out, uint32_t group, const double *segments,
                                      uint32_t count, const int64_t *event_frames,
                                      const uint32_t *event_sizes, uint32_t event_count,
                                      const unsigned char *bytes, uint32_t byte_count) {
    SP_CHECK(out != NULL && (segments != NULL || count == 0) && count <= SP_MIDI_OUT_SEGMENTS,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(event_count == 0 || (event_frames != NULL && event_sizes != NULL && bytes != NULL),
             SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t s = 0; s < count; s++) {
        const double *segment = &segments[3 * s];
        /* The audio thread counts ticks through these: bounded periods (1e-4 s is 25,000 bpm,
         * 100 s a fortieth of a bpm), times and tick numbers, in order. NaN fails every test. */
        SP_CHECK(segment[1] >= SP_MIDI_OUT_MIN_TICK_SECONDS &&
                     segment[1] <= SP_MIDI_OUT_MAX_TICK_SECONDS && segment[0] >= 0 &&
                     segment[0] <= SP_MIDI_OUT_MAX_AT && fabs(segment[2]) <= 1e12,
                 SP_ERROR_INVALID_ARGUMENT);
        SP_CHECK(s == 0 || (segment[0] > segment[-3] && segment[2] >= segment[-1]),
                 SP_ERROR_INVALID_ARGUMENT);
    }
    uint64_t total = 0;
    for (uint32_t e = 0; e < event_count; e++) {
        SP_CHECK(event_sizes[e] > 0 && (e == 0 || event_frames[e] >= event_frames[e - 1]),
                 SP_ERROR_INVALID_ARGUMENT); /* frame order */
        total += event_sizes[e];
    }
    SP_CHECK(total == byte_count, SP_ERROR_INVALID_ARGUMENT);
    sp_midi_timed *events = event_count ? calloc(event_count, sizeof *events) : NULL;
    unsigned char *pool = byte_count ? malloc(byte_count) : NULL;
    sp_midi_segment *map = count ? calloc(count, sizeof *map) : NULL;
    if ((event_count && !events) || (byte_count && !pool) || (count && !map)) {
        free(events);
        free(pool);
        free(map);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    uint32_t offset = 0;
    for (uint32_t e = 0; e < event_count; e++) {
        events[e] = (sp_midi_timed){.frame = event_frames[e], .offset = offset,
                                    .size = event_sizes[e]};
        offset += event_sizes[e];
    }
    if (byte_count) memcpy(pool, bytes, byte_count);
    /* Reuse the group's slot, else an empty one (a count-in's, unmapped), else the one mapped
     * longest ago (the player holds at most a few songs; the newest, a count-in playing while
     * the next song is prepared, is never the one to go). */
    uint32_t slot = SP_MIDI_OUT_SONGS;
    for (uint32_t i = 0; i < SP_MIDI_OUT_SONGS; i++) {
        if (atomic_load_explicit(&out->songs[i].group, memory_order_relaxed) == group + 1) slot = i;
    }
    for (uint32_t i = 0; i < SP_MIDI_OUT_SONGS && slot == SP_MIDI_OUT_SONGS; i++) {
        if (atomic_load_explicit(&out->songs[i].group, memory_order_relaxed) == 0) slot = i;
    }
    if (slot == SP_MIDI_OUT_SONGS) {
        slot = 0;
        for (uint32_t i = 1; i < SP_MIDI_OUT_SONGS; i++) {
            if (out->songs[i].mapped_seq < out->songs[slot].mapped_seq) slot = i;
        }
    }
    sp_midi_song *song = &out->songs[slot];
    atomic_store_explicit(&song->group, 0, memory_order_seq_cst);
    wait_for_callback(out->engine); /* the audio thread no longer reads the slot */
    free_song(song);
    for (uint32_t s = 0; s < count; s++) {
        map[s] = (sp_midi_segment){.at = segments[3 * s],
                                              .tick_seconds = segments[3 * s + 1],
                                              .first_tick = (int64_t)segments[3 * s + 2]};
    }
    song->segments = map;
    song->count = count;
    song->events = events;
    song->event_count = event_count;
    song->bytes = pool;
    song->mapped_seq = ++out->maps;
    atomic_store_explicit(&song->group, group + 1, memory_order_release);
    return SP_OK;
}

SP_API sp_result sp_midi_out_unmap_song(sp_midi_out *out, uint32_t group) {
    SP_CHECK(out != NULL, SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t i = 0; i < SP_MIDI_OUT_SONGS; i++) {
        sp_midi_song *song = &out->songs[i];
        if (atomic_load_explicit(&song->group, memory_order_relaxed) != group + 1) continue;
        atomic_store_explicit(&song->group, 0, memory_order_seq_cst);
        wait_for_callback(out->engine); /* the audio thread no longer reads the slot */
        free_song(song);
    }
    return SP_OK;
}

SP_API sp_result sp_midi_out_set(sp_midi_out *out, int32_t clock_on, int64_t offset_frames) {
    SP_CHECK(out != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(offset_frames > -SP_MAX_OFFSET_FRAMES && offset_frames < SP_MAX_OFFSET_FRAMES,
             SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&out->clock_on, clock_on ? 1 : 0, memory_order_relaxed);
    atomic_store_explicit(&out->offset_frames, offset_frames, memory_order_relaxed);
    return SP_OK;
}

SP_API sp_result sp_midi_out_counters(const sp_midi_out *out, uint64_t *counters) {
    SP_CHECK(out != NULL && counters != NULL, SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t i = 0; i < SP_MIDI_OUT_COUNTERS; i++) {
        counters[i] = atomic_load_explicit(&((sp_midi_out *)out)->sent[i], memory_order_relaxed);
    }
    return SP_OK;
}

SP_API sp_result sp_midi_out_last(const sp_midi_out *out, int64_t *last) {
    SP_CHECK(out != NULL && last != NULL, SP_ERROR_INVALID_ARGUMENT);
    uint64_t copy[2];
    /* The audio thread writes a pair in a few stores and never waits: a retry soon reads one
     * whole. */
    while (!sp_seqlock_try_read(&out->last_seq, out->last, copy, 2)) sched_yield();
    last[0] = (int64_t)copy[0];
    last[1] = copy[0] == 0 ? -1 : (int64_t)copy[1];
    return SP_OK;
}

SP_API void sp_midi_out_close(sp_midi_out *out) {
    if (!out) return;
    atomic_store_explicit(&out->engine->midi_out, NULL, memory_order_seq_cst);
    wait_for_callback(out->engine);
    for (uint32_t i = 0; i < SP_MIDI_OUT_SONGS; i++) free_song(&out->songs[i]);
#ifdef __linux__
    sp_engine_port_close(&out->jack);
#endif
    free(out);
}

/* mtc.c: MIDI timecode out on a JACK MIDI port, control side.
 *
 * When the engine plays on JACK, the port `mtc_out` is on the engine's own client (beside the
 * audio, midi_in and midi_out), and the audio callback writes it on the exact frame of the
 * audio it names (rt/mtc_rt.c). Otherwise MTC opens a JACK client of its own, whose process
 * callback (below) reads the engine's published song position (atomics), and while a mapped
 * song plays writes quarter frames on their exact frames within the cycle, and a full frame
 * whenever the position did not move on as expected: it follows the audio within about one
 * JACK period.
 * An offset (sp_mtc_set_offset) moves all of it against the audio: the audio at song frame p
 * goes with the timecode of frame p - offset (late: the song's first frames send nothing until
 * frame 0 is due; early: the frames before -offset are never sent).
 * Real-time safe: atomics, arithmetic and jack_midi_event_write only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mtc.h"
#include "mtc_slot.h"

#ifdef __linux__
/* One try at the engine's status snapshot (rt/seqlock.h): false when a block was publishing
 * it right then. Never spins: this is a real-time thread too. */
static bool read_status(const sp_engine *engine, uint64_t *state, uint64_t *position,
                        uint64_t *group) {
    uint64_t values[SP_STATUS_COUNT];
    if (!sp_status_try_read(engine, values)) return false;
    *state = values[SP_STATUS_STATE];
    *position = values[SP_STATUS_POSITION];
    *group = values[SP_STATUS_GROUP];
    return true;
}

static int process(jack_nframes_t frames, void *user) {
    struct sp_mtc *mtc = user;
    void *buffer = mtc->api.port_get_buffer(mtc->port, frames);
    mtc->api.midi_clear_buffer(buffer);
    const int64_t offset_frames = atomic_load_explicit(&mtc->offset_frames, memory_order_relaxed);
    uint64_t state, published, group64;
    if (!read_status(mtc->engine, &state, &published, &group64)) {
        /* The engine was publishing: carry on as if it played on steadily. */
        if (!mtc->running) return 0;
        state = SP_STATE_PLAYING;
        published = (uint64_t)((int64_t)mtc->expected + offset_frames) + frames;
        group64 = mtc->group;
    }
    const uint32_t group = (uint32_t)group64;
    /* The engine publishes the frame after its last block. It usually runs before this client
     * in a cycle (measured: JACK starts the clients of a cycle in the order they activated), so
     * this cycle's audio started one period earlier. */
    const uint64_t audio = published > frames ? published - frames : 0;
    /* From here on, "position" is the song frame whose timecode this cycle's start carries. */
    const int64_t position = (int64_t)audio - offset_frames;
    int64_t hour = -1;
    double speed = 1.0;
    if (state != SP_STATE_PLAYING || !sp_mtc_song_of(mtc, group, &hour, &speed)) hour = -1;
    if (hour < 0 || position < 0) {
        /* stopped, paused, a group without timecode (a count-in), or a late offset's start */
        mtc->running = false;
        return 0;
    }
    /* A jump: anything but the position the last cycle led to (within one period either way,
     * for the order of the two clients in a cycle). */
    const int64_t drift = position - (int64_t)mtc->expected;
    if (!mtc->running || group != mtc->group || drift > (int64_t)frames || drift < -(int64_t)frames) {
        sp_mtc_restart(mtc, buffer, 0, position, group, hour, speed);
    }
    const int64_t end = position + frames;
    for (int64_t at; (at = sp_mtc_quarter_start(mtc, mtc->next_quarter)) < end;
         mtc->next_quarter++) {
        const int64_t offset = at > position ? at - position : 0;
        sp_mtc_write_quarter(mtc, buffer, (uint32_t)offset, mtc->next_quarter);
    }
    mtc->expected = (uint64_t)end;
    return 0;
}

SP_API sp_result sp_mtc_open_jack(const sp_engine *engine, uint32_t fps_x100,
                                  const char *client_name, const char *port_name,
                                  const char *connect_to, sp_mtc **out_mtc) {
    SP_CHECK(engine != NULL && client_name != NULL && port_name != NULL && out_mtc != NULL,
             SP_ERROR_INVALID_ARGUMENT);
    struct sp_mtc *mtc = calloc(1, sizeof *mtc);
    if (!mtc) return SP_ERROR_OUT_OF_MEMORY;
    if (!sp_tc_rate_of(fps_x100, &mtc->rate)) {
        free(mtc);
        return SP_ERROR_INVALID_ARGUMENT;
    }
    mtc->engine = engine;
    mtc->sample_rate = engine->sample_rate;
    mtc->speed = 1.0;
    sp_result result;
    if (sp_engine_jack_client(engine) != NULL) {
        /* On the engine's own client, written by the audio callback. */
        sp_engine *owner = (sp_engine *)engine;
        if (atomic_load(&owner->mtc) != NULL) {
            free(mtc);
            return SP_ERROR_BUSY;
        }
        result = sp_engine_port_open(&mtc->engine_port, owner, port_name, JACK_PORT_IS_OUTPUT,
                                     connect_to);
        if (result != SP_OK) {
            free(mtc);
            return result;
        }
        mtc->api = mtc->engine_port.api; /* the same loaded library, for the writer */
        mtc->on_engine = true;
        atomic_store_explicit(&owner->mtc, mtc, memory_order_seq_cst);
        *out_mtc = mtc;
        return SP_OK;
    }
    result = sp_jack_api_load(&mtc->api);
    if (result == SP_OK) result = sp_jack_api_open(&mtc->api, client_name, &mtc->client);
    if (result != SP_OK) {
        sp_mtc_close(mtc);
        return result;
    }
    const sp_jack_api *api = &mtc->api;
    if (api->get_sample_rate(mtc->client) != mtc->sample_rate) {
        sp_mtc_close(mtc); /* frames of the engine are frames of JACK only at the same rate */
        return SP_ERROR_FORMAT;
    }
    mtc->port = api->port_register(mtc->client, port_name, JACK_MIDI_TYPE, JACK_PORT_IS_OUTPUT, 0);
    if (!mtc->port || api->set_process_callback(mtc->client, process, mtc) != 0 ||
        api->activate(mtc->client) != 0 ||
        (connect_to && api->connect(mtc->client, api->port_name(mtc->port), connect_to) != 0)) {
        sp_mtc_close(mtc);
        return SP_ERROR_DEVICE;
    }
    *out_mtc = mtc;
    return SP_OK;
}

SP_API sp_result sp_mtc_map_song(sp_mtc *mtc, uint32_t group, uint32_t hour) {
    return sp_mtc_map_song_speed(mtc, group, hour, 1.0);
}

SP_API sp_result sp_mtc_map_song_speed(sp_mtc *mtc, uint32_t group, uint32_t hour,
                                       double speed) {
    /* UINT32_MAX: its group + 1 is an empty slot's mark (mtc_slot.h) */
    SP_CHECK(mtc != NULL && group != UINT32_MAX && hour < 24 && speed >= 0.25 && speed <= 4.0,
             SP_ERROR_INVALID_ARGUMENT);
    /* Reuse the group's slot, else an empty one (a dropped song's), else the oldest: the
     * player holds at most a few songs. */
    uint32_t slot = MTC_SONGS, empty = MTC_SONGS;
    for (uint32_t i = 0; i < MTC_SONGS; i++) {
        const uint64_t song = atomic_load_explicit(&mtc->songs[i], memory_order_relaxed);
        if (sp_mtc_slot_is(song, group)) slot = i;
        if (song == 0 && empty == MTC_SONGS) empty = i;
    }
    if (slot == MTC_SONGS) slot = empty;
    if (slot == MTC_SONGS) {
        slot = mtc->next_slot;
        mtc->next_slot = (mtc->next_slot + 1) % MTC_SONGS;
    }
    atomic_store_explicit(&mtc->songs[slot], sp_mtc_slot_pack(group, hour, speed),
                          memory_order_release);
    return SP_OK;
}

/* A song prepared and dropped (never played) gives its slot back, so a flood of dropped
 * preparations never evicts the song that plays. */
SP_API sp_result sp_mtc_unmap_song(sp_mtc *mtc, uint32_t group) {
    SP_CHECK(mtc != NULL, SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t i = 0; i < MTC_SONGS; i++) {
        if (sp_mtc_slot_is(atomic_load_explicit(&mtc->songs[i], memory_order_relaxed), group)) {
            atomic_store_explicit(&mtc->songs[i], 0, memory_order_release);
        }
    }
    return SP_OK;
}

SP_API sp_result sp_mtc_set_offset(sp_mtc *mtc, int64_t offset_frames) {
    SP_CHECK(mtc != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(offset_frames > -SP_MAX_OFFSET_FRAMES && offset_frames < SP_MAX_OFFSET_FRAMES,
             SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&mtc->offset_frames, offset_frames, memory_order_relaxed);
    return SP_OK;
}

SP_API sp_result sp_mtc_counters(const sp_mtc *mtc, uint64_t *counters) {
    SP_CHECK(mtc != NULL && counters != NULL, SP_ERROR_INVALID_ARGUMENT);
    counters[0] = atomic_load_explicit(&((sp_mtc *)mtc)->full_frames, memory_order_relaxed);
    counters[1] = atomic_load_explicit(&((sp_mtc *)mtc)->quarter_frames, memory_order_relaxed);
    return SP_OK;
}

SP_API sp_result sp_mtc_reattach(sp_mtc *mtc) {
    SP_CHECK(mtc != NULL, SP_ERROR_INVALID_ARGUMENT);
    return mtc->on_engine ? sp_engine_port_reattach(&mtc->engine_port) : SP_OK;
}

SP_API sp_result sp_mtc_port_name(const sp_mtc *mtc, char *name, uint32_t capacity) {
    SP_CHECK(mtc != NULL && name != NULL && capacity > 0, SP_ERROR_INVALID_ARGUMENT);
    if (mtc->on_engine) {
        sp_engine_port_full_name(&mtc->engine_port, name, capacity);
        return SP_OK;
    }
    const char *full = mtc->api.port_name(mtc->port);
    uint32_t i = 0;
    for (; full[i] != '\0' && i + 1 < capacity; i++) name[i] = full[i];
    name[i] = '\0';
    return SP_OK;
}

SP_API void sp_mtc_close(sp_mtc *mtc) {
    if (!mtc) return;
    if (mtc->on_engine) {
        sp_engine *owner = (sp_engine *)mtc->engine;
        atomic_store_explicit(&owner->mtc, NULL, memory_order_seq_cst);
        sp_engine_wait_for_callback(owner); /* the audio thread no longer writes it */
        sp_engine_port_close(&mtc->engine_port);
        free(mtc);
        return;
    }
    if (mtc->client) {
        mtc->api.deactivate(mtc->client);
        mtc->api.client_close(mtc->client);
    }
    sp_jack_api_unload(&mtc->api);
    free(mtc);
}

#else

SP_API sp_result sp_mtc_open_jack(const sp_engine *engine, uint32_t fps_x100,
                                  const char *client_name, const char *port_name,
                                  const char *connect_to, sp_mtc **out_mtc) {
    (void)engine, (void)fps_x100, (void)client_name, (void)port_name, (void)connect_to;
    (void)out_mtc;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_mtc_map_song(sp_mtc *mtc, uint32_t group, uint32_t hour) {
    (void)mtc, (void)group, (void)hour;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_mtc_map_song_speed(sp_mtc *mtc, uint32_t group, uint32_t hour,
                                       double speed) {
    (void)mtc, (void)group, (void)hour, (void)speed;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_mtc_unmap_song(sp_mtc *mtc, uint32_t group) {
    (void)mtc, (void)group;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_mtc_set_offset(sp_mtc *mtc, int64_t offset_frames) {
    (void)mtc, (void)offset_frames;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_mtc_counters(const sp_mtc *mtc, uint64_t *counters) {
    (void)mtc, (void)counters;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_mtc_reattach(sp_mtc *mtc) {
    (void)mtc;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_mtc_port_name(const sp_mtc *mtc, char *name, uint32_t capacity) {
    (void)mtc, (void)name, (void)capacity;
    return SP_ERROR_UNSUPPORTED;
}
SP_API void sp_mtc_close(sp_mtc *mtc) { (void)mtc; }

#endif

/* mtc.c: MIDI timecode out on a JACK MIDI port. Its own JACK client's process callback reads
 * the engine's published song position (atomics), and while a mapped song plays writes quarter
 * frames on their exact frames within the cycle, and a full-frame message whenever the position
 * did not move on as expected (play from a stop, a seek, a jump, a loop seam, a song change).
 *
 * The engine runs in another JACK client (miniaudio's), so within a cycle the position read here
 * may be that cycle's or the previous one's: MTC follows the audio within about one JACK period
 * (measured in tests/mtc_test.ts).
 * Quarter frame q (counted from the hour) belongs on song frame ceil(q * rate / (4 * fps));
 * each group of 8 starts on an even frame and carries that frame's label, as MTC wants.
 * An offset (sp_mtc_set_offset) moves all of it against the audio: the cycle whose audio is at
 * song frame p sends the timecode of frame p - offset (late: the song's first frames send
 * nothing until frame 0 is due; early: the frames before -offset are never sent).
 * Real-time safe: atomics, arithmetic and jack_midi_event_write only. */
#include <stdlib.h>

#include "jack_api.h"
#include "timecode.h"

#define MTC_SONGS 16u /* group -> hour slots, a ring written by the control side */

#ifdef __linux__
struct sp_mtc {
    sp_jack_api api;
    jack_client_t *client;
    jack_port_t *port;
    const sp_engine *engine;
    sp_tc_rate rate;
    uint32_t sample_rate;
    /* control -> JACK thread: which group plays which hour (hour + 1, 0 = empty slot) */
    _Atomic uint32_t groups[MTC_SONGS];
    _Atomic uint32_t hours[MTC_SONGS];
    uint32_t next_slot; /* control side only */
    _Atomic int64_t offset_frames; /* control -> JACK thread: > 0 late, < 0 early */
    /* JACK thread only */
    bool running;
    uint32_t group;
    uint64_t expected;   /* the position expected at the next cycle */
    int64_t next_quarter; /* the next quarter frame to send, counted from the song's start */
    int64_t hour_frames;  /* frames before the song's start: hour * frames per hour */
    _Atomic uint64_t full_frames, quarter_frames;
};

/* Song frame where quarter frame q of the song starts. */
static int64_t quarter_start(const struct sp_mtc *mtc, int64_t q) {
    const int64_t numerator = q * (int64_t)mtc->sample_rate * mtc->rate.den;
    const int64_t divisor = 4 * (int64_t)mtc->rate.num;
    return sp_tc_floor_div(numerator + divisor - 1, divisor);
}

static int64_t hour_of(struct sp_mtc *mtc, uint32_t group) {
    for (uint32_t i = 0; i < MTC_SONGS; i++) {
        if (atomic_load_explicit(&mtc->groups[i], memory_order_acquire) == group + 1) {
            return (int64_t)atomic_load_explicit(&mtc->hours[i], memory_order_relaxed);
        }
    }
    return -1;
}

static void write_full_frame(struct sp_mtc *mtc, void *buffer, int64_t frame) {
    const sp_tc_label label = sp_tc_label_of(&mtc->rate, mtc->hour_frames + frame);
    const unsigned char message[10] = {
        0xF0, 0x7F, 0x7F, 0x01, 0x01, (unsigned char)((mtc->rate.mtc_code << 5) | label.hours),
        (unsigned char)label.minutes, (unsigned char)label.seconds, (unsigned char)label.frames,
        0xF7};
    if (mtc->api.midi_event_write(buffer, 0, message, sizeof message) == 0) {
        atomic_fetch_add_explicit(&mtc->full_frames, 1, memory_order_relaxed);
    }
}

static unsigned char quarter_data(const struct sp_mtc *mtc, int64_t q) {
    const int piece = (int)(q & 7);
    const sp_tc_label label = sp_tc_label_of(&mtc->rate, mtc->hour_frames + ((q / 4) & ~(int64_t)1));
    uint32_t nibble;
    switch (piece) {
    case 0: nibble = label.frames & 15; break;
    case 1: nibble = label.frames >> 4; break;
    case 2: nibble = label.seconds & 15; break;
    case 3: nibble = label.seconds >> 4; break;
    case 4: nibble = label.minutes & 15; break;
    case 5: nibble = label.minutes >> 4; break;
    case 6: nibble = label.hours & 15; break;
    default: nibble = (uint32_t)(mtc->rate.mtc_code << 1) | (label.hours >> 4); break;
    }
    return (unsigned char)((piece << 4) | (nibble & 15));
}

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
    const int64_t hour = state == SP_STATE_PLAYING ? hour_of(mtc, group) : -1;
    if (hour < 0 || position < 0) {
        /* stopped, paused, a group without timecode (a count-in), or a late offset's start */
        mtc->running = false;
        return 0;
    }
    /* A jump: anything but the position the last cycle led to (within one period either way,
     * for the order of the two clients in a cycle). */
    const int64_t drift = position - (int64_t)mtc->expected;
    if (!mtc->running || group != mtc->group || drift > (int64_t)frames || drift < -(int64_t)frames) {
        mtc->running = true;
        mtc->group = group;
        mtc->hour_frames = hour * sp_tc_frames_per_hour(&mtc->rate);
        const int64_t frame = sp_tc_floor_div(position * mtc->rate.num,
                                              (int64_t)mtc->sample_rate * mtc->rate.den);
        write_full_frame(mtc, buffer, frame);
        /* Quarter frames resume with the next group of 8, on an even frame. */
        mtc->next_quarter = ((frame + 2) & ~(int64_t)1) * 4;
    }
    const int64_t end = position + frames;
    for (int64_t at; (at = quarter_start(mtc, mtc->next_quarter)) < end; mtc->next_quarter++) {
        const int64_t offset = at > position ? at - position : 0;
        const unsigned char message[2] = {0xF1, quarter_data(mtc, mtc->next_quarter)};
        if (mtc->api.midi_event_write(buffer, (jack_nframes_t)offset, message, 2) == 0) {
            atomic_fetch_add_explicit(&mtc->quarter_frames, 1, memory_order_relaxed);
        }
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
    sp_result result = sp_jack_api_load(&mtc->api);
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
    SP_CHECK(mtc != NULL && hour < 24, SP_ERROR_INVALID_ARGUMENT);
    /* Reuse the group's slot, else the oldest: the player holds at most a few songs. */
    uint32_t slot = mtc->next_slot;
    for (uint32_t i = 0; i < MTC_SONGS; i++) {
        if (atomic_load_explicit(&mtc->groups[i], memory_order_relaxed) == group + 1) slot = i;
    }
    if (slot == mtc->next_slot) mtc->next_slot = (mtc->next_slot + 1) % MTC_SONGS;
    atomic_store_explicit(&mtc->groups[slot], 0, memory_order_release);
    atomic_store_explicit(&mtc->hours[slot], hour, memory_order_relaxed);
    atomic_store_explicit(&mtc->groups[slot], group + 1, memory_order_release);
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

SP_API void sp_mtc_close(sp_mtc *mtc) {
    if (!mtc) return;
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
SP_API sp_result sp_mtc_set_offset(sp_mtc *mtc, int64_t offset_frames) {
    (void)mtc, (void)offset_frames;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_mtc_counters(const sp_mtc *mtc, uint64_t *counters) {
    (void)mtc, (void)counters;
    return SP_ERROR_UNSUPPORTED;
}
SP_API void sp_mtc_close(sp_mtc *mtc) { (void)mtc; }

#endif

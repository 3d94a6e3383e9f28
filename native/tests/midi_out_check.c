/* midi_out_check.c: MIDI out's audio-thread logic (rt/midi_out_rt.c) and its song maps
 * (midi_out.c) against the cases a native review found broken, with stand-in JACK functions (no
 * server): a port buffer that refuses writes after a cap, and a device whose JACK client
 * changes (a reopen). Each check prints "ok" or "FAILED"; the last line counts the failures.
 * Run by tests/midi_out_native_test.ts under ASan/UBSan. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "../midi_out.h"

static int failures;

static void report(const char *name, bool ok, const char *detail) {
    printf("%s: %s (%s)\n", name, ok ? "ok" : "FAILED", detail);
    if (!ok) failures++;
}

/* ---- A stand-in port: counts what was written by status byte, refuses after `cap` writes per
 * cycle, and remembers the latest frame offset asked for. */
static int cap = 1 << 30, written;
static unsigned received[256];
static uint32_t latest_at, cycle_frames;
static bool late_write;
static char port_buffer[64];
/* Where a cycle's frame 0 is on one timeline across groups, and the clock's shortest interval. */
static uint64_t timeline;
static int64_t last_tick = -1, shortest_tick = INT64_MAX;

static int fake_write(void *buffer, jack_nframes_t at, const unsigned char *data, size_t size) {
    (void)buffer, (void)size;
    if (written >= cap) return -105; /* ENOBUFS: the port's buffer is full */
    if (at >= cycle_frames) {
        late_write = true; /* JACK refuses an event at or after the cycle's end */
        return -22;
    }
    written++;
    received[data[0]]++;
    latest_at = at;
    if (data[0] == 0xF8) { /* the clock on one timeline (a check sets `timeline` per cycle) */
        const int64_t now = (int64_t)(timeline + at);
        if (last_tick >= 0 && now - last_tick < shortest_tick) shortest_tick = now - last_tick;
        last_tick = now;
    }
    return 0;
}
static void *fake_get_buffer(jack_port_t *port, jack_nframes_t frames) {
    (void)port;
    cycle_frames = frames;
    return port_buffer;
}
static void fake_clear(void *buffer) { (void)buffer; }

static void on_alarm(int signal) {
    (void)signal;
    static const char message[] = "loop: FAILED (the audio thread still runs after 3 s)\n";
    write(1, message, sizeof message - 1);
    _exit(3);
}

static sp_midi_out *bare_out(sp_engine *engine) {
    sp_midi_out *out = calloc(1, sizeof *out);
    out->engine = engine;
    out->sample_rate = 48000;
    out->jack.api.midi_event_write = fake_write;
    out->jack.api.port_get_buffer = fake_get_buffer;
    out->jack.api.midi_clear_buffer = fake_clear;
    atomic_store(&out->clock_on, 1);
    atomic_store(&out->jack.client, (jack_client_t *)0x1);
    atomic_store(&out->jack.port, (jack_port_t *)0x2);
    atomic_store(&engine->midi_out, out);
    return out;
}

/* One JACK cycle of `frames` on the port, the song at `pos` playing `played` of them. */
static ma_context jack_context = {.backend = ma_backend_jack};
static ma_device device_on_port;
/* The engine's output the port belongs to (generation 0, as a bare_out's): a real device's
 * pUserData is always its sp_output. */
static sp_output output_on_port;
static void cycle(sp_engine *engine, uint64_t pos, uint32_t frames, uint32_t played) {
    written = 0;
    for (int i = 0; i < 256; i++) received[i] = 0;
    sp_midi_out_begin_cycle(engine, &device_on_port, frames);
    sp_midi_out_segment(engine, 0, pos, played);
    sp_midi_out_end_block(engine, frames);
    sp_midi_out_end_cycle(engine);
}

/* The clock's messages over a run of cycles. */
typedef struct {
    unsigned starts, stops, positions, continues, ticks;
} clock_counts;

/* Plays frames [from, to) of the current group in cycles of 1,000, adding what the clock sent
 * to `counts`; `on_timeline`: where `from` lies on the timeline the tick spacing is measured on. */
static void play_counting(sp_engine *engine, uint64_t from, uint64_t to, uint64_t on_timeline,
                          clock_counts *counts) {
    for (uint64_t pos = from; pos < to; pos += 1000) {
        timeline = on_timeline + (pos - from);
        cycle(engine, pos, 1000, 1000);
        counts->starts += received[0xFA], counts->stops += received[0xFC];
        counts->positions += received[0xF2], counts->continues += received[0xFB];
        counts->ticks += received[0xF8];
    }
}

/* A MIDI out with its clock on `offset` frames early or late, the song's tempo map (`segments`
 * of them) in group 1 and a count-in's one segment in `count_in_group`, playing the count-in. */
static sp_midi_out *play_count_in(sp_engine *engine, int64_t offset, const double *song,
                                  uint32_t segments, const double count_in[3],
                                  uint32_t count_in_group) {
    sp_midi_out *out = bare_out(engine);
    sp_midi_out_set(out, 1, offset);
    sp_midi_out_map_song(out, 1, song, segments, NULL, NULL, 0, NULL, 0);
    sp_midi_out_map_song(out, count_in_group, count_in, 1, NULL, NULL, 0, NULL, 0);
    engine->run = RUN_PLAY;
    engine->group = count_in_group;
    return out;
}

static void check_tempo_limits(sp_engine *engine) {
    sp_midi_out *out = bare_out(engine);
    const double tiny[3] = {0, (60 / 1e-14) / 24, 0}; /* a song.json tempo of 1e-14 bpm */
    const double fast[3] = {0, 1e-9, 0};
    const double late[3] = {1e15, 0.02, 0};
    const double unordered[6] = {10, 0.02, 500, 5, 0.02, 250};
    const double not_a_number[3] = {0, 0.02, 0.0 / 0.0};
    bool refused = sp_midi_out_map_song(out, 3, tiny, 1, NULL, NULL, 0, NULL, 0) != SP_OK &&
                   sp_midi_out_map_song(out, 3, fast, 1, NULL, NULL, 0, NULL, 0) != SP_OK &&
                   sp_midi_out_map_song(out, 3, late, 1, NULL, NULL, 0, NULL, 0) != SP_OK &&
                   sp_midi_out_map_song(out, 3, unordered, 2, NULL, NULL, 0, NULL, 0) != SP_OK &&
                   sp_midi_out_map_song(out, 3, not_a_number, 1, NULL, NULL, 0, NULL, 0) != SP_OK;
    report("map_song refuses absurd tempo maps", refused,
           "1e-14 bpm, 1 ns ticks, at 1e15 s, unordered, NaN");

    /* Past the checks (a map written behind map_song's back): the loops still end. */
    const double sane[3] = {0, 60.0 / 120 / 24, 0};
    sp_midi_out_map_song(out, 3, sane, 1, NULL, NULL, 0, NULL, 0);
    for (uint32_t i = 0; i < SP_MIDI_OUT_SONGS; i++) {
        if (atomic_load(&out->songs[i].group) == 4) out->songs[i].segments[0].tick_seconds = 1e-12;
    }
    engine->group = 3;
    engine->run = RUN_PLAY;
    signal(SIGALRM, on_alarm);
    alarm(3);
    cycle(engine, 0, 256, 256);
    cycle(engine, 256, 256, 256);
    alarm(0);
    char detail[96];
    snprintf(detail, sizeof detail, "1 ps ticks: %d messages in a 256-frame cycle", written);
    report("the audio thread's loops are capped", written <= 256 + 2 + 4, detail);
    sp_midi_out_close(out);
}

static void check_held_notes(sp_engine *engine) {
    sp_midi_out *out = bare_out(engine);
    /* 16 note-ons at frame 0, their note-offs at frame 256 in a cycle whose port takes 8. */
    enum { N = 16 };
    int64_t frames[2 * N];
    uint32_t sizes[2 * N];
    unsigned char bytes[2 * N * 3];
    for (int i = 0; i < 2 * N; i++) {
        frames[i] = i < N ? 0 : 256;
        sizes[i] = 3;
        bytes[3 * i] = i < N ? 0x90 : 0x80;
        bytes[3 * i + 1] = (unsigned char)(40 + i % N);
        bytes[3 * i + 2] = i < N ? 100 : 0;
    }
    sp_midi_out_map_song(out, 0, NULL, 0, frames, sizes, 2 * N, bytes, sizeof bytes);
    engine->group = 0;
    engine->run = RUN_PLAY;
    cycle(engine, 0, 256, 256);
    cap = 8;
    cycle(engine, 256, 256, 256);
    cap = 1 << 30;
    cycle(engine, 480000, 256, 256); /* a jump: the notes still on are ended */
    char detail[96];
    snprintf(detail, sizeof detail, "%u note-offs after the jump (8 were refused before)",
             received[0x80]);
    report("a refused note-off keeps its note held", received[0x80] == 8, detail);
    sp_midi_out_close(out);
}

static void check_many_segments(sp_engine *engine) {
    sp_midi_out *out = bare_out(engine);
    enum { COUNT = 200 }; /* a DAW's tempo ramp */
    double segments[COUNT * 3];
    for (int s = 0; s < COUNT; s++) {
        segments[3 * s] = s * 0.5;
        segments[3 * s + 1] = 60.0 / (100 + s) / 24;
        segments[3 * s + 2] = s == 0 ? 0
                                     : segments[3 * s - 1] +
                                           llround(0.5 / segments[3 * s - 2]);
    }
    const sp_result result = sp_midi_out_map_song(out, 5, segments, COUNT, NULL, NULL, 0, NULL, 0);
    engine->group = 5;
    engine->run = RUN_PLAY;
    unsigned ticks = 0;
    for (uint64_t pos = 0; pos < 48000 * 90; pos += 1024) {
        cycle(engine, pos, 1024, 1024);
        ticks += received[0xF8];
    }
    char detail[96];
    snprintf(detail, sizeof detail, "map -> %d, %u ticks in 90 s", result, ticks);
    report("200 tempo segments play", result == SP_OK && ticks > 24 * 150, detail);
    double too_many[3 * 5000];
    for (int s = 0; s < 5000; s++) {
        too_many[3 * s] = s * 0.5, too_many[3 * s + 1] = 0.02, too_many[3 * s + 2] = s * 25.0;
    }
    const sp_result refused = sp_midi_out_map_song(out, 6, too_many, 5000, NULL, NULL, 0, NULL, 0);
    report("5000 tempo segments are refused", refused == SP_ERROR_INVALID_ARGUMENT, "a bound");
    sp_midi_out_close(out);
}

static void check_late_offsets(sp_engine *engine) {
    sp_midi_out *out = bare_out(engine);
    const double segments[3] = {0, 60.0 / 120 / 24, 0};
    sp_midi_out_map_song(out, 2, segments, 1, NULL, NULL, 0, NULL, 0);
    engine->group = 2;
    engine->run = RUN_PLAY;
    late_write = false;
    unsigned ticks = 0;
    /* Varispeed: each 1000-frame cycle renders 1001 engine frames. */
    for (uint64_t pos = 0; pos < 48000 * 10; pos += 1001) {
        cycle(engine, pos, 1000, 1001);
        ticks += received[0xF8];
    }
    char detail[96];
    snprintf(detail, sizeof detail, "%u ticks in 10 s, a write past the cycle: %s", ticks,
             late_write ? "yes" : "no");
    report("offsets stay inside the cycle", !late_write && ticks >= 479, detail);
    sp_midi_out_close(out);
}

/* A count-in (its own group, its clock placed so that all its ticks are before tick 0) ticks
 * without Start; the song's first downbeat brings Start. Count-ins come and go (unmapped)
 * without pushing the song's map out of its slot. */
static void check_count_in(sp_engine *engine) {
    sp_midi_out *out = bare_out(engine);
    const double song[3] = {0, 60.0 / 120 / 24, 0};
    const int64_t program_frame = 0;
    const uint32_t program_size = 2;
    const unsigned char program[2] = {0xC0, 5};
    sp_midi_out_map_song(out, 1, song, 1, &program_frame, &program_size, 1, program, 2);
    unsigned starts = 0, ticks = 0, freed = 0;
    for (uint32_t c = 0; c < 3 * SP_MIDI_OUT_SONGS; c++) {
        if (c > 0) freed += sp_midi_out_unmap_song(out, 100 + c - 1) == SP_OK;
        const double count_in[3] = {2.0, 60.0 / 120 / 24, 0}; /* one bar: 96,000 frames */
        sp_midi_out_map_song(out, 100 + c, count_in, 1, NULL, NULL, 0, NULL, 0);
    }
    engine->group = 100 + 3 * SP_MIDI_OUT_SONGS - 1;
    engine->run = RUN_PLAY;
    for (uint64_t pos = 0; pos < 96000; pos += 1000) {
        cycle(engine, pos, 1000, 1000);
        starts += received[0xFA];
        ticks += received[0xF8];
    }
    engine->group = 1;
    cycle(engine, 0, 1000, 1000);
    const unsigned song_starts = received[0xFA], song_ticks = received[0xF8];
    char detail[160];
    int64_t last[2];
    sp_midi_out_last(out, last);
    snprintf(detail, sizeof detail,
             "count-in: %u ticks, %u Starts; the song's first cycle: %u Start, %u tick, "
             "program at frame %lld",
             ticks, starts, song_starts, song_ticks, (long long)last[1]);
    report("a count-in ticks without Start, Start on the downbeat",
           ticks == 96 && starts == 0 && song_starts == 1 && song_ticks == 1 &&
               last[0] >> 24 == 2 && last[1] == 0,
           detail);
    report("count-ins unmapped leave the song's map", freed == 3 * SP_MIDI_OUT_SONGS - 1,
           "the song's program and Start came after 47 count-ins");
    sp_midi_out_close(out);
}


/* ---- attack-midi3 ---------------------------------------------------------------------- */

/* A count-in with a negative offset (MIDI ahead of the audio, offsetMs < 0): the count-in's
 * clock runs |offset| ahead, so it already sends Start and the song's first ticks before the
 * hand-over; the song's first block then does not follow on from it (another group) and
 * starts over: Stop, SPP 0, a second Start and the same ticks again. */
static void check_count_in_negative_offset(sp_engine *engine) {
    const double tick = 60.0 / 120 / 24; /* 1000 frames at 48 kHz */
    const double song[3] = {0, tick, 0};
    const double count_in[3] = {2.0, tick, 0}; /* one bar: hands over at frame 96,000 */
    sp_midi_out *out = play_count_in(engine, -4800, song, 1, count_in, 200); /* 100 ms early */
    clock_counts c = {0};
    play_counting(engine, 0, 96000, 0, &c);
    const unsigned count_in_starts = c.starts, count_in_ticks = c.ticks;
    engine->group = 1; /* the hand-over, at the song's frame 0 */
    play_counting(engine, 0, 48000, 0, &c);
    /* 96 count-in ticks, then the song's ticks at song frames 0 .. 52,000 (< 48,000 + 4,800) */
    char detail[200];
    snprintf(detail, sizeof detail,
             "count-in: %u Start, %u ticks; in all: %u Starts, %u Stops, %u SPP, %u ticks "
             "(want 1 Start, 0 Stop, 0 SPP, 149 ticks)",
             count_in_starts, count_in_ticks, c.starts, c.stops, c.positions, c.ticks);
    report("a count-in with a negative offset hands over without a restart",
           c.starts == 1 && c.stops == 0 && c.positions == 0 && c.ticks == 149, detail);
    sp_midi_out_close(out);
}

/* A setlist with "stop" transitions: per song, the previous count-in unmapped, the count-in
 * mapped, and the song after next prepared (preloaded) while the count-in plays. Once the 16
 * slots are full, map_song's ring pointer (next_slot) does not move when a map takes the empty
 * slot the unmapped count-in left: the newest map (the count-in playing) sits where the ring
 * evicts next, and the preload evicts it mid count-in. */
static void check_count_in_evicted(sp_engine *engine) {
    sp_midi_out *out = bare_out(engine);
    const double tick = 60.0 / 120 / 24;
    const double song[3] = {0, tick, 0};
    const double count_in[3] = {2.0, tick, 0};
    sp_midi_out_map_song(out, 1, song, 1, NULL, NULL, 0, NULL, 0);
    sp_midi_out_map_song(out, 2, song, 1, NULL, NULL, 0, NULL, 0);
    engine->run = RUN_PLAY;
    int first_lost = -1;
    unsigned lost_ticks = 0;
    for (uint32_t i = 1; i <= 40 && first_lost < 0; i++) {
        if (i > 1) sp_midi_out_unmap_song(out, 1000 + i - 1);
        sp_midi_out_map_song(out, 1000 + i, count_in, 1, NULL, NULL, 0, NULL, 0);
        engine->group = 1000 + i;
        for (uint64_t pos = 0; pos < 48000; pos += 1000) cycle(engine, pos, 1000, 1000);
        sp_midi_out_map_song(out, i + 2, song, 1, NULL, NULL, 0, NULL, 0); /* the preload */
        unsigned ticks = 0;
        for (uint64_t pos = 48000; pos < 96000; pos += 1000) {
            cycle(engine, pos, 1000, 1000);
            ticks += received[0xF8];
        }
        if (ticks != 48) first_lost = (int)i, lost_ticks = 48 - ticks;
        /* the song plays after its count-in */
        engine->group = i;
        for (uint64_t pos = 0; pos < 4000; pos += 1000) cycle(engine, pos, 1000, 1000);
    }
    char detail[200];
    snprintf(detail, sizeof detail,
             "song %d's count-in lost %u of the 48 ticks of its second half when the next "
             "song was prepared (its slot evicted)",
             first_lost, lost_ticks);
    report("a preload never evicts the count-in playing", first_lost < 0, detail);
    sp_midi_out_close(out);
}

/* sp_midi_out_set takes any int64 offset (the C API; midi_out.ts bounds it to +-1 s): the
 * audio thread's `(int64_t)pos - shift` overflows for INT64_MIN. Run with the argument
 * "offset-overflow" (UBSan stops the program at the overflow). */
static void check_offset_overflow(sp_engine *engine) {
    sp_midi_out *out = bare_out(engine);
    const double song[3] = {0, 60.0 / 120 / 24, 0};
    sp_midi_out_map_song(out, 1, song, 1, NULL, NULL, 0, NULL, 0);
    const sp_result set = sp_midi_out_set(out, 1, INT64_MIN);
    engine->group = 1;
    engine->run = RUN_PLAY;
    cycle(engine, 1000, 1000, 1000);
    report("sp_midi_out_set refuses an offset the audio thread cannot take",
           set != SP_OK, "INT64_MIN accepted and played");
    sp_midi_out_close(out);
}

/* A device reopen: cycles on the new client before the port moves there, then on it. */
static void check_reattach(void) {
    sp_engine_config config = sp_engine_config_init();
    config.backend = "offline";
    config.sample_rate = 48000;
    config.channels = 2;
    config.block_frames = 256;
    sp_engine *engine;
    if (sp_engine_init(&config, &engine) != SP_OK) exit(2);
    const uint64_t frames = 48000 * 20;
    float *planar = calloc(frames * 2, sizeof(float));
    sp_pcm *pcm;
    uint32_t slot;
    if (sp_pcm_from_planar(planar, 2, frames, &pcm) != SP_OK) exit(2);
    free(planar);
    if (sp_track_attach(engine, pcm, 0, &slot) != SP_OK || sp_track_activate(engine, slot)) exit(2);
    static ma_context context;
    static ma_device device;
    static sp_output output;
    static float buffer[1024 * 2];
    context.backend = ma_backend_jack;
    device.pContext = &context;
    device.jack.pClient = (void *)0x1;
    device.playback.channels = 2;
    device.pUserData = &output;
    output.engine = engine;
    sp_midi_out *out = bare_out(engine);
    atomic_store(&engine->midi_out, NULL);
    const double segments[3] = {0, 60.0 / 120 / 24, 0};
    sp_midi_out_map_song(out, 0, segments, 1, NULL, NULL, 0, NULL, 0);
    atomic_store(&engine->midi_out, out);
    sp_transport_play(engine);
    for (int c = 0; c < 100; c++) sp_data_callback(&device, buffer, NULL, 1024);
    uint64_t before[SP_MIDI_OUT_COUNTERS], after[SP_MIDI_OUT_COUNTERS];
    sp_midi_out_counters(out, before);
    device.jack.pClient = (void *)0x3; /* the reopened device: the port is not on it yet */
    for (int c = 0; c < 20; c++) sp_data_callback(&device, buffer, NULL, 1024);
    sp_midi_out_counters(out, after);
    char detail[128];
    snprintf(detail, sizeof detail, "%llu ticks counted while no port took them",
             (unsigned long long)(after[0] - before[0]));
    report("nothing counts as sent without the port", after[0] == before[0], detail);
    for (int i = 0; i < 256; i++) received[i] = 0;
    atomic_store(&out->jack.port, (jack_port_t *)0x4); /* sp_midi_out_reattach */
    atomic_store(&out->jack.client, (jack_client_t *)0x3);
    unsigned continues = 0, positions = 0, ticks = 0;
    for (int c = 0; c < 100; c++) {
        for (int i = 0; i < 256; i++) received[i] = 0;
        sp_data_callback(&device, buffer, NULL, 1024);
        if (c == 0) continues = received[0xFB], positions = received[0xF2];
        ticks += received[0xF8];
    }
    snprintf(detail, sizeof detail, "first cycle on the new port: SPP %u, Continue %u; %u ticks",
             positions, continues, ticks);
    report("the new port hears where the song is", continues == 1 && positions == 1 && ticks > 0,
           detail);
    sp_midi_out_close(out);
    sp_engine_destroy(engine);
}

/* ---- attack-native4 -------------------------------------------------------------------- */

/* The clock turned off mid-song (Stop) and on again in the same song: the song follows on, so
 * neither branch that says where the song is runs; ticks go out with no SPP and no Continue, to
 * a device that was told Stop. */
static void check_clock_off_on(sp_engine *engine) {
    sp_midi_out *out = bare_out(engine);
    const double song[3] = {0, 60.0 / 120 / 24, 0};
    sp_midi_out_map_song(out, 1, song, 1, NULL, NULL, 0, NULL, 0);
    engine->run = RUN_PLAY;
    engine->group = 1;
    uint64_t pos = 0;
    for (; pos < 48000; pos += 1000) cycle(engine, pos, 1000, 1000);
    sp_midi_out_set(out, 0, 0);
    unsigned stops = 0;
    for (; pos < 96000; pos += 1000) cycle(engine, pos, 1000, 1000), stops += received[0xFC];
    sp_midi_out_set(out, 1, 0);
    unsigned ticks = 0, continues = 0, starts = 0, positions = 0;
    for (; pos < 144000; pos += 1000) {
        cycle(engine, pos, 1000, 1000);
        ticks += received[0xF8], continues += received[0xFB], starts += received[0xFA];
        positions += received[0xF2];
    }
    char detail[200];
    snprintf(detail, sizeof detail,
             "clock off: %u Stop; on again: %u ticks, %u SPP, %u Continue, %u Start "
             "(want SPP + Continue before the ticks)",
             stops, ticks, positions, continues, starts);
    report("the clock turned on again mid-song says where the song is",
           stops == 1 && ticks > 0 && positions == 1 && continues + starts == 1, detail);
    sp_midi_out_close(out);
}

/* A song re-prepared (another key: a new group, the same tempo map and events) taking over at
 * the same position with a negative offset: hand_over treats it as following on (no SPP), but
 * the events of the |offset| ahead, already sent by the old group, are sent again at once. */
static void check_reprepare_duplicates(sp_engine *engine) {
    sp_midi_out *out = bare_out(engine);
    sp_midi_out_set(out, 1, -4800);
    const double song[3] = {0, 60.0 / 120 / 24, 0};
    int64_t frames[2] = {50000, 50500};
    const uint32_t sizes[2] = {3, 3};
    const unsigned char bytes[6] = {0x90, 60, 100, 0x80, 60, 0};
    sp_midi_out_map_song(out, 1, song, 1, frames, sizes, 2, bytes, 6);
    sp_midi_out_map_song(out, 2, song, 1, frames, sizes, 2, bytes, 6);
    engine->run = RUN_PLAY;
    engine->group = 1;
    unsigned on = 0, off = 0, positions = 0;
    uint64_t pos = 0;
    for (; pos < 48000; pos += 1000) cycle(engine, pos, 1000, 1000), on += received[0x90], off += received[0x80];
    engine->group = 2; /* the key change lands at song frame 48,000 */
    for (; pos < 96000; pos += 1000) {
        cycle(engine, pos, 1000, 1000);
        on += received[0x90], off += received[0x80], positions += received[0xF2];
    }
    char detail[160];
    snprintf(detail, sizeof detail, "%u note-ons, %u note-offs, %u SPP (want 1, 1: one note)",
             on, off, positions);
    report("a re-prepared song taking over sends its events once", on == 1 && off == 1, detail);
    sp_midi_out_close(out);
}

/* A count-in into the middle of a song (play from a marker at 2 s, tick 96), with a negative
 * offset and without. The count-in's clock is numbered as the song's (countInClock gives first
 * tick 96): its ticks run without Start, and where it hands over (|offset| early with a negative
 * offset) the device gets SPP 96 and Continue, once; the song's clock runs on from there. Before
 * the fix the count-in's ticks were numbered from 0 at the hand-over: it sent Start (song
 * position 0) when its clock reached its tick 0 early, then the song's first block SPP 96 to the
 * rolling device, which started from bar 1, then jumped. */
static void check_count_in_mid_song(sp_engine *engine, int64_t offset) {
    const double tick = 60.0 / 120 / 24;
    const double song[3] = {0, tick, 0};
    const double count_in[3] = {2.0, tick, 96}; /* countInClock(song, 96000, 96000, 48000) */
    sp_midi_out *out = play_count_in(engine, offset, song, 1, count_in, 201);
    clock_counts c = {0};
    play_counting(engine, 0, 96000, 0, &c);
    const unsigned count_in_ticks = c.ticks, count_in_continues = c.continues;
    engine->group = 1; /* the song from its marker at frame 96,000 */
    play_counting(engine, 96000, 144000, 96000, &c);
    /* The count-in's 96 ticks, and with the offset the song's first 5 early; then the song's
     * ticks to frame 144,000 (+ 4,800 with the offset): 96 + 48 (+ 5) in all, each once. */
    const unsigned early = offset < 0 ? (unsigned)((-offset + 999) / 1000) : 0;
    char detail[240];
    snprintf(detail, sizeof detail,
             "offset %lld: %u Start, %u Stop, %u SPP, %u Continue, %u ticks (%u in the count-in, "
             "%u Continue there) (want 0, 0, 1, 1, %u (%u, %u))",
             (long long)offset, c.starts, c.stops, c.positions, c.continues, c.ticks,
             count_in_ticks, count_in_continues, 144 + early, 96 + early, early > 0 ? 1 : 0);
    report(offset < 0 ? "a count-in into mid-song with a negative offset never sends Start"
                      : "a count-in into mid-song: SPP and Continue at the hand-over",
           c.starts == 0 && c.stops == 0 && c.positions == 1 && c.continues == 1 &&
               c.ticks == 144 + early && count_in_ticks == 96 + early &&
               count_in_continues == (early > 0 ? 1u : 0u),
           detail);
    sp_midi_out_close(out);
}

/* A count-in into mid-song (marker at 2 s, tick 96) cut short by a seek into the song at 3 s
 * (tick 144) halfway through: the device never hears Start (it would start from bar 1), and
 * hears where the song is (SPP 144) and Continue once, the ticks on from there. */
static void check_seek_during_count_in(sp_engine *engine) {
    const double tick = 60.0 / 120 / 24;
    const double song[3] = {0, tick, 0};
    const double count_in[3] = {2.0, tick, 96};
    sp_midi_out *out = play_count_in(engine, 0, song, 1, count_in, 202);
    clock_counts c = {0};
    play_counting(engine, 0, 48000, 0, &c);
    engine->group = 1;
    play_counting(engine, 144000, 192000, 144000, &c);
    char detail[200];
    snprintf(detail, sizeof detail,
             "%u Start, %u Stop, %u SPP, %u Continue, %u ticks (want 0, 0, 1, 1, 96)", c.starts,
             c.stops, c.positions, c.continues, c.ticks);
    report("a seek during a count-in into mid-song: SPP and Continue, never Start",
           c.starts == 0 && c.stops == 0 && c.positions == 1 && c.continues == 1 && c.ticks == 96,
           detail);
    sp_midi_out_close(out);
}

/* A negative offset longer than the count-in (-3 s before a 2 s count-in into a marker at 2 s):
 * the count-in's clock is already past its hand-over when it begins, so SPP 96 and Continue go
 * at once, never Start; the song then takes over without a second pointer, Stop or tick. */
static void check_offset_past_count_in(sp_engine *engine) {
    const double tick = 60.0 / 120 / 24;
    const double song[3] = {0, tick, 0};
    const double count_in[3] = {2.0, tick, 96};
    sp_midi_out *out = play_count_in(engine, -144000, song, 1, count_in, 203);
    clock_counts c = {0};
    play_counting(engine, 0, 96000, 0, &c);
    engine->group = 1;
    play_counting(engine, 96000, 144000, 96000, &c);
    /* Ticks 0 .. 144 + 144 (frames up to 144,000 + 144,000 ahead): 289, each once. */
    char detail[200];
    snprintf(detail, sizeof detail,
             "%u Start, %u Stop, %u SPP, %u Continue, %u ticks (want 0, 0, 1, 1, 288)", c.starts,
             c.stops, c.positions, c.continues, c.ticks);
    report("an offset longer than the count-in: SPP and Continue once, never Start",
           c.starts == 0 && c.stops == 0 && c.positions == 1 && c.continues == 1 && c.ticks == 288,
           detail);
    sp_midi_out_close(out);
}

/* A count-in into 4.005 s of a song whose tempo changes from 120 to 60 bpm at 4.01 s, off the
 * old grid (clockSegments: the new segment's first tick is 192, at 4.01 s). countInClock gives
 * {2.005, 1/48, 192}: the count-in's ticks run up to 191, and the song's clock goes on with 192
 * at 4.01 s, each tick once. (Before, countInClock took the old grid's next tick, {2.0158, 1/48,
 * 193}: the count-in sent a "192" 480 frames before the song's own tick 192.) */
static void check_count_in_before_tempo_change(sp_engine *engine, const double count_in[3],
                                               const char *name) {
    const double song[6] = {0, 1.0 / 48, 0, 4.01, 1.0 / 24, 192};
    sp_midi_out *out = play_count_in(engine, 0, song, 2, count_in, 204);
    clock_counts c = {0};
    last_tick = -1, shortest_tick = INT64_MAX;
    play_counting(engine, 0, 96000, 0, &c);
    const unsigned count_in_ticks = c.ticks;
    engine->group = 1;
    play_counting(engine, 192240, 192240 + 96000, 96000, &c);
    /* The song's ticks from 4.01 s to 6.005 s at 60 bpm: 192 .. 239 (48); ticks 1,000 frames
     * apart at 120 bpm (the count-in), 2,000 at 60, never closer across the hand-over. */
    char detail[240];
    snprintf(detail, sizeof detail,
             "%u Start, %u Stop, %u SPP, %u Continue, %u ticks, %u in the count-in, shortest "
             "interval %lld frames (want 0, 0, 1, 1, %u, %u, 1000)",
             c.starts, c.stops, c.positions, c.continues, c.ticks, count_in_ticks,
             (long long)shortest_tick, count_in_ticks + 48, count_in_ticks);
    report(name,
           c.starts == 0 && c.stops == 0 && c.positions == 1 && c.continues == 1 &&
               c.ticks == count_in_ticks + 48 && shortest_tick == 1000,
           detail);
    sp_midi_out_close(out);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    device_on_port.pContext = &jack_context;
    device_on_port.jack.pClient = (void *)0x1;
    device_on_port.pUserData = &output_on_port;
    sp_engine *engine = calloc(1, sizeof *engine);
    if (argc > 1 && strcmp(argv[1], "offset-overflow") == 0) {
        check_offset_overflow(engine);
        free(engine);
        return failures ? 1 : 0;
    }
    check_tempo_limits(engine);
    check_held_notes(engine);
    check_many_segments(engine);
    check_late_offsets(engine);
    check_count_in(engine);
    check_count_in_negative_offset(engine);
    check_count_in_evicted(engine);
    check_offset_overflow(engine);
    check_clock_off_on(engine);
    check_reprepare_duplicates(engine);
    check_count_in_mid_song(engine, -4800);
    check_count_in_mid_song(engine, 0);
    check_seek_during_count_in(engine);
    check_offset_past_count_in(engine);
    const double before_change[3] = {2.005, 1.0 / 48, 192}; /* countInClock's */
    check_count_in_before_tempo_change(engine, before_change,
                                       "a count-in into just before a tempo change off the grid");
    free(engine);
    check_reattach();
    printf("midi_out_check: %d failed\n", failures);
    return failures ? 1 : 0;
}

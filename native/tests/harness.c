/* harness.c: drives the engine the way a device does, for the sanitizers.
 *
 * An "audio" thread calls the engine's data callback (rt/device_rt.c, which runs
 * sp_process_block) from a function marked nonblocking, exactly as miniaudio's device thread
 * does, while a control thread runs every control call the library
 * has: tracks (many), gain, mute, solo, routing, master gain, meters, the latency monitor and
 * its reads, play, pause, stop, seek, playing to the end, song swaps (attach a new group,
 * switch, retire the old one), cues, fades, and bursts of commands that fill the command ring
 * while the audio side drains it. Every fourth track streams from a 44.1 kHz WAV file through
 * the engine's reader thread (a ring and a head per track); the stress phase cuts that file
 * short on disk while it streams (the reader's truncation path) and writes a new one for the
 * next song, with a pool of 3 reader threads (the stress phase changes their count while they
 * stream). First, the device is a stand-in JACK client for a while (harness_jack.h): MIDI in
 * and MTC on the engine's own client run too. Key and tempo changes while playing switch onto
 * stems still being rendered by their own threads, freed while those may still run. Gains reach SP_MAX_GAIN, so the output clamp works and its counters are read while
 * the audio side adds to them. Built with -fsanitize=realtime it proves the audio path never
 * allocates, frees, locks or blocks; with address,undefined and thread it proves the two sides
 * share memory correctly.
 *
 * Usage: harness [stress_seconds]   (0 or absent: the scripted scenario only)
 * Exit status 0 and "harness: ok" on success; anything else is a failure.
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"
#include "../midi_out.h"

#if defined(__clang__) && __has_attribute(nonblocking)
#define HARNESS_NONBLOCKING __attribute__((nonblocking))
#else
#define HARNESS_NONBLOCKING
#endif

#define RATE 48000u
#define OUTPUTS 4u
#define BLOCK 256u
#define CAPACITY 160u
#define SONG_A_TRACKS 128u
#define SONG_B_TRACKS 16u

static sp_engine *engine;
/* The device the audio thread plays: only what miniaudio's data callback reads of it (its
 * user data, the output, and its channel count). */
static ma_device device;
static sp_output output;
static _Atomic int audio_running = 1;
static _Atomic uint64_t bad_samples; /* NaN, infinite or absurd output, counted by audio */
static float out_block[BLOCK * OUTPUTS];

#define CHECK(call) \
    do { \
        const sp_result r_ = (call); \
        if (r_ != SP_OK) { \
            fprintf(stderr, "harness: %s failed at line %d: %s\n", #call, __LINE__, \
                    sp_result_string(r_)); \
            exit(2); \
        } \
    } while (0)

#define EXPECT(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "harness: expected %s at line %d\n", #cond, __LINE__); \
            exit(3); \
        } \
    } while (0)

/* ---- audio side ------------------------------------------------------------------------- */

/* The realtime function: the data callback's body. RealtimeSanitizer checks everything it
 * reaches at run time. */
static void audio_callback(float *out, uint32_t frames) HARNESS_NONBLOCKING {
#ifdef SP_HARNESS_DELIBERATE_MALLOC
    /* Negative test: an allocation on the audio path must be reported. */
    void *volatile scratch = malloc(64);
    free(scratch);
#endif
    /* The way a device enters the engine: miniaudio's data callback (rt/device_rt.c), which
     * renders block by block (sp_process_block). */
    sp_data_callback(&device, out, NULL, frames);
    /* A real-time reader of the status (mtc.c's JACK process callback) tries the seqlock once. */
    uint64_t snapshot[SP_STATUS_COUNT];
    (void)sp_status_try_read(engine, snapshot);
    uint64_t bad = 0;
    for (uint32_t i = 0; i < frames * OUTPUTS; i++) {
        if (!(fabsf(out[i]) <= 1.0f)) bad++; /* the clamp: full scale, never NaN */
    }
    if (bad) atomic_fetch_add_explicit(&bad_samples, bad, memory_order_relaxed);
}

static void *audio_thread(void *arg) {
    (void)arg;
    uint32_t n = 0;
    while (atomic_load_explicit(&audio_running, memory_order_acquire)) {
        /* Vary the block size like backends do (never more than a block). */
        const uint32_t frames = (n++ % 7 == 3) ? BLOCK / 2 : BLOCK;
        audio_callback(out_block, frames);
        sched_yield(); /* outside the realtime function: lets the control thread in on 2 cores */
    }
    return NULL;
}

/* ---- control side ----------------------------------------------------------------------- */

static uint64_t status_of(int index) {
    uint64_t status[SP_STATUS_COUNT];
    CHECK(sp_engine_status(engine, status));
    return status[index];
}

/* Waits until the audio side has finished `blocks` more blocks. */
static void wait_blocks(uint64_t blocks) {
    const uint64_t target = status_of(SP_STATUS_BLOCKS) + blocks;
    while (status_of(SP_STATUS_BLOCKS) < target) sched_yield();
}

static void wait_state(uint64_t state) {
    for (int i = 0; i < 100000 && status_of(SP_STATUS_STATE) != state; i++) wait_blocks(1);
    EXPECT(status_of(SP_STATUS_STATE) == state);
}

static uint32_t random_state = 12345u;
static uint32_t next_random(void) {
    random_state = random_state * 1664525u + 1013904223u;
    return random_state >> 8;
}
static float random_unit(void) { return (float)(next_random() & 0xffff) / 65535.0f; }

/* A track of `channels` channels and `frames` frames: a quiet tone, different per track; every
 * eighth one near full scale, so that gains above 1 drive the output clamp. */
static sp_pcm *make_pcm(uint32_t channels, uint64_t frames, uint32_t seed) {
    float *planar = malloc(sizeof(float) * channels * frames);
    EXPECT(planar != NULL);
    const float level = seed % 8 == 0 ? 0.9f : 0.01f;
    for (uint32_t c = 0; c < channels; c++) {
        for (uint64_t i = 0; i < frames; i++) {
            planar[c * frames + i] = level * sinf((float)i * 0.01f * (float)(seed % 17 + c + 1));
        }
    }
    sp_pcm *pcm;
    CHECK(sp_pcm_from_planar(planar, channels, frames, &pcm));
    free(planar);
    return pcm;
}

/* A stereo 16-bit 44.1 kHz WAV of a quarter second (resampled when streamed: exactly RATE / 4
 * frames, the length of a swapped-in song), written once. */
static char stream_path[64];
static void write_stream_file(void) {
    snprintf(stream_path, sizeof stream_path, "/tmp/stemplay-harness-XXXXXX");
    const int fd = mkstemp(stream_path);
    EXPECT(fd >= 0);
    FILE *file = fdopen(fd, "wb");
    EXPECT(file != NULL);
    const uint32_t frames = 11025, rate = 44100, bytes = frames * 4;
    uint8_t header[44] = "RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x02\0";
    const uint32_t riff = 36 + bytes, byte_rate = rate * 4;
    memcpy(header + 4, &riff, 4);
    memcpy(header + 24, &rate, 4);
    memcpy(header + 28, &byte_rate, 4);
    header[32] = 4;
    header[34] = 16;
    memcpy(header + 36, "data", 4);
    memcpy(header + 40, &bytes, 4);
    EXPECT(fwrite(header, 1, 44, file) == 44);
    for (uint32_t i = 0; i < frames; i++) {
        const int16_t sample = (int16_t)(300.0f * sinf((float)i * 0.05f));
        const int16_t pair[2] = {sample, (int16_t)-sample};
        EXPECT(fwrite(pair, sizeof pair, 1, file) == 1);
    }
    EXPECT(fclose(file) == 0);
}

static void random_route(uint32_t slot, uint32_t channels) {
    float gains[SP_MAX_CHANNELS * OUTPUTS];
    for (uint32_t k = 0; k < channels * OUTPUTS; k++) gains[k] = random_unit();
    CHECK(sp_track_set_route(engine, slot, gains, channels * OUTPUTS));
}

typedef struct song {
    uint32_t group;
    uint32_t count;
    uint32_t slots[SONG_A_TRACKS];
    uint32_t channels[SONG_A_TRACKS];
    sp_file_source *sources[SONG_A_TRACKS]; /* a streamed track's, else NULL */
} song;

/* A full table whose retired slots the reader has not freed yet: a device's engine waits for
 * them inside sp_track_attach, this one has no device (engine->output is NULL), so the
 * harness waits, a block at a time, when two song swaps come close together. */
static sp_result attach_waiting(sp_pcm *pcm, sp_file_source *file, uint32_t group,
                                uint32_t *slot) {
    sp_result r = SP_ERROR_CAPACITY;
    for (int tries = 0; tries < 4000 && r == SP_ERROR_CAPACITY; tries++) {
        r = pcm != NULL ? sp_track_attach(engine, pcm, group, slot)
                        : sp_track_attach_file(engine, file, group, slot);
        if (r == SP_ERROR_CAPACITY) wait_blocks(1);
    }
    return r;
}

static uint32_t rings_started; /* streamed stems started past their top (load_song) */

static void load_song(song *s, uint32_t group, uint32_t count, uint64_t frames) {
    s->group = group;
    s->count = count;
    for (uint32_t t = 0; t < count; t++) {
        uint32_t channels = t % 3 == 0 ? 1 : 2;
        if (t % 4 == 3) { /* streamed: a small ring, and a head at 0 */
            sp_file_source *source;
            CHECK(sp_file_source_open(stream_path, RATE, 2048, &source, NULL, 0));
            /* A few at another key (the same length, as the songs' checks want): the reader
             * stretches them (R3 or R2). */
            if (t % 32 == 7 && sp_stretch_available()) {
                CHECK(sp_file_source_stretch(source, RATE, 1.0, 1.1224620483093730,
                                             t % 64 == 7 ? SP_STRETCH_FINER : SP_STRETCH_FASTER));
            }
            CHECK(sp_file_source_add_head(source, 0, 4096));
            /* The stress phase's songs (group 5 on), loaded while another plays, start some
             * stems as a key change's new rings do: the readers serve those first while they
             * are not sounding (butler.c PASS_SWITCH). */
            if (group >= 5 && next_random() % 2 == 0) {
                CHECK(sp_file_source_start_at(source, next_random() % RATE));
                rings_started++;
            }
            CHECK(attach_waiting(NULL, source, group, &s->slots[t]));
            s->sources[t] = source;
            channels = 2;
        } else {
            /* Different lengths, so "the longest track" matters. */
            sp_pcm *pcm = make_pcm(channels, frames - (uint64_t)(t % 5) * 1000u, t + group * 100u);
            CHECK(attach_waiting(pcm, NULL, group, &s->slots[t]));
            s->sources[t] = NULL;
        }
        s->channels[t] = channels;
        random_route(s->slots[t], channels);
        CHECK(sp_track_set_gain(engine, s->slots[t], 0.5f));
        CHECK(sp_track_activate(engine, s->slots[t]));
    }
}

/* Retires a song's tracks: deactivate, then release once the audio side is past them. */
static void retire_song(song *s) {
    for (uint32_t t = 0; t < s->count; t++) CHECK(sp_track_deactivate(engine, s->slots[t]));
    for (uint32_t t = 0; t < s->count; t++) {
        sp_result r;
        while ((r = sp_track_release(engine, s->slots[t])) == SP_ERROR_BUSY) sched_yield();
        /* SP_ERROR_SLOT: an earlier release already reclaimed it (release frees every retired
         * slot the audio side is past). */
        EXPECT(r == SP_OK || r == SP_ERROR_SLOT);
    }
    s->count = 0;
}

static uint64_t total_clipped[OUTPUTS];

static void read_stats(void) {
    static uint32_t durations[SP_MONITOR_SLOTS], intervals[SP_MONITOR_SLOTS];
    static float peaks[CAPACITY];
    uint64_t counters[SP_MONITOR_COUNTER_COUNT];
    uint32_t count;
    CHECK(sp_monitor_read(engine, durations, intervals, SP_MONITOR_SLOTS, counters, &count));
    EXPECT(count <= SP_MONITOR_SLOTS);
    CHECK(sp_meters_read(engine, peaks, CAPACITY));
    uint64_t status[SP_STATUS_COUNT];
    CHECK(sp_engine_status(engine, status));
    uint64_t clipped[OUTPUTS + 1];
    CHECK(sp_output_clipped_read(engine, clipped, OUTPUTS + 1));
    EXPECT(clipped[OUTPUTS] == 0);
    for (uint32_t o = 0; o < OUTPUTS; o++) total_clipped[o] = clipped[o];
}

/* One snapshot: the duration published with a group is that group's. Every song of the stress
 * phase (group 5 on) is RATE / 4 long, the songs before it longer; a status read field by
 * field could pair the playing song's group with another song's duration. (A stale cue may
 * jump back into a retired, empty group: only the playing song's group is checked.) Groups 3
 * and 4 are the retimed songs before the stress phase, whose swaps start at group 5. */
static void check_snapshot(const song *playing) {
    uint64_t status[SP_STATUS_COUNT];
    CHECK(sp_engine_status(engine, status));
    if (status[SP_STATUS_GROUP] >= 5 && status[SP_STATUS_GROUP] == playing->group) {
        EXPECT(status[SP_STATUS_DURATION] == RATE / 4);
    }
}

/* Bus delays set in the stress phase (rt/bus_delay_rt.c: lines written, read, crossfaded). */
static uint32_t delay_changes;

static void change_one_parameter(const song *s) {
    const uint32_t t = next_random() % s->count;
    const uint32_t slot = s->slots[t];
    switch (next_random() % 9) {
    case 0: CHECK(sp_track_set_gain(engine, slot, random_unit() * SP_MAX_GAIN)); break;
    case 1: CHECK(sp_track_set_mute(engine, slot, (int32_t)(next_random() & 1))); break;
    case 2: CHECK(sp_track_set_solo(engine, slot, (int32_t)(next_random() % 8 == 0))); break;
    case 3: random_route(slot, s->channels[t]); break;
    case 4: CHECK(sp_engine_set_master_gain(engine, random_unit() * SP_MAX_GAIN)); break;
    /* A sync follower's varispeed: the resampler on the output, at a new ratio. */
    case 5:
        CHECK(sp_engine_set_varispeed(engine, (random_unit() * 2.0 - 1.0) * SP_MAX_VARISPEED_PPM));
        break;
    /* The switchers' heartbeat on a random output, or off. */
    case 6:
        CHECK(sp_engine_set_heartbeat(engine, (int32_t)(next_random() % (OUTPUTS + 1)) - 1, 0.1f));
        break;
    /* A bus's delay on a random output: 0 (the line stays), up to 1 s. */
    case 7:
        CHECK(sp_output_set_delay(engine, next_random() % OUTPUTS,
                                  next_random() % 4 == 0 ? 0 : next_random() % (RATE + 1)));
        delay_changes++;
        break;
    default: CHECK(sp_meters_set_enabled(engine, (int32_t)(next_random() & 1))); break;
    }
}

/* The device as a JACK client (a stand-in): MIDI in and MTC on the engine's own client. */
#include "harness_jack.h"

/* Key and tempo changes: the callback switching onto stems still being rendered. */
#include "harness_retimes.h"

/* Every control call once, waiting for the audio side to take each in turn. */
static void scripted(song *a, song *b) {
    CHECK(sp_transport_play(engine));
    wait_state(SP_STATE_PLAYING);
    /* The transport holds at 0 until every streamed track's ring has its first frames. */
    for (int i = 0; i < 100000 && status_of(SP_STATUS_POSITION) == 0; i++) wait_blocks(1);
    EXPECT(status_of(SP_STATUS_POSITION) > 0);

    /* The monitor on, read, reset, off. */
    CHECK(sp_monitor_set_enabled(engine, 1));
    wait_blocks(8);
    read_stats();
    CHECK(sp_monitor_reset(engine));
    wait_blocks(2);
    read_stats();
    CHECK(sp_monitor_set_enabled(engine, 0));
    CHECK(sp_meters_set_enabled(engine, 1));
    wait_blocks(2);
    read_stats();

    /* Every parameter of every track. */
    for (uint32_t t = 0; t < a->count; t++) {
        CHECK(sp_track_set_gain(engine, a->slots[t], 0.25f));
        CHECK(sp_track_set_mute(engine, a->slots[t], t % 4 == 0));
        CHECK(sp_track_set_solo(engine, a->slots[t], t == 5));
        random_route(a->slots[t], a->channels[t]);
    }
    CHECK(sp_engine_set_master_gain(engine, 0.8f));
    wait_blocks(2);
    for (uint32_t t = 0; t < a->count; t++) CHECK(sp_track_set_solo(engine, a->slots[t], 0));
    wait_blocks(2);

    /* Seek, pause, play, stop. */
    CHECK(sp_transport_seek(engine, RATE / 2));
    wait_blocks(4);
    CHECK(sp_transport_pause(engine));
    wait_state(SP_STATE_PAUSED);
    CHECK(sp_transport_play(engine));
    wait_state(SP_STATE_PLAYING);
    CHECK(sp_transport_stop(engine));
    wait_state(SP_STATE_STOPPED);
    /* STOPPED is published by the block that takes the stop; the position returns to 0 when
     * its declick (SP_FADE_MS, 240 frames) ends, which spans two blocks when the stop lands in
     * a half block (128 frames). */
    wait_blocks(2);
    EXPECT(status_of(SP_STATUS_POSITION) == 0);

    /* Play to the end. */
    CHECK(sp_transport_seek(engine, status_of(SP_STATUS_DURATION) - 3 * BLOCK));
    CHECK(sp_transport_play(engine));
    wait_state(SP_STATE_ENDED);
    EXPECT(status_of(SP_STATUS_ENDED) == 1);

    /* Song swap: the new song is attached while the old one plays, then switched to at a
     * block boundary, then the old one is retired. */
    CHECK(sp_transport_seek(engine, 0));
    wait_state(SP_STATE_PLAYING);
    load_song(b, 1, SONG_B_TRACKS, RATE / 2);
    CHECK(sp_transport_switch(engine, 1, 1000));
    while (status_of(SP_STATUS_GROUP) != 1) wait_blocks(1);
    retire_song(a);
    load_song(a, 2, SONG_A_TRACKS, RATE);
    CHECK(sp_transport_switch(engine, 2, 0));
    while (status_of(SP_STATUS_GROUP) != 2) wait_blocks(1);
    retire_song(b);
    wait_blocks(4);
    EXPECT(status_of(SP_STATUS_STATE) == SP_STATE_PLAYING);
    retimes(a, b);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* As fast as it can: parameters, stats, transport and song swaps, while the audio renders. */
static void stress(song *a, song *b, double seconds) {
    const double end = now_seconds() + seconds;
    uint32_t round = 0, swaps = 0, bursts = 0, cuts = 0, pools = 0, wanted = 0;
    bool cut = false;
    song *playing = a, *spare = b;
    CHECK(sp_monitor_set_enabled(engine, 1));
    CHECK(sp_transport_play(engine));
    while (now_seconds() < end) {
        round++;
        for (int i = 0; i < 200; i++) change_one_parameter(playing);
        read_stats();
        check_snapshot(playing);
        switch (next_random() % 17) {
        case 0: CHECK(sp_transport_seek(engine, next_random() % RATE)); break;
        case 1: CHECK(sp_transport_pause(engine)); break;
        case 2: CHECK(sp_transport_stop(engine)); break;
        case 3: CHECK(sp_monitor_set_enabled(engine, (int32_t)(next_random() & 1))); break;
        case 4: CHECK(sp_monitor_reset(engine)); break;
        case 5: { /* song swap */
            const uint32_t group = playing->group + 1;
            if (cut) { /* a whole file for the next song; the cut one stays open till retired */
                remove(stream_path);
                write_stream_file();
                cut = false;
            }
            load_song(spare, group, 8 + next_random() % 24, RATE / 4);
            CHECK(sp_transport_switch(engine, group, 0));
            retire_song(playing); /* releases as soon as the audio side is past the old song */
            song *t = playing;
            playing = spare;
            spare = t;
            swaps++;
            break;
        }
        case 6: { /* a loop whose seam crossfades, at least the shortest loop long */
            const uint64_t at = RATE / 8 + next_random() % (RATE / 8);
            const uint64_t longest_start = at - sp_min_loop_frames(engine);
            CHECK(sp_transport_cue(engine, at, playing->group, next_random() % longest_start,
                                   next_random() % 512, 1));
            break;
        }
        case 7: /* a one-off jump, crossfaded, maybe already passed */
            CHECK(sp_transport_cue(engine, next_random() % RATE, playing->group,
                                   next_random() % RATE, next_random() % 512, 0));
            break;
        case 8: CHECK(sp_transport_cancel_cue(engine)); break;
        case 9: CHECK(sp_transport_fade(engine, (int32_t)(next_random() & 1), next_random() % 4800)); break;
        case 10: { /* a burst of commands while the audio side drains: the ring fills, and
                    * a full ring is the only refusal */
            uint32_t pushed = 0;
            sp_result r = SP_OK;
            while (pushed < 2 * SP_COMMAND_SLOTS &&
                   (r = sp_transport_seek(engine, next_random() % RATE)) == SP_OK) {
                pushed++;
            }
            EXPECT(r == SP_OK || r == SP_ERROR_BUSY);
            wait_blocks(2); /* drained: every call below may push again */
            bursts++;
            break;
        }
        case 12: /* another count of reader threads: a new pool takes over the streams */
            CHECK(sp_engine_set_readers(engine, 1 + next_random() % 4));
            pools++;
            break;
        case 11: /* the streamed file cut short on disk while it plays */
            if (!cut && truncate(stream_path, 44 + 4 * 3000) == 0) {
                cut = true;
                cuts++;
            }
            break;
        case 13: { /* what a switch's wait does to a streamed stem the readers serve: a head
                    * added, asked for first, and its state read (src/songs/start_heads.ts) */
            sp_file_source *source = playing->sources[next_random() % playing->count];
            if (source == NULL) break;
            const uint64_t frame = next_random() % (RATE / 4);
            const sp_result added = sp_file_source_add_head(source, frame, 1024);
            EXPECT(added == SP_OK || added == SP_ERROR_CAPACITY);
            CHECK(sp_file_source_want_head(source, frame));
            int32_t state = -1;
            CHECK(sp_file_source_head_state(source, frame, &state));
            EXPECT(state >= SP_HEAD_STATE_NONE && state <= SP_HEAD_STATE_READY);
            wanted++;
            /* A jump armed there: at another key the readers keep a stretcher at the head's
             * end once it is ready, and the ring after the jump takes it (stretch_reader.c). */
            CHECK(sp_transport_cue(engine, next_random() % RATE, playing->group, frame,
                                   next_random() % 512, 0));
            break;
        }
        default: CHECK(sp_transport_play(engine)); break;
        }
    }
    retire_song(playing);
    printf("harness: stress %u rounds, %u song swaps, %u command bursts, %u files cut, %llu "
           "blocks, %u delay changes, %u reader pools, %u heads wanted, %u rings started "
           "later\n",
           round, swaps, bursts, cuts, (unsigned long long)status_of(SP_STATUS_BLOCKS),
           delay_changes, pools, wanted, rings_started);
}

int main(int argc, char **argv) {
    const double stress_seconds = argc > 1 ? atof(argv[1]) : 0.0;
    sp_engine_config config = sp_engine_config_init();
    config.backend = "offline";
    config.sample_rate = RATE;
    config.channels = OUTPUTS;
    config.block_frames = BLOCK;
    config.track_capacity = CAPACITY;
    CHECK(sp_engine_init(&config, &engine));
    /* This engine's blocks run on another thread, like a device's: make the control side
     * treat it as one (retired slots wait for the audio side instead of being freed at once,
     * and streamed tracks never wait for the reader). */
    engine->offline = false;
    output.engine = engine;
    device.pUserData = &output;
    device.playback.channels = OUTPUTS;
    write_stream_file();
    /* A pool of reader threads: each stem is serviced by one at a time, handed between them. */
    CHECK(sp_engine_set_readers(engine, 3));
    EXPECT(sp_engine_set_readers(engine, 0) == SP_ERROR_INVALID_ARGUMENT);
    EXPECT(sp_engine_set_readers(engine, SP_MAX_READERS + 1) == SP_ERROR_INVALID_ARGUMENT);

    /* MIDI out attached without a port (no JACK here): the callback runs all of its clock and
     * event logic (rt/midi_out_rt.c) for the groups mapped, and counts what it would send. */
    sp_midi_out *midi = calloc(1, sizeof *midi);
    EXPECT(midi != NULL);
    midi->engine = engine;
    midi->sample_rate = RATE;
    atomic_store(&midi->clock_on, 1);
    const double segments[3] = {0.0, 60.0 / 120.0 / 24.0, 0.0};
    const int64_t event_frames[3] = {0, RATE / 8, RATE / 2};
    const uint32_t event_sizes[3] = {2, 3, 3};
    const unsigned char event_bytes[8] = {0xC0, 5, 0x90, 60, 100, 0x80, 60, 0};
    for (uint32_t group = 0; group < 16; group++) {
        CHECK(sp_midi_out_map_song(midi, group, segments, 1, event_frames, event_sizes, 3,
                                   event_bytes, 8));
    }
    atomic_store(&engine->midi_out, midi);

    static song a, b;
    load_song(&a, 0, SONG_A_TRACKS, RATE);

    jack_phase();
    pthread_t audio;
    EXPECT(pthread_create(&audio, NULL, audio_thread, NULL) == 0);
    scripted(&a, &b);
    if (stress_seconds > 0) stress(&a, &b, stress_seconds);
    else retire_song(&a);
    atomic_store_explicit(&audio_running, 0, memory_order_release);
    pthread_join(audio, NULL);

    const uint64_t bad = atomic_load(&bad_samples);
    if (bad) {
        fprintf(stderr, "harness: %llu bad output samples\n", (unsigned long long)bad);
        return 4;
    }
    printf("harness: %llu blocks rendered\n", (unsigned long long)status_of(SP_STATUS_BLOCKS));
    read_stats();
    uint64_t clipped = 0;
    for (uint32_t o = 0; o < OUTPUTS; o++) clipped += total_clipped[o];
    printf("harness: %llu samples clamped\n", (unsigned long long)clipped);
    if (stress_seconds > 0) EXPECT(clipped > 0); /* gains up to +12 dB at every stage */
    uint64_t midi_sent[SP_MIDI_OUT_COUNTERS];
    CHECK(sp_midi_out_counters(midi, midi_sent));
    printf("harness: midi out %llu ticks, %llu events, %llu positions\n",
           (unsigned long long)midi_sent[SP_MIDI_OUT_SENT_TICKS],
           (unsigned long long)midi_sent[SP_MIDI_OUT_SENT_EVENTS],
           (unsigned long long)midi_sent[SP_MIDI_OUT_SENT_POSITIONS]);
    EXPECT(midi_sent[SP_MIDI_OUT_SENT_TICKS] > 0 && midi_sent[SP_MIDI_OUT_SENT_EVENTS] > 0);
    sp_midi_out_close(midi);
    engine->offline = true;
    CHECK(sp_engine_destroy(engine));
    remove(stream_path);
    printf("harness: ok\n");
    return 0;
}

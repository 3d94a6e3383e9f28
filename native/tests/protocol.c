/* protocol.c: the control -> audio protocol and the clicks it must never make, checked on an
 * offline engine driven block by block (sp_render with chosen lengths, like the short
 * callbacks PulseAudio delivers), through the public C API only.
 *
 * Every check prints "protocol: <name> ... ok" or "protocol: <name> FAILED: why", with the
 * measured numbers; the exit status is the number of failures. Steps are the largest
 * sample-to-sample step of the output, compared with the material's own largest step.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../internal.h"

#define RATE 48000u
#define OUTPUTS 2u
#define PI 3.14159265358979f

static int failures = 0;

#define CHECK(call) \
    do { \
        const sp_result r_ = (call); \
        if (r_ != SP_OK) { \
            fprintf(stderr, "protocol: %s failed at line %d: %s\n", #call, __LINE__, \
                    sp_result_string(r_)); \
            exit(100); \
        } \
    } while (0)

static void report(const char *name, int ok, const char *detail) {
    printf("protocol: %s %s%s%s\n", name, ok ? "... ok" : "FAILED", detail[0] ? ": " : "",
           detail);
    if (!ok) failures++;
}

/* A mono sine of amplitude 0.5 and `hz`, `frames` long: its largest step is about
 * 0.5 * 2 pi hz / RATE. */
static sp_pcm *sine(float hz, uint64_t frames) {
    float *data = malloc(sizeof(float) * frames);
    for (uint64_t i = 0; i < frames; i++) data[i] = 0.5f * sinf(2.0f * PI * hz * (float)i / RATE);
    sp_pcm *pcm;
    CHECK(sp_pcm_from_planar(data, 1, frames, &pcm));
    free(data);
    return pcm;
}

/* The same, ending in a 10 ms fade, as a song ends: its end is no step of its own. */
static sp_pcm *sine_ending(float hz, uint64_t frames) {
    float *data = malloc(sizeof(float) * frames);
    const uint64_t fade = RATE / 100;
    for (uint64_t i = 0; i < frames; i++) {
        const float level = i + fade < frames ? 1.0f : (float)(frames - i) / (float)fade;
        data[i] = level * 0.5f * sinf(2.0f * PI * hz * (float)i / RATE);
    }
    sp_pcm *pcm;
    CHECK(sp_pcm_from_planar(data, 1, frames, &pcm));
    free(data);
    return pcm;
}

static float natural_step(float hz) { return 0.5f * 2.0f * PI * hz / (float)RATE; }

static uint32_t add_track(sp_engine *engine, sp_pcm *pcm, uint32_t group) {
    uint32_t slot;
    CHECK(sp_track_attach(engine, pcm, group, &slot));
    const float route[OUTPUTS] = {1.0f, 1.0f};
    CHECK(sp_track_set_route(engine, slot, route, OUTPUTS));
    CHECK(sp_track_activate(engine, slot));
    return slot;
}

static sp_engine *offline(uint32_t block) {
    sp_engine *engine;
    sp_engine_config config = sp_engine_config_init();
    config.backend = "offline";
    config.sample_rate = RATE;
    config.channels = OUTPUTS;
    config.block_frames = block;
    config.track_capacity = 16;
    CHECK(sp_engine_init(&config, &engine));
    return engine;
}

static uint64_t status_of(sp_engine *engine, int index) {
    uint64_t status[SP_STATUS_COUNT];
    CHECK(sp_engine_status(engine, status));
    return status[index];
}

/* Renders `frames` frames and returns the largest step of output 0, continuing from *last. */
static float render_step(sp_engine *engine, uint32_t frames, float *last) {
    float *out = malloc(sizeof(float) * frames * OUTPUTS);
    CHECK(sp_render(engine, out, frames));
    float step = 0.0f;
    for (uint32_t i = 0; i < frames; i++) {
        const float s = out[(size_t)i * OUTPUTS];
        if (fabsf(s - *last) > step) step = fabsf(s - *last);
        *last = s;
    }
    free(out);
    return step;
}

/* ---- 3: a song switch is never lost under a later seek or stop ---------------------------- */

static void switch_then(uint32_t block, int use_stop) {
    sp_engine *engine = offline(block);
    add_track(engine, sine(437.3f, RATE * 4), 0);
    add_track(engine, sine(331.7f, RATE * 4), 1);
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, block * 4, &last);
    CHECK(sp_transport_switch(engine, 1, 0));
    /* A short callback: the switch is taken, its fade-out (5 ms) is not over. */
    render_step(engine, 100, &last);
    if (use_stop) CHECK(sp_transport_stop(engine));
    else CHECK(sp_transport_seek(engine, 1000));
    for (int i = 0; i < 20; i++) render_step(engine, block, &last);
    const uint64_t group = status_of(engine, SP_STATUS_GROUP);
    char detail[160];
    snprintf(detail, sizeof detail, "block %u, switch then %s: playing group %llu (want 1)", block,
             use_stop ? "stop" : "seek", (unsigned long long)group);
    report("switch survives a following seek/stop", group == 1, detail);
    CHECK(sp_engine_destroy(engine));
}

/* Requests are applied in order and exactly once: play, seek, pause, seek, play in one block
 * leave the transport playing from the last seek. */
static void requests_in_order(void) {
    sp_engine *engine = offline(256);
    add_track(engine, sine(437.3f, RATE * 4), 0);
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, 1024, &last);
    CHECK(sp_transport_seek(engine, 10000));
    CHECK(sp_transport_switch(engine, 0, 20000));
    CHECK(sp_transport_seek(engine, 30000));
    render_step(engine, 256 * 4, &last);
    const uint64_t position = status_of(engine, SP_STATUS_POSITION);
    char detail[160];
    snprintf(detail, sizeof detail, "position %llu after seek 30000 and 1024 frames",
             (unsigned long long)position);
    report("requests apply in order", position > 30000 && position < 30000 + 1024, detail);
    CHECK(sp_engine_destroy(engine));
}

/* ---- 4: a cue during a crossfade's tail, and the song ending during it -------------------- */

static void cue_during_tail(void) {
    sp_engine *engine = offline(256);
    add_track(engine, sine(437.3f, RATE * 8), 0);
    add_track(engine, sine(331.7f, RATE * 8), 1);
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, RATE / 2, &last);
    /* A 2 s crossfade into song 1, interrupted after 0.5 s by a marker jump (5 ms seam). */
    CHECK(sp_transport_cue(engine, 0, 1, 0, RATE * 2, 0));
    render_step(engine, RATE / 2, &last);
    CHECK(sp_transport_cue(engine, 0, 1, RATE * 3, RATE * 5 / 1000, 0));
    const float step = render_step(engine, RATE, &last);
    const float natural = natural_step(437.3f) + natural_step(331.7f);
    char detail[160];
    snprintf(detail, sizeof detail, "largest step %.4f, material %.4f", step, natural);
    report("a marker jump during a crossfade tail does not cut it", step <= natural * 1.5f,
           detail);
    CHECK(sp_engine_destroy(engine));
}

static void song_ends_during_tail(void) {
    sp_engine *engine = offline(256);
    add_track(engine, sine(437.3f, RATE * 8), 0);
    add_track(engine, sine_ending(331.7f, RATE), 1); /* 1 s: shorter than the 2 s crossfade */
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, RATE / 2, &last);
    CHECK(sp_transport_cue(engine, 0, 1, 0, RATE * 2, 0));
    const float step = render_step(engine, RATE * 3, &last);
    const float natural = natural_step(437.3f) + natural_step(331.7f);
    char detail[160];
    snprintf(detail, sizeof detail, "largest step %.4f, material %.4f", step, natural);
    report("the song ending during a crossfade tail does not cut it", step <= natural * 1.5f,
           detail);
    CHECK(sp_engine_destroy(engine));
}

/* ---- 5: play() during a running fade-out --------------------------------------------------- */

static void play_during_fade_out(void) {
    sp_engine *engine = offline(256);
    add_track(engine, sine(437.3f, RATE * 8), 0);
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, RATE / 2, &last);
    CHECK(sp_transport_fade(engine, 0, RATE));
    render_step(engine, RATE / 2, &last);
    CHECK(sp_transport_play(engine));
    const float step = render_step(engine, RATE / 2, &last);
    char detail[160];
    snprintf(detail, sizeof detail, "largest step %.4f, material %.4f", step,
             natural_step(437.3f));
    report("play during a fade-out does not snap the level", step <= natural_step(437.3f) * 1.5f,
           detail);
    CHECK(sp_engine_destroy(engine));
}

/* ---- 6: adding and removing a track while playing ------------------------------------------ */

static void add_and_remove_while_playing(void) {
    sp_engine *engine = offline(256);
    add_track(engine, sine(223.1f, RATE * 8), 0);
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, RATE / 2 + 77, &last); /* mid-block, mid-waveform */
    const uint32_t added = add_track(engine, sine(437.3f, RATE * 8), 0);
    float step = render_step(engine, RATE / 2, &last);
    const float natural = natural_step(437.3f) + natural_step(223.1f);
    char detail[160];
    snprintf(detail, sizeof detail, "largest step %.4f, material %.4f", step, natural);
    report("a track added while playing ramps in", step <= natural * 1.5f, detail);

    render_step(engine, 101, &last);
    CHECK(sp_track_deactivate(engine, added));
    step = render_step(engine, RATE / 2, &last);
    snprintf(detail, sizeof detail, "largest step %.4f, material %.4f", step, natural);
    report("a track deactivated while playing ramps out", step <= natural * 1.5f, detail);
    sp_result released = sp_track_release(engine, added);
    snprintf(detail, sizeof detail, "release after the ramp-out: %s", sp_result_string(released));
    report("the slot is released after its ramp-out", released == SP_OK, detail);
    CHECK(sp_engine_destroy(engine));
}

/* ---- 7: count-in, then the song from a start marker ---------------------------------------- */

static void count_in_to_marker(void) {
    sp_engine *engine = offline(256);
    add_track(engine, sine(437.3f, RATE * 8), 0);
    /* The count-in: its own short song (silent here: the click has decayed by its end). */
    float *silence = calloc(RATE, sizeof(float));
    sp_pcm *count_in;
    CHECK(sp_pcm_from_planar(silence, 1, RATE, &count_in));
    free(silence);
    add_track(engine, count_in, 1);
    CHECK(sp_transport_switch(engine, 1, 0));
    /* A start marker mid-waveform: 0.5 s + 13 frames. */
    CHECK(sp_transport_cue(engine, RATE, 0, RATE / 2 + 13, 0, 0));
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    const float step = render_step(engine, RATE * 2, &last);
    char detail[160];
    snprintf(detail, sizeof detail, "largest step %.4f, material %.4f", step,
             natural_step(437.3f));
    report("count-in hands over to a start marker with a fade-in",
           step <= natural_step(437.3f) * 1.5f, detail);
    CHECK(sp_engine_destroy(engine));
}

/* ---- 8: a loop shorter than two declick seams is refused ----------------------------------- */

static void short_loop_refused(void) {
    sp_engine *engine = offline(256);
    add_track(engine, sine(437.3f, RATE * 8), 0);
    const uint32_t seam = RATE * SP_FADE_MS / 1000u;
    const sp_result too_short = sp_transport_cue(engine, 1000 + 2 * seam - 1, 0, 1000, 0, 1);
    const sp_result long_enough = sp_transport_cue(engine, 1000 + 2 * seam, 0, 1000, 0, 1);
    char detail[160];
    snprintf(detail, sizeof detail, "%u frames: %s; %u frames: %s", 2 * seam - 1,
             sp_result_string(too_short), 2 * seam, sp_result_string(long_enough));
    report("a loop shorter than two seams is refused",
           too_short == SP_ERROR_INVALID_ARGUMENT && long_enough == SP_OK, detail);
    CHECK(sp_engine_destroy(engine));
}

/* ---- 8: a fired loop seam costs no scan of the track table -------------------------------- */

static void loop_seams_do_not_rescan(void) {
    sp_engine *engine = offline(1024);
    for (int t = 0; t < 8; t++) add_track(engine, sine(437.3f, RATE * 8), 0);
    const uint32_t shortest = sp_min_loop_frames(engine);
    CHECK(sp_transport_cue(engine, 1000 + shortest, 0, 1000, 0, 1));
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, 1024 * 4, &last);
    const uint64_t scans_before = engine->scans;
    render_step(engine, 1024 * 100, &last); /* about 200 seams */
    const uint64_t scans = engine->scans - scans_before;
    char detail[160];
    snprintf(detail, sizeof detail, "%llu scans for 100 blocks with a %u-frame loop",
             (unsigned long long)scans, shortest);
    report("loop seams in the same song do not rescan the tracks",
           scans == 100 && status_of(engine, SP_STATUS_POSITION) < 1000 + shortest, detail);
    CHECK(sp_engine_destroy(engine));
}

/* ---- 10: meters show what reaches the outputs ----------------------------------------------- */

static void meters_follow_output(void) {
    sp_engine *engine = offline(256);
    const uint32_t slot = add_track(engine, sine(437.3f, RATE * 8), 0);
    CHECK(sp_meters_set_enabled(engine, 1));
    CHECK(sp_engine_set_master_gain(engine, 0.25f));
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, RATE / 2, &last);
    float peaks[16];
    CHECK(sp_meters_read(engine, peaks, 16));
    render_step(engine, RATE / 4, &last);
    CHECK(sp_meters_read(engine, peaks, 16));
    char detail[160];
    snprintf(detail, sizeof detail, "peak %.4f under master gain 0.25 (output peak 0.125)",
             peaks[slot]);
    report("meters include the master gain", fabsf(peaks[slot] - 0.125f) < 0.01f, detail);
    CHECK(sp_engine_destroy(engine));
}


/* ---- review: gains, solo, fades, protected outputs, the command drain ---------------------- */

/* A constant mono track of `level`, `frames` long (its own largest step is 0). */
static sp_pcm *constant(float level, uint64_t frames) {
    float *data = malloc(sizeof(float) * frames);
    for (uint64_t i = 0; i < frames; i++) data[i] = level;
    sp_pcm *pcm;
    CHECK(sp_pcm_from_planar(data, 1, frames, &pcm));
    free(data);
    return pcm;
}

static uint32_t add_routed(sp_engine *engine, sp_pcm *pcm, uint32_t group, uint32_t output) {
    uint32_t slot;
    CHECK(sp_track_attach(engine, pcm, group, &slot));
    const float route[OUTPUTS] = {output == 0 ? 1.0f : 0.0f, output == 1 ? 1.0f : 0.0f};
    CHECK(sp_track_set_route(engine, slot, route, OUTPUTS));
    CHECK(sp_track_activate(engine, slot));
    return slot;
}

/* Renders `frames` and returns output `o`'s largest absolute sample. */
static float render_peak(sp_engine *engine, uint32_t frames, uint32_t o) {
    float *out = malloc(sizeof(float) * frames * OUTPUTS);
    CHECK(sp_render(engine, out, frames));
    float peak = 0.0f;
    for (uint32_t i = 0; i < frames; i++) peak = fmaxf(peak, fabsf(out[(size_t)i * OUTPUTS + o]));
    free(out);
    return peak;
}

/* A track muted while its song was not playing stays silent when the song comes back: by a
 * gapless cue (use_switch 0) or a declicked switch (1). */
static void muted_while_away(uint32_t block, int use_switch) {
    sp_engine *engine = offline(block);
    const uint32_t a = add_routed(engine, constant(0.5f, RATE * 10), 0, 0);
    add_routed(engine, constant(0.5f, RATE * 10), 1, 1);
    CHECK(sp_transport_play(engine));
    render_peak(engine, block * 4, 0);
    if (use_switch) CHECK(sp_transport_switch(engine, 1, 1000));
    else CHECK(sp_transport_cue(engine, 0, 1, 0, 0, 0));
    render_peak(engine, block * 4, 0);
    CHECK(sp_track_set_mute(engine, a, 1));
    render_peak(engine, block, 0);
    if (use_switch) CHECK(sp_transport_switch(engine, 0, 1000));
    else CHECK(sp_transport_cue(engine, 0, 0, 0, 0, 0));
    const float peak = render_peak(engine, block * 4, 0);
    char detail[160];
    snprintf(detail, sizeof detail, "block %u, back by %s: muted track's output peak %.4f (want 0)",
             block, use_switch ? "switch" : "cue", peak);
    report("a track muted while its song was away stays silent on return", peak == 0.0f, detail);
    CHECK(sp_engine_destroy(engine));
}

/* A crossfaded cue firing mid-block into a song with a soloed track: the outgoing song's
 * level moves only along the crossfade (no step where the solo set changes). */
static void solo_in_incoming_song(void) {
    const uint32_t block = 2048;
    sp_engine *engine = offline(block);
    add_routed(engine, constant(0.5f, RATE * 10), 0, 0);
    const uint32_t b = add_routed(engine, constant(0.5f, RATE * 10), 1, 1);
    CHECK(sp_track_set_solo(engine, b, 1));
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, block * 4, &last);
    CHECK(sp_transport_cue(engine, block * 4 + 256, 1, 0, RATE, 0));
    const float step = render_step(engine, block * 2, &last);
    char detail[160];
    /* A 1 s equal-power fade of 0.5 moves less than 0.0001 a frame. */
    snprintf(detail, sizeof detail, "largest step of the outgoing song %.4f (fade's own < 0.0001)",
             step);
    report("a solo in the incoming song does not step the outgoing song", step < 0.001f, detail);
    CHECK(sp_engine_destroy(engine));
}

/* Solo acts within its own song: a soloed track of the outgoing song leaves the incoming
 * song alone, which crossfades in smoothly (no silence, then a jump in at the tail's end). */
static void solo_in_outgoing_song(void) {
    const uint32_t block = 512;
    sp_engine *engine = offline(block);
    const uint32_t s0 = add_routed(engine, constant(0.5f, RATE * 10), 0, 0);
    add_routed(engine, constant(0.5f, RATE * 10), 0, 0);
    add_routed(engine, constant(0.5f, RATE * 10), 1, 1);
    CHECK(sp_track_set_solo(engine, s0, 1));
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_peak(engine, block * 4, 1);
    CHECK(sp_transport_cue(engine, block * 4, 1, 0, RATE / 2, 0));
    float *out = malloc(sizeof(float) * RATE * OUTPUTS);
    CHECK(sp_render(engine, out, RATE));
    float step = 0.0f, peak = 0.0f;
    for (uint32_t i = 0; i < RATE; i++) {
        const float x = out[(size_t)i * OUTPUTS + 1];
        step = fmaxf(step, fabsf(x - last));
        peak = fmaxf(peak, fabsf(x));
        last = x;
    }
    free(out);
    char detail[160];
    /* A 0.5 s equal-power fade in of 0.5 moves less than 0.0001 a frame. */
    snprintf(detail, sizeof detail, "incoming unsoloed track: peak %.4f, largest step %.5f", peak,
             step);
    report("a solo in the outgoing song does not touch the incoming song",
           peak > 0.49f && step < 0.001f, detail);
    CHECK(sp_engine_destroy(engine));
}

/* A song loaded for later (a setlist's next song) whose manifest solos a stem: the song that
 * plays keeps every track. */
static void solo_in_preloaded_song(void) {
    sp_engine *engine = offline(256);
    add_routed(engine, constant(0.5f, RATE * 10), 0, 0);
    const uint32_t later = add_routed(engine, constant(0.5f, RATE * 10), 1, 1);
    CHECK(sp_track_set_solo(engine, later, 1));
    CHECK(sp_transport_play(engine));
    const float peak = render_peak(engine, 256 * 8, 0);
    char detail[160];
    snprintf(detail, sizeof detail, "playing song's peak %.4f (want 0.5)", peak);
    report("a soloed stem of a song loaded for later does not silence the playing song",
           peak > 0.49f, detail);
    CHECK(sp_engine_destroy(engine));
}

/* A show fade over 0 frames is declicked (at least the 5 ms declick length). */
static void zero_length_fade(void) {
    sp_engine *engine = offline(256);
    add_track(engine, sine(437.3f, RATE * 8), 0);
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, RATE / 2, &last);
    CHECK(sp_transport_fade(engine, 0, 0));
    float step = render_step(engine, RATE / 10, &last);
    CHECK(sp_transport_fade(engine, 1, 0));
    step = fmaxf(step, render_step(engine, RATE / 10, &last));
    char detail[160];
    snprintf(detail, sizeof detail, "largest step %.4f, material %.4f", step,
             natural_step(437.3f));
    report("a zero-length show fade is declicked", step <= natural_step(437.3f) * 1.5f, detail);
    CHECK(sp_engine_destroy(engine));
}

/* Protecting (and unprotecting) an output during a show fade ramps its level. */
static void protect_during_fade(void) {
    sp_engine *engine = offline(2048);
    add_routed(engine, constant(0.5f, RATE * 10), 0, 0);
    CHECK(sp_transport_play(engine));
    float last = 0.0f;
    render_step(engine, 2048 * 4, &last);
    CHECK(sp_transport_fade(engine, 0, RATE));
    float step = render_step(engine, RATE / 2, &last);
    CHECK(sp_output_set_protected(engine, 0, 1));
    step = fmaxf(step, render_step(engine, 4096, &last));
    CHECK(sp_output_set_protected(engine, 0, 0));
    step = fmaxf(step, render_step(engine, 4096, &last));
    char detail[160];
    snprintf(detail, sizeof detail, "largest step %.4f (a block's ramp of 0.5: < 0.001)", step);
    report("protecting an output during a fade ramps it", step < 0.001f, detail);
    CHECK(sp_engine_destroy(engine));
}

/* The audio side drains what was pushed when its drain began, never more: a command pushed
 * during the drain waits for the next block (a control thread pushing as fast as it can never
 * holds the callback in its drain). The test hook pushes one seek after each pop, 10 at most. */
#ifdef SP_TEST_HOOKS
static int drain_pushes = 0;
static void push_during_drain(sp_engine *engine) {
    if (drain_pushes < 10 && sp_transport_seek(engine, 100) == SP_OK) drain_pushes++;
}
#endif

static void drain_is_bounded(void) {
#ifdef SP_TEST_HOOKS
    sp_engine *engine = offline(256);
    for (int i = 0; i < 4; i++) CHECK(sp_transport_seek(engine, (uint64_t)i * 10));
    engine->drain_hook = push_during_drain;
    sp_take_commands(engine);
    engine->drain_hook = NULL;
    const uint32_t left = sp_spsc_count(&engine->commands.ring);
    char detail[160];
    snprintf(detail, sizeof detail, "%u of %d pushed during the drain left for the next block",
             left, drain_pushes);
    report("the command drain stops at the write index it read first", left == 4, detail);
    CHECK(sp_engine_destroy(engine));
#else
    report("the command drain stops at the write index it read first", 0,
           "built without -DSP_TEST_HOOKS");
#endif
}

/* A reopen on a healthy device fades the old device out over its last callback before cutting
 * it off: its last sample is near silence, and no step on the way. The test hook taps every
 * callback's buffer (output 0), kept for the first device only. */
#ifdef SP_TEST_HOOKS
static const void *tapped_device = NULL;
static float tapped_last = 0.0f, tapped_step = 0.0f;
static uint64_t tapped_frames = 0;
static void tap(const void *device, const float *out, uint32_t frames, uint32_t channels) {
    if (tapped_device == NULL) tapped_device = device;
    if (device != tapped_device) return;
    for (uint32_t i = 0; i < frames; i++) {
        const float s = out[(size_t)i * channels];
        tapped_step = fmaxf(tapped_step, fabsf(s - tapped_last));
        tapped_last = s;
    }
    tapped_frames += frames;
}
#endif

static void reopen_fades_out(void) {
#ifdef SP_TEST_HOOKS
    sp_engine *engine;
    sp_engine_config config = sp_engine_config_init();
    config.backend = "null";
    config.sample_rate = RATE;
    config.channels = OUTPUTS;
    config.block_frames = 256;
    config.track_capacity = 4;
    CHECK(sp_engine_init(&config, &engine));
    engine->device_tap = tap;
    add_routed(engine, constant(0.5f, RATE * 60), 0, 0);
    CHECK(sp_transport_play(engine));
    /* Until the old device has played at full level for a while. */
    for (int i = 0; i < 2000 && !(tapped_frames > RATE / 10 && tapped_last == 0.5f); i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    tapped_step = 0.0f; /* from here: the material (constant) has no step of its own */
    sp_engine_config again = sp_engine_config_init();
    again.backend = "null";
    CHECK(sp_engine_reopen(engine, &again));
    const float last = tapped_last, step = tapped_step;
    engine->device_tap = NULL;
    CHECK(sp_engine_destroy(engine));
    char detail[160];
    snprintf(detail, sizeof detail,
             "old device's last sample %.4f (want ~0), largest step %.4f, %llu frames", last, step,
             (unsigned long long)tapped_frames);
    report("a reopen fades the old device out", fabsf(last) < 0.01f && step < 0.01f, detail);
#else
    report("a reopen fades the old device out", 0, "built without -DSP_TEST_HOOKS");
#endif
}

/* A reopen with a delayed bus: output 0 delayed 10 ms, output 1 not, both a constant 0.5. The
 * old device fades out, the new one fades in; the delayed output's line still holds the audio
 * from before the switch, and must come back faded in too, not on a step. The tap follows
 * every device's callbacks, both outputs. */
#ifdef SP_TEST_HOOKS
static float both_last[OUTPUTS], both_step[OUTPUTS];
static const void *both_first_device = NULL;
static uint64_t both_frames_new = 0;
static void tap_both(const void *device, const float *out, uint32_t frames, uint32_t channels) {
    if (both_first_device == NULL) both_first_device = device;
    for (uint32_t i = 0; i < frames; i++) {
        for (uint32_t o = 0; o < OUTPUTS; o++) {
            const float s = out[(size_t)i * channels + o];
            both_step[o] = fmaxf(both_step[o], fabsf(s - both_last[o]));
            both_last[o] = s;
        }
    }
    if (device != both_first_device) both_frames_new += frames;
}
#endif

static void reopen_fades_in_delayed_bus(void) {
#ifdef SP_TEST_HOOKS
    sp_engine *engine;
    sp_engine_config config = sp_engine_config_init();
    config.backend = "null";
    config.sample_rate = RATE;
    config.channels = OUTPUTS;
    config.block_frames = 256;
    config.track_capacity = 4;
    CHECK(sp_engine_init(&config, &engine));
    CHECK(sp_output_set_delay(engine, 0, RATE / 100));
    engine->device_tap = tap_both;
    add_routed(engine, constant(0.5f, RATE * 60), 0, 0);
    add_routed(engine, constant(0.5f, RATE * 60), 0, 1);
    CHECK(sp_transport_play(engine));
    const struct timespec ms = {0, 1000000};
    /* Until both outputs have played at full level for a while (past the delay). */
    for (int i = 0; i < 2000 && !(both_last[0] == 0.5f && both_last[1] == 0.5f); i++) {
        nanosleep(&ms, NULL);
    }
    for (int i = 0; i < 100; i++) nanosleep(&ms, NULL);
    both_step[0] = both_step[1] = 0.0f; /* from here: the material has no step of its own */
    sp_engine_config again = sp_engine_config_init();
    again.backend = "null";
    CHECK(sp_engine_reopen(engine, &again));
    /* The new device plays past its fade-in and the delay. */
    for (int i = 0; i < 2000 && both_frames_new < RATE / 10; i++) nanosleep(&ms, NULL);
    engine->device_tap = NULL;
    CHECK(sp_engine_destroy(engine));
    char detail[200];
    snprintf(detail, sizeof detail,
             "largest step: delayed output %.4f, undelayed %.4f (want < 0.01), %llu frames on "
             "the new device, last %.2f %.2f",
             both_step[0], both_step[1], (unsigned long long)both_frames_new, both_last[0],
             both_last[1]);
    report("a reopen fades a delayed bus back in", both_step[0] < 0.01f && both_step[1] < 0.01f &&
                                                       both_frames_new >= RATE / 10 &&
                                                       both_last[0] == 0.5f,
           detail);
#else
    report("a reopen fades a delayed bus back in", 0, "built without -DSP_TEST_HOOKS");
#endif
}

int main(void) {
    const uint32_t blocks[] = {100, 128, 256, 1024};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        switch_then(blocks[i], 0);
        switch_then(blocks[i], 1);
    }
    requests_in_order();
    cue_during_tail();
    song_ends_during_tail();
    play_during_fade_out();
    add_and_remove_while_playing();
    count_in_to_marker();
    short_loop_refused();
    loop_seams_do_not_rescan();
    meters_follow_output();
    muted_while_away(2048, 0);
    muted_while_away(2048, 1);
    muted_while_away(256, 0);
    solo_in_incoming_song();
    solo_in_outgoing_song();
    solo_in_preloaded_song();
    zero_length_fade();
    protect_during_fade();
    drain_is_bounded();
    reopen_fades_out();
    reopen_fades_in_delayed_bus();
    printf("protocol: %d failed\n", failures);
    return failures;
}

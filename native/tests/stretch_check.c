/* stretch_check.c: key and tempo (stretch.c, stretch_render.c, stretch_pcm.c,
 * stretch_stream.c) on their own, built with AddressSanitizer and UndefinedBehaviorSanitizer,
 * over Rubber Band loaded at run time. For both engines, channel counts 1, 2 and 6, lengths
 * of one frame, just past one feed and past the lead-in, speeds and pitch scales at and
 * inside the limits, and starts at the first frame, mid-song and the last frame:
 *
 * - the output is exactly round((frames - start) / speed) frames long, every sample finite;
 * - a second render is bit for bit the first;
 * - the same audio read from a float WAV the streaming reader's way is bit for bit the same;
 * - out-of-range speeds, scales, engines and starts are refused;
 * - a render while playing (stretch_fill.c) from the first frame, before and past the lead-in
 *   and the last frame, at the speed limits, is from its start frame on bit for bit the render
 *   from that frame, and its clock readings (sp_pcm_fill_timing) are read while it runs, after
 *   it ended, and right before a pcm still rendering is freed.
 *
 * Usage: stretch_check. Prints "stretch: N cases, ok" and "stretch: N renders while playing,
 * ok" at the end; exit 5 without Rubber Band. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define RATE 48000u

static void fail(const char *what, uint32_t channels, uint64_t frames, double speed,
                 double scale, uint32_t engine, uint64_t start) {
    fprintf(stderr, "stretch: %s (%u channels, %llu frames, speed %g, scale %g, engine %u, "
                    "start %llu)\n",
            what, channels, (unsigned long long)frames, speed, scale, engine,
            (unsigned long long)start);
    exit(3);
}

static sp_pcm *make_pcm(uint32_t channels, uint64_t frames) {
    float *planar = malloc((size_t)channels * frames * sizeof(float));
    for (uint32_t c = 0; c < channels; c++) {
        for (uint64_t i = 0; i < frames; i++) {
            const double t = (double)i / RATE;
            planar[c * frames + i] = (float)(0.3 * sin(2.0 * M_PI * (220.0 + 50.0 * c) * t) +
                                             ((i % 4800) < 30 ? 0.4 : 0.0));
        }
    }
    sp_pcm *pcm = NULL;
    if (sp_pcm_from_planar(planar, channels, frames, &pcm) != SP_OK) exit(2);
    free(planar);
    return pcm;
}

/* The pcm as a 32-bit float WAV at RATE. */
static void write_wav(const char *path, const sp_pcm *pcm) {
    FILE *file = fopen(path, "wb");
    if (file == NULL) exit(2);
    const uint32_t channels = pcm->channels, bytes = (uint32_t)(pcm->frames * channels * 4);
    const uint32_t riff = 36 + bytes, rate = RATE, byte_rate = RATE * channels * 4;
    const uint16_t format = 3, count = (uint16_t)channels, align = (uint16_t)(channels * 4),
                   bits = 32;
    const uint32_t fmt_size = 16;
    fwrite("RIFF", 1, 4, file);
    fwrite(&riff, 4, 1, file);
    fwrite("WAVEfmt ", 1, 8, file);
    fwrite(&fmt_size, 4, 1, file);
    fwrite(&format, 2, 1, file);
    fwrite(&count, 2, 1, file);
    fwrite(&rate, 4, 1, file);
    fwrite(&byte_rate, 4, 1, file);
    fwrite(&align, 2, 1, file);
    fwrite(&bits, 2, 1, file);
    fwrite("data", 1, 4, file);
    fwrite(&bytes, 4, 1, file);
    for (uint64_t i = 0; i < pcm->frames; i++) {
        for (uint32_t c = 0; c < channels; c++) fwrite(&pcm->data[c * pcm->frames + i], 4, 1, file);
    }
    if (fclose(file) != 0) exit(2);
}

static bool same(const sp_pcm *a, const sp_pcm *b) {
    return a->frames == b->frames && a->channels == b->channels &&
           memcmp(a->data, b->data, (size_t)a->frames * a->channels * sizeof(float)) == 0;
}

static void wait_ms(long ms) {
    const struct timespec pause = {0, ms * 1000000L};
    nanosleep(&pause, NULL);
}

/* Renders while playing, each checked against the render from its start frame. */
static unsigned progressive_cases(void) {
    static const uint64_t STARTS[] = {0, 700, 5000, 30000, 39999};
    static const double SPEEDS[] = {0.5, 2.0};
    unsigned cases = 0;
    for (uint32_t channels = 1; channels <= 2; channels++) {
        for (uint32_t si = 0; si < 5; si++) {
            for (uint32_t k = 0; k < 2; k++) {
                const uint64_t start = STARTS[si];
                const double speed = SPEEDS[k], scale = k ? 1.1892071150027210 : 0.5;
                const uint32_t engine = (si + k) % 2;
                sp_pcm *in = make_pcm(channels, 40000), *out = NULL, *whole = NULL;
                if (sp_pcm_stretch(in, RATE, speed, scale, engine, start, &whole) != SP_OK ||
                    sp_pcm_stretch_progressive(in, RATE, speed, scale, engine, start, &out) !=
                        SP_OK) {
                    fail("refused while playing", channels, 40000, speed, scale, engine, start);
                }
                uint64_t timing[6], state[2];
                if (sp_pcm_fill_timing(out, timing) != SP_OK || timing[0] == 0) {
                    fail("no clock while rendering", channels, 40000, speed, scale, engine, start);
                }
                for (;;) {
                    if (sp_pcm_fill_state(out, state) != SP_OK) {
                        fail("render failed", channels, 40000, speed, scale, engine, start);
                    }
                    if (state[0] == 0 && state[1] == out->frames) break;
                    wait_ms(1);
                }
                sp_pcm_fill_timing(out, timing);
                const uint64_t at = (uint64_t)((double)start / speed + 0.5);
                const uint64_t n = at < out->frames ? out->frames - at : 0;
                const uint64_t compared = n < whole->frames ? n : whole->frames;
                for (uint32_t c = 0; c < channels; c++) {
                    if (memcmp(out->data + (size_t)c * out->frames + at,
                               whole->data + (size_t)c * whole->frames,
                               (size_t)compared * sizeof(float)) != 0) {
                        fail("the render while playing differs from the render from its start",
                             channels, 40000, speed, scale, engine, start);
                    }
                }
                sp_pcm_free(whole);
                sp_pcm_free(out);
                /* Freed while still rendering, its clocks read right before. */
                if (sp_pcm_stretch_progressive(make_pcm(channels, 40000), RATE, speed, scale,
                                               engine, start, &out) != SP_OK ||
                    sp_pcm_fill_timing(out, timing) != SP_OK) {
                    fail("refused while playing", channels, 40000, speed, scale, engine, start);
                }
                sp_pcm_free(out);
                cases++;
            }
        }
    }
    return cases;
}

int main(void) {
    if (!sp_stretch_available()) {
        fprintf(stderr, "stretch: librubberband.so.2 is not installed\n");
        return 5;
    }
    static const uint32_t CHANNELS[] = {1, 2, 6};
    static const uint64_t LENGTHS[] = {1, 1025, 40000}; /* 40000: a start past the lead-in */
    static const double SPEEDS[] = {0.5, 0.9, 1.3, 2.0};
    static const double SCALES[] = {0.5, 1.0, 1.1892071150027210, 2.0};
    char path[64];
    snprintf(path, sizeof path, "/tmp/stemplay-stretch-XXXXXX");
    const int fd = mkstemp(path);
    if (fd < 0) return 2;
    unsigned cases = 0;
    for (uint32_t ci = 0; ci < 3; ci++) {
        for (uint32_t li = 0; li < 3; li++) {
            const uint32_t channels = CHANNELS[ci];
            const uint64_t frames = LENGTHS[li];
            sp_pcm *in = make_pcm(channels, frames);
            if (frames > 1) write_wav(path, in);
            for (uint32_t k = 0; k < 4; k++) {
                const uint32_t engine = (k + li) % 2;
                const double speed = SPEEDS[(k + ci) % 4], scale = SCALES[(k + li) % 4];
                const uint64_t starts[3] = {0, frames / 2, frames - 1};
                for (uint32_t s = 0; s < 3; s++) {
                    const uint64_t start = starts[s];
                    sp_pcm *out = NULL, *again = NULL, *streamed = NULL;
                    if (sp_pcm_stretch(in, RATE, speed, scale, engine, start, &out) != SP_OK) {
                        fail("refused", channels, frames, speed, scale, engine, start);
                    }
                    uint64_t expected = (uint64_t)((double)(frames - start) / speed + 0.5);
                    if (expected == 0) expected = 1;
                    if (out->frames != expected) {
                        fail("wrong length", channels, frames, speed, scale, engine, start);
                    }
                    for (uint64_t i = 0; i < out->frames * channels; i++) {
                        if (!isfinite(out->data[i]) || fabsf(out->data[i]) > 8.0f) {
                            fail("a sample is not finite", channels, frames, speed, scale,
                                 engine, start);
                        }
                    }
                    if (sp_pcm_stretch(in, RATE, speed, scale, engine, start, &again) != SP_OK ||
                        !same(out, again)) {
                        fail("not the same twice", channels, frames, speed, scale, engine, start);
                    }
                    /* Files of one frame are refused by the loader, not by the stretch. */
                    if (frames > 1) {
                        if (sp_file_stretch(path, RATE, speed, scale, engine, start, &streamed) !=
                                SP_OK ||
                            !same(out, streamed)) {
                            fail("streamed differs", channels, frames, speed, scale, engine,
                                 start);
                        }
                    }
                    sp_pcm_free(out);
                    sp_pcm_free(again);
                    sp_pcm_free(streamed);
                    cases++;
                }
            }
            sp_pcm *bad = NULL;
            if (sp_pcm_stretch(in, RATE, 0.49, 1.0, 0, 0, &bad) != SP_ERROR_INVALID_ARGUMENT ||
                sp_pcm_stretch(in, RATE, 1.0, 2.01, 0, 0, &bad) != SP_ERROR_INVALID_ARGUMENT ||
                sp_pcm_stretch(in, RATE, NAN, 1.0, 0, 0, &bad) != SP_ERROR_INVALID_ARGUMENT ||
                sp_pcm_stretch(in, RATE, 1.0, 1.0, 2, 0, &bad) != SP_ERROR_INVALID_ARGUMENT ||
                sp_pcm_stretch(in, RATE, 1.0, 1.0, 0, frames, &bad) != SP_ERROR_INVALID_ARGUMENT ||
                bad != NULL) {
                fail("bad values not refused", channels, frames, 0, 0, 0, 0);
            }
            sp_pcm_free(in);
        }
    }
    remove(path);
    printf("stretch: %u cases, ok\n", cases);
    printf("stretch: %u renders while playing, ok\n", progressive_cases());
    return 0;
}

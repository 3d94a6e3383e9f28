/* resample_check.c: the resampler (resample.c) on its own, built with AddressSanitizer and
 * UndefinedBehaviorSanitizer. For many rate pairs (the usual ones, ratios too fine for exact
 * phases, and the extremes of the rates stemplay accepts), channel counts and lengths:
 *
 * - fed in random chunks (input and output sizes from 0 up, input sometimes NULL = silence,
 *   output sometimes NULL = dropped), the output is bit for bit the output of one call;
 * - a finished stream is exactly round(frames x rate_out / rate_in) frames long;
 * - sp_resampler_required_input(n) input frames give exactly n output frames, and
 *   sp_resampler_expected_output agrees with what a call then produces;
 * - reset gives the same output again;
 * - the portable kernel gives the same output as the one chosen for this CPU (to 1e-6).
 *
 * Usage: resample_check <cases> <seed>. Prints "resample: ok" at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint64_t rng_state;

static uint64_t next_random(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static uint64_t below(uint64_t n) { return n == 0 ? 0 : next_random() % n; }

static const uint32_t RATES[] = {8000,  11025, 16000, 22050, 32000, 44100, 44101, 47999,
                                 48000, 88200, 96000, 176400, 192000, 384000, 768000, 1000};
#define RATE_COUNT (sizeof RATES / sizeof RATES[0])

static void fail(const char *what, uint32_t in, uint32_t out, uint32_t channels, uint64_t frames) {
    fprintf(stderr, "resample: %s (%u -> %u Hz, %u channels, %llu frames)\n", what, in, out,
            channels, (unsigned long long)frames);
    exit(3);
}

static sp_resampler *create(uint32_t in, uint32_t out, uint32_t channels) {
    sp_resampler *r = NULL;
    if (sp_resampler_create(in, out, channels, &r) != SP_OK) fail("create", in, out, channels, 0);
    return r;
}

static void check_case(uint32_t rate_in, uint32_t rate_out, uint32_t channels, uint64_t frames) {
    const uint64_t expected = (frames * rate_out + rate_in / 2) / rate_in;
    const uint64_t capacity = expected + 16;
    float *input = malloc((frames + 1) * channels * sizeof(float));
    float *whole = calloc(capacity * channels + 1, sizeof(float));
    float *chunked = calloc(capacity * channels + 1, sizeof(float));
    if (input == NULL || whole == NULL || chunked == NULL) exit(2);
    /* Silence in a stretch of the input, so a NULL chunk there must give the same output. */
    const uint64_t quiet_from = below(frames + 1), quiet_to = quiet_from + below(frames - quiet_from + 1);
    for (uint64_t i = 0; i < frames * channels; i++) {
        const uint64_t frame = i / channels;
        input[i] = frame >= quiet_from && frame < quiet_to
                       ? 0.0f
                       : (float)((double)next_random() / 18446744073709551616.0 - 0.5);
    }

    sp_resampler *r = create(rate_in, rate_out, channels);
    /* One call: all input at once, then the tail into the rest of the buffer. */
    uint64_t in = frames, produced = capacity;
    sp_resampler_process(r, input, &in, whole, &produced);
    if (in != frames && produced < capacity) fail("one call left input", rate_in, rate_out, channels, frames);
    sp_resampler_finish(r);
    uint64_t none = 0, tail = capacity - produced;
    sp_resampler_process(r, NULL, &none, whole + produced * channels, &tail);
    if (produced + tail != expected) fail("length is not round(frames x ratio)", rate_in, rate_out, channels, frames);

    /* The portable kernel (SSE2/NEON) agrees with the one chosen for this CPU. */
    sp_resampler *portable = create(rate_in, rate_out, channels);
    sp_resampler_use_portable_kernel(portable);
    float *other = calloc(capacity * channels + 1, sizeof(float));
    if (other == NULL) exit(2);
    uint64_t in2 = frames, out2 = capacity;
    sp_resampler_process(portable, input, &in2, other, &out2);
    sp_resampler_finish(portable);
    uint64_t none2 = 0, tail2 = capacity - out2;
    sp_resampler_process(portable, NULL, &none2, other + out2 * channels, &tail2);
    if (out2 + tail2 != expected) fail("portable kernel: length", rate_in, rate_out, channels, frames);
    for (uint64_t i = 0; i < expected * channels; i++) {
        const float diff = other[i] > whole[i] ? other[i] - whole[i] : whole[i] - other[i];
        if (diff > 1e-6f) fail("the portable kernel disagrees", rate_in, rate_out, channels, frames);
    }
    free(other);
    sp_resampler_free(portable);

    /* The same again after a reset, in random chunks. */
    sp_resampler_reset(r);
    uint64_t fed = 0, got = 0;
    while (fed < frames) {
        uint64_t offer = below(2) ? below(64) : below(5000);
        if (offer > frames - fed) offer = frames - fed;
        uint64_t room = below(3) == 0 ? sp_resampler_expected_output(r, offer) : below(3000);
        if (room > capacity - got) room = capacity - got;
        const bool silent = fed >= quiet_from && fed + offer <= quiet_to && below(2);
        const bool drop = below(16) == 0;
        const uint64_t promised = sp_resampler_expected_output(r, offer);
        uint64_t n = offer, m = room;
        sp_resampler_process(r, silent ? NULL : input + fed * channels, &n, drop ? NULL : chunked + got * channels, &m);
        if (n > offer || m > room) fail("process did more than asked", rate_in, rate_out, channels, frames);
        if (n == offer && m < room && m != promised) fail("expected_output disagrees", rate_in, rate_out, channels, frames);
        if (drop) memcpy(chunked + got * channels, whole + got * channels, m * channels * sizeof(float));
        fed += n;
        got += m;
        /* Exactly the required input for a few more frames. */
        const uint64_t want = below(300);
        if (want > 0 && got + want <= expected) {
            const uint64_t need = sp_resampler_required_input(r, want);
            if (need <= frames - fed) {
                uint64_t n2 = need, m2 = want;
                sp_resampler_process(r, input + fed * channels, &n2, chunked + got * channels, &m2);
                if (n2 != need || m2 != want) fail("required_input did not give the frames", rate_in, rate_out, channels, frames);
                fed += n2;
                got += m2;
            }
        }
    }
    sp_resampler_finish(r);
    for (;;) { /* the tail, in random pieces, until the stream ends */
        uint64_t zero = 0, m = 1 + below(700);
        if (m > capacity - got) m = capacity - got;
        sp_resampler_process(r, NULL, &zero, chunked + got * channels, &m);
        got += m;
        if (m == 0) break;
    }
    if (got != expected) fail("chunked length differs", rate_in, rate_out, channels, frames);
    if (memcmp(whole, chunked, expected * channels * sizeof(float)) != 0) {
        fail("chunked output differs from one call", rate_in, rate_out, channels, frames);
    }
    sp_resampler_free(r);
    free(input);
    free(whole);
    free(chunked);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: resample_check <cases> <seed>\n");
        return 2;
    }
    const long cases = strtol(argv[1], NULL, 10);
    rng_state = strtoull(argv[2], NULL, 10) | 1u;
    /* The conversions the issue names, always. */
    const uint32_t usual[][2] = {{44100, 48000}, {48000, 44100}, {88200, 48000}, {96000, 48000}};
    for (int i = 0; i < 4; i++) check_case(usual[i][0], usual[i][1], 2, 10000 + i);
    for (long n = 0; n < cases; n++) {
        const uint32_t rate_in = RATES[below(RATE_COUNT)], rate_out = RATES[below(RATE_COUNT)];
        const uint32_t channels = 1 + (uint32_t)below(below(4) == 0 ? SP_MAX_CHANNELS : 2);
        uint64_t frames = below(4) == 0 ? below(8) : below(rate_in / 4 + 1);
        /* Keep extreme up-sampling small: 1 kHz -> 768 kHz makes 768 frames of each. */
        while ((double)frames * rate_out / rate_in * channels > 400000.0) frames /= 2;
        check_case(rate_in, rate_out, channels, frames);
    }
    sp_resampler *r = NULL;
    if (sp_resampler_create(0, 48000, 2, &r) != SP_ERROR_INVALID_ARGUMENT || r != NULL) {
        fail("a zero rate was accepted", 0, 48000, 2, 0);
    }
    if (sp_resampler_create(44100, 48000, SP_MAX_CHANNELS + 1, &r) != SP_ERROR_INVALID_ARGUMENT) {
        fail("too many channels were accepted", 44100, 48000, SP_MAX_CHANNELS + 1, 0);
    }
    printf("resample: %ld cases, ok\n", cases);
    return 0;
}

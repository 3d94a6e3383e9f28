/* resample.c: sample-rate conversion by a polyphase windowed-sinc filter (Kaiser window).
 *
 * Output frame j is the band-limited input signal at input time j * rate_in / rate_out: the
 * filter is centred there (linear phase, its delay compensated), so sample 0 stays sample 0.
 * Before the first frame and after the last the input counts as silence, so nothing is lost or
 * shifted at either end, and a finished stream is exactly round(frames * rate_out / rate_in)
 * frames long. Taps and sums are double: SINAD stays above 120 dB (see the README).
 *
 * The position is exact integer arithmetic (centre frame and phase numerator over `up`). With
 * up <= MAX_EXACT_PHASES (44.1k<->48k, 88.2k/96k->48k ...) every phase has its own row of taps;
 * otherwise rows are tabulated at INTERPOLATED_PHASES and interpolated linearly.
 *
 * Loading and reader threads only: creation allocates, processing never does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Stopband attenuation the taps are designed for; the passband ripple is the same 1e-7. */
#define STOPBAND_DB 140.0
/* Flat up to here (or to 0.4535 x the lower rate when that is lower), silent from
 * lower rate - passband on: images and aliases of the passband never land in it. */
#define PASSBAND_HZ 20000.0
#define PASSBAND_FRACTION 0.4535
#define MAX_TAPS 1024u
#define MAX_EXACT_PHASES 1024u
#define INTERPOLATED_PHASES 2048u
/* Input frames the history holds beyond the filter's length. */
#define HISTORY_SPARE 4096u

struct sp_resampler {
    uint32_t channels, rate_in, rate_out;
    uint32_t up, down;  /* rate_out / rate_in in lowest terms */
    uint32_t taps;      /* per phase, a multiple of 4 */
    uint32_t half;      /* taps / 2: output at centre c reads frames c - half + 1 .. c + half */
    uint32_t rows;      /* rows of `table` */
    bool interpolated;  /* rows are INTERPOLATED_PHASES + 1 tabulated phases, not `up` */
    double *table;      /* rows x taps */
    double *scratch;    /* taps: an interpolated row */
    double *history;    /* channels x capacity, planar */
    uint32_t capacity;
    int64_t history_start; /* input frame of history[0] (negative: the silence before 0) */
    uint32_t history_len;
    int64_t centre;  /* the next output's centre frame ... */
    uint64_t phase;  /* ... plus phase / up */
    uint64_t frames_in, frames_out;
    uint64_t limit; /* frames_out stops here once finished */
    bool finished;
};

static double bessel_i0(double x) {
    double sum = 1.0, term = 1.0;
    const double quarter = x * x / 4.0;
    for (int k = 1; k < 200 && term > sum * 1e-17; k++) {
        term *= quarter / ((double)k * k);
        sum += term;
    }
    return sum;
}

/* The prototype: a sinc with cutoff `cutoff` (cycles per input frame) under a Kaiser window of
 * half-width `half` frames, at time t (input frames). */
static double prototype(double t, double cutoff, double half, double beta, double i0_beta) {
    const double x = t / half;
    if (x <= -1.0 || x >= 1.0) return 0.0;
    const double window = bessel_i0(beta * sqrt(1.0 - x * x)) / i0_beta;
    const double arg = 2.0 * cutoff * t;
    const double sinc = fabs(arg) < 1e-12 ? 1.0 : sin(M_PI * arg) / (M_PI * arg);
    return 2.0 * cutoff * sinc * window;
}

static uint32_t gcd(uint32_t a, uint32_t b) {
    while (b != 0) {
        const uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Designs the filter and fills the table; false when out of memory. */
static bool design(sp_resampler *r) {
    const double lower = r->rate_in < r->rate_out ? r->rate_in : r->rate_out;
    const double cutoff = lower / 2.0 / r->rate_in;
    double passband = lower * PASSBAND_FRACTION;
    if (passband > PASSBAND_HZ) passband = PASSBAND_HZ;
    /* Kaiser's estimate of the length for this attenuation over this transition. */
    double transition = (lower - 2.0 * passband) / r->rate_in;
    double taps = (STOPBAND_DB - 7.95) / (2.285 * 2.0 * M_PI * transition) + 1.0;
    if (taps > MAX_TAPS) taps = MAX_TAPS; /* extreme down-sampling: a wider transition */
    r->taps = ((uint32_t)ceil(taps) + 3u) & ~3u;
    r->half = r->taps / 2;
    const double beta = 0.1102 * (STOPBAND_DB - 8.7);
    const double i0_beta = bessel_i0(beta);

    r->interpolated = r->up > MAX_EXACT_PHASES;
    const uint32_t phases = r->interpolated ? INTERPOLATED_PHASES : r->up;
    r->rows = r->interpolated ? phases + 1 : phases;
    r->table = malloc((size_t)r->rows * r->taps * sizeof(double));
    r->scratch = malloc((size_t)r->taps * sizeof(double));
    if (r->table == NULL || r->scratch == NULL) return false;
    for (uint32_t row = 0; row < r->rows; row++) {
        double *coefficients = r->table + (size_t)row * r->taps;
        const double fraction = (double)row / phases;
        double sum = 0.0;
        for (uint32_t k = 0; k < r->taps; k++) {
            const double t = (double)r->half - 1.0 - k + fraction;
            coefficients[k] = prototype(t, cutoff, r->half, beta, i0_beta);
            sum += coefficients[k];
        }
        /* Every phase passes DC at exactly unity: no gain ripple from phase to phase. */
        for (uint32_t k = 0; k < r->taps; k++) coefficients[k] /= sum;
    }
    return true;
}

static void reset(sp_resampler *r) {
    /* The silence before frame 0: the first output's taps start half - 1 frames early. */
    memset(r->history, 0, (size_t)r->channels * r->capacity * sizeof(double));
    r->history_start = -(int64_t)(r->half - 1);
    r->history_len = r->half - 1;
    r->centre = 0;
    r->phase = 0;
    r->frames_in = r->frames_out = 0;
    r->limit = UINT64_MAX;
    r->finished = false;
}

sp_result sp_resampler_create(uint32_t rate_in, uint32_t rate_out, uint32_t channels,
                              sp_resampler **out_resampler) {
    SP_CHECK(out_resampler != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(rate_in >= SP_MIN_SAMPLE_RATE && rate_in <= SP_MAX_SAMPLE_RATE,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(rate_out >= SP_MIN_SAMPLE_RATE && rate_out <= SP_MAX_SAMPLE_RATE,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(channels >= 1 && channels <= SP_MAX_CHANNELS, SP_ERROR_INVALID_ARGUMENT);
    sp_resampler *r = calloc(1, sizeof(sp_resampler));
    SP_CHECK(r != NULL, SP_ERROR_OUT_OF_MEMORY);
    const uint32_t divisor = gcd(rate_in, rate_out);
    r->rate_in = rate_in;
    r->rate_out = rate_out;
    r->channels = channels;
    r->up = rate_out / divisor;
    r->down = rate_in / divisor;
    if (design(r)) {
        r->capacity = r->taps + HISTORY_SPARE;
        r->history = malloc((size_t)channels * r->capacity * sizeof(double));
    }
    if (r->history == NULL) {
        sp_resampler_free(r);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    reset(r);
    *out_resampler = r;
    return SP_OK;
}

void sp_resampler_free(sp_resampler *r) {
    if (r == NULL) return;
    free(r->table);
    free(r->scratch);
    free(r->history);
    free(r);
}

void sp_resampler_reset(sp_resampler *r) {
    if (r != NULL) reset(r);
}

void sp_resampler_finish(sp_resampler *r) {
    if (r == NULL || r->finished) return;
    r->finished = true;
    r->limit = (r->frames_in * r->up + r->down / 2) / r->down;
}

bool sp_resampler_finished(const sp_resampler *r) {
    return r != NULL && r->finished;
}

uint32_t sp_resampler_delay(const sp_resampler *r) {
    return r == NULL ? 0 : r->half;
}

static int64_t history_end(const sp_resampler *r) {
    return r->history_start + (int64_t)r->history_len;
}

/* The centre frame of the output `ahead` frames after the next one. */
static int64_t centre_ahead(const sp_resampler *r, uint64_t ahead) {
    return r->centre + (int64_t)((r->phase + ahead * r->down) / r->up);
}

uint64_t sp_resampler_required_input(const sp_resampler *r, uint64_t frames_out) {
    if (r == NULL || frames_out == 0 || r->finished) return 0;
    if (frames_out > (1ull << 32)) frames_out = 1ull << 32;
    const int64_t needed = centre_ahead(r, frames_out - 1) + r->half + 1 - history_end(r);
    return needed > 0 ? (uint64_t)needed : 0;
}

uint64_t sp_resampler_expected_output(const sp_resampler *r, uint64_t frames_in) {
    if (r == NULL) return 0;
    if (frames_in > (1ull << 32)) frames_in = 1ull << 32;
    /* Outputs whose last tap, centre + half, falls before the history's new end. */
    const int64_t last_centre = history_end(r) + (int64_t)frames_in - r->half - 1;
    if (last_centre < r->centre) return 0;
    const uint64_t span = (uint64_t)(last_centre - r->centre + 1) * r->up - r->phase;
    uint64_t count = (span + r->down - 1) / r->down;
    if (r->finished && count > r->limit - r->frames_out) count = r->limit - r->frames_out;
    return count;
}

/* Two doubles: SSE2 on any x86-64, NEON on arm64; wider vectors would change the ABI of
 * these helpers without -mavx. */
typedef double v2d __attribute__((vector_size(16)));

static inline v2d load2(const double *p) {
    v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The dot product of n (a multiple of 4) taps with n frames; four accumulators keep the
 * vector units busy. */
static double dot(const double *restrict taps, const double *restrict frames, uint32_t n) {
    v2d a = {0, 0}, b = {0, 0}, c = {0, 0}, d = {0, 0};
    uint32_t k = 0;
    for (; k + 8 <= n; k += 8) {
        a += load2(taps + k) * load2(frames + k);
        b += load2(taps + k + 2) * load2(frames + k + 2);
        c += load2(taps + k + 4) * load2(frames + k + 4);
        d += load2(taps + k + 6) * load2(frames + k + 6);
    }
    if (k < n) {
        a += load2(taps + k) * load2(frames + k);
        b += load2(taps + k + 2) * load2(frames + k + 2);
    }
    a = (a + b) + (c + d);
    return a[0] + a[1];
}

static const double *taps_for_phase(sp_resampler *r) {
    if (!r->interpolated) return r->table + (size_t)r->phase * r->taps;
    const double position = (double)r->phase * INTERPOLATED_PHASES / r->up;
    uint32_t row = (uint32_t)position;
    if (row >= INTERPOLATED_PHASES) row = INTERPOLATED_PHASES - 1;
    const double weight = position - row;
    const double *lower = r->table + (size_t)row * r->taps;
    const double *upper = lower + r->taps;
    for (uint32_t k = 0; k < r->taps; k++) {
        r->scratch[k] = lower[k] + weight * (upper[k] - lower[k]);
    }
    return r->scratch;
}

static bool next_ready(const sp_resampler *r) {
    return r->frames_out < r->limit && r->centre + (int64_t)r->half < history_end(r);
}

static void emit(sp_resampler *r, float *out) {
    const double *taps = taps_for_phase(r);
    const size_t offset = (size_t)(r->centre - r->half + 1 - r->history_start);
    for (uint32_t c = 0; c < r->channels; c++) {
        const double value = dot(taps, r->history + (size_t)c * r->capacity + offset, r->taps);
        if (out != NULL) out[c] = (float)value;
    }
    r->phase += r->down;
    r->centre += (int64_t)(r->phase / r->up);
    r->phase %= r->up;
    r->frames_out++;
}

/* Room for `wanted` more frames (at most what fits), dropping frames no output needs. */
static uint32_t make_room(sp_resampler *r, uint64_t wanted) {
    if (r->history_len + wanted > r->capacity) {
        const int64_t first_needed = r->centre - r->half + 1;
        const uint32_t drop = (uint32_t)(first_needed - r->history_start);
        if (drop > 0) {
            for (uint32_t c = 0; c < r->channels; c++) {
                double *channel = r->history + (size_t)c * r->capacity;
                memmove(channel, channel + drop, (r->history_len - drop) * sizeof(double));
            }
            r->history_start += drop;
            r->history_len -= drop;
        }
    }
    const uint32_t room = r->capacity - r->history_len;
    return wanted < room ? (uint32_t)wanted : room;
}

/* Appends n interleaved frames (silence when `in` is NULL) to the planar history. */
static void append(sp_resampler *r, const float *in, uint32_t n) {
    for (uint32_t c = 0; c < r->channels; c++) {
        double *dst = r->history + (size_t)c * r->capacity + r->history_len;
        if (in == NULL) {
            memset(dst, 0, n * sizeof(double));
        } else {
            for (uint32_t i = 0; i < n; i++) dst[i] = in[(size_t)i * r->channels + c];
        }
    }
    r->history_len += n;
}

void sp_resampler_process(sp_resampler *r, const float *in, uint64_t *frames_in, float *out,
                          uint64_t *frames_out) {
    const uint64_t available = r->finished ? 0 : *frames_in;
    const uint64_t space = *frames_out;
    uint64_t consumed = 0, produced = 0;
    for (;;) {
        while (produced < space && next_ready(r)) {
            emit(r, out == NULL ? NULL : out + produced * r->channels);
            produced++;
        }
        if (produced == space || r->frames_out >= r->limit) break;
        if (consumed < available) {
            const uint32_t n = make_room(r, available - consumed);
            append(r, in == NULL ? NULL : in + consumed * r->channels, n);
            consumed += n;
            r->frames_in += n;
        } else if (r->finished) {
            /* The silence after the last frame, as far as the next output reads. */
            const int64_t needed = r->centre + r->half + 1 - history_end(r);
            append(r, NULL, make_room(r, (uint64_t)needed));
        } else {
            break;
        }
    }
    *frames_in = consumed;
    *frames_out = produced;
}

/* miniaudio's resampler vtable: the decoder's converter calls these. */

static ma_result backend_heap_size(void *user, const ma_resampler_config *config, size_t *bytes) {
    (void)user;
    (void)config;
    *bytes = 0; /* ours allocates its own: the table's size depends on the rates */
    return MA_SUCCESS;
}

static ma_result backend_init(void *user, const ma_resampler_config *config, void *heap,
                              ma_resampling_backend **backend) {
    (void)heap;
    if (config->format != ma_format_f32) return MA_INVALID_ARGS;
    sp_resampler *r = NULL;
    const sp_result result =
        sp_resampler_create(config->sampleRateIn, config->sampleRateOut, config->channels, &r);
    if (result == SP_ERROR_OUT_OF_MEMORY) return MA_OUT_OF_MEMORY;
    if (result != SP_OK) return MA_INVALID_ARGS;
    if (user != NULL) ((sp_resampler_link *)user)->resampler = r;
    *backend = r;
    return MA_SUCCESS;
}

static void backend_uninit(void *user, ma_resampling_backend *backend,
                           const ma_allocation_callbacks *allocation) {
    (void)allocation;
    if (user != NULL && ((sp_resampler_link *)user)->resampler == backend) {
        ((sp_resampler_link *)user)->resampler = NULL;
    }
    sp_resampler_free(backend);
}

static ma_result backend_process(void *user, ma_resampling_backend *backend, const void *in,
                                 ma_uint64 *frames_in, void *out, ma_uint64 *frames_out) {
    (void)user;
    uint64_t count_in = *frames_in, count_out = *frames_out;
    sp_resampler_process(backend, in, &count_in, out, &count_out);
    *frames_in = count_in;
    *frames_out = count_out;
    return MA_SUCCESS;
}

static ma_uint64 backend_input_latency(void *user, const ma_resampling_backend *backend) {
    (void)user;
    return sp_resampler_delay(backend);
}

static ma_result backend_required_input(void *user, const ma_resampling_backend *backend,
                                        ma_uint64 frames_out, ma_uint64 *frames_in) {
    (void)user;
    *frames_in = sp_resampler_required_input(backend, frames_out);
    return MA_SUCCESS;
}

static ma_result backend_expected_output(void *user, const ma_resampling_backend *backend,
                                         ma_uint64 frames_in, ma_uint64 *frames_out) {
    (void)user;
    *frames_out = sp_resampler_expected_output(backend, frames_in);
    return MA_SUCCESS;
}

static ma_result backend_reset(void *user, ma_resampling_backend *backend) {
    (void)user;
    sp_resampler_reset(backend);
    return MA_SUCCESS;
}

static ma_resampling_backend_vtable backend_vtable = {
    .onGetHeapSize = backend_heap_size,
    .onInit = backend_init,
    .onUninit = backend_uninit,
    .onProcess = backend_process,
    .onGetInputLatency = backend_input_latency,
    .onGetRequiredInputFrameCount = backend_required_input,
    .onGetExpectedOutputFrameCount = backend_expected_output,
    .onReset = backend_reset,
};

void sp_resampler_configure(ma_resampler_config *config, sp_resampler_link *link) {
    config->algorithm = ma_resample_algorithm_custom;
    config->pBackendVTable = &backend_vtable;
    config->pBackendUserData = link;
}

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
 * Resamplers of the same two rates share one table (64 stems streaming from 44.1 kHz read one
 * 130 KB table, not 64 of them). Loading and reader threads only: creation allocates and
 * takes a lock, processing does neither. */
#include <math.h>
#include <pthread.h>
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

/* The filter kernel: out[c] = sum over k < n of taps[k] * frames[c * stride + k], for every
 * channel c; n is a multiple of 4. Channels go in pairs so each load of taps serves two. */
typedef void filter_kernel(const double *taps, const double *frames, size_t stride,
                           uint32_t channels, uint32_t n, float *out);

struct sp_resampler {
    uint32_t channels, rate_in, rate_out;
    uint32_t up, down;  /* rate_out / rate_in in lowest terms */
    uint32_t taps;      /* per phase, a multiple of 4 */
    uint32_t half;      /* taps / 2: output at centre c reads frames c - half + 1 .. c + half */
    bool interpolated;  /* rows are INTERPOLATED_PHASES + 1 tabulated phases, not `up` */
    const double *table; /* rows x taps, shared: `filter` */
    struct filter *filter;
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
    filter_kernel *kernel;
};

static filter_kernel *choose_kernel(void);

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

uint32_t sp_gcd(uint32_t a, uint32_t b) {
    while (b != 0) {
        const uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A designed filter, shared by every resampler between the same two rates. */
struct filter {
    uint32_t rate_in, rate_out, up;
    uint32_t taps, half, rows;
    bool interpolated;
    uint32_t users; /* under filters_lock */
    struct filter *next;
    double coefficients[]; /* rows x taps */
};

static pthread_mutex_t filters_lock = PTHREAD_MUTEX_INITIALIZER;
static struct filter *filters;

/* Designs the filter from rate_in to rate_out (up = rate_out / gcd); NULL when out of memory. */
static struct filter *design(uint32_t rate_in, uint32_t rate_out, uint32_t up) {
    const double lower = rate_in < rate_out ? rate_in : rate_out;
    const double cutoff = lower / 2.0 / rate_in;
    double passband = lower * PASSBAND_FRACTION;
    if (passband > PASSBAND_HZ) passband = PASSBAND_HZ;
    /* Kaiser's estimate of the length for this attenuation over this transition. */
    const double transition = (lower - 2.0 * passband) / rate_in;
    double length = (STOPBAND_DB - 7.95) / (2.285 * 2.0 * M_PI * transition) + 1.0;
    if (length > MAX_TAPS) length = MAX_TAPS; /* extreme down-sampling: a wider transition */
    const uint32_t taps = ((uint32_t)ceil(length) + 3u) & ~3u;
    const bool interpolated = up > MAX_EXACT_PHASES;
    const uint32_t phases = interpolated ? INTERPOLATED_PHASES : up;
    const uint32_t rows = interpolated ? phases + 1 : phases;
    struct filter *f = malloc(sizeof(struct filter) + (size_t)rows * taps * sizeof(double));
    if (f == NULL) return NULL;
    *f = (struct filter){.rate_in = rate_in, .rate_out = rate_out, .up = up, .taps = taps,
                         .half = taps / 2, .rows = rows, .interpolated = interpolated};
    const double beta = 0.1102 * (STOPBAND_DB - 8.7);
    const double i0_beta = bessel_i0(beta);
    for (uint32_t row = 0; row < rows; row++) {
        double *coefficients = f->coefficients + (size_t)row * taps;
        const double fraction = (double)row / phases;
        double sum = 0.0;
        for (uint32_t k = 0; k < taps; k++) {
            const double t = (double)f->half - 1.0 - k + fraction;
            coefficients[k] = prototype(t, cutoff, f->half, beta, i0_beta);
            sum += coefficients[k];
        }
        /* Every phase passes DC at exactly unity: no gain ripple from phase to phase. */
        for (uint32_t k = 0; k < taps; k++) coefficients[k] /= sum;
    }
    return f;
}

static struct filter *acquire_filter(uint32_t rate_in, uint32_t rate_out, uint32_t up) {
    pthread_mutex_lock(&filters_lock);
    struct filter *f = filters;
    while (f != NULL && (f->rate_in != rate_in || f->rate_out != rate_out)) f = f->next;
    if (f == NULL) {
        f = design(rate_in, rate_out, up);
        if (f != NULL) {
            f->next = filters;
            filters = f;
        }
    }
    if (f != NULL) f->users++;
    pthread_mutex_unlock(&filters_lock);
    return f;
}

static void release_filter(struct filter *f) {
    if (f == NULL) return;
    pthread_mutex_lock(&filters_lock);
    if (--f->users == 0) {
        struct filter **link = &filters;
        while (*link != f) link = &(*link)->next;
        *link = f->next;
        free(f);
    }
    pthread_mutex_unlock(&filters_lock);
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
    const uint32_t divisor = sp_gcd(rate_in, rate_out);
    r->rate_in = rate_in;
    r->rate_out = rate_out;
    r->channels = channels;
    r->up = rate_out / divisor;
    r->down = rate_in / divisor;
    r->kernel = choose_kernel();
    r->filter = acquire_filter(rate_in, rate_out, r->up);
    if (r->filter != NULL) {
        r->table = r->filter->coefficients;
        r->taps = r->filter->taps;
        r->half = r->filter->half;
        r->interpolated = r->filter->interpolated;
        r->capacity = r->taps + HISTORY_SPARE;
        r->scratch = malloc((size_t)r->taps * sizeof(double));
        r->history = malloc((size_t)channels * r->capacity * sizeof(double));
    }
    if (r->history == NULL || r->scratch == NULL) {
        sp_resampler_free(r);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    reset(r);
    *out_resampler = r;
    return SP_OK;
}

void sp_resampler_free(sp_resampler *r) {
    if (r == NULL) return;
    release_filter(r->filter);
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

/* Two doubles: SSE2 on any x86-64, NEON on arm64. */
typedef double v2d __attribute__((vector_size(16)));

static inline v2d load2(const double *p) {
    v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void filter_portable(const double *restrict taps, const double *restrict frames,
                            size_t stride, uint32_t channels, uint32_t n, float *out) {
    uint32_t c = 0;
    for (; c + 2 <= channels; c += 2) {
        const double *x = frames + c * stride, *y = x + stride;
        v2d a0 = {0, 0}, a1 = {0, 0}, b0 = {0, 0}, b1 = {0, 0};
        for (uint32_t k = 0; k < n; k += 4) {
            const v2d t0 = load2(taps + k), t1 = load2(taps + k + 2);
            a0 += t0 * load2(x + k);
            a1 += t1 * load2(x + k + 2);
            b0 += t0 * load2(y + k);
            b1 += t1 * load2(y + k + 2);
        }
        a0 += a1;
        b0 += b1;
        out[c] = (float)(a0[0] + a0[1]);
        out[c + 1] = (float)(b0[0] + b0[1]);
    }
    if (c < channels) {
        const double *x = frames + c * stride;
        v2d a0 = {0, 0}, a1 = {0, 0};
        for (uint32_t k = 0; k < n; k += 4) {
            a0 += load2(taps + k) * load2(x + k);
            a1 += load2(taps + k + 2) * load2(x + k + 2);
        }
        a0 += a1;
        out[c] = (float)(a0[0] + a0[1]);
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1

/* The same with four doubles and fused multiply-adds, where the CPU has them (chosen at run
 * time, so the default build stays portable). */
__attribute__((target("avx2,fma"))) static void filter_avx2(
    const double *restrict taps, const double *restrict frames, size_t stride,
    uint32_t channels, uint32_t n, float *out) {
    uint32_t c = 0;
    for (; c + 2 <= channels; c += 2) {
        const double *x = frames + c * stride, *y = x + stride;
        __m256d a = _mm256_setzero_pd(), b = _mm256_setzero_pd();
        __m256d a2 = _mm256_setzero_pd(), b2 = _mm256_setzero_pd();
        uint32_t k = 0;
        for (; k + 8 <= n; k += 8) {
            const __m256d t0 = _mm256_loadu_pd(taps + k), t1 = _mm256_loadu_pd(taps + k + 4);
            a = _mm256_fmadd_pd(t0, _mm256_loadu_pd(x + k), a);
            b = _mm256_fmadd_pd(t0, _mm256_loadu_pd(y + k), b);
            a2 = _mm256_fmadd_pd(t1, _mm256_loadu_pd(x + k + 4), a2);
            b2 = _mm256_fmadd_pd(t1, _mm256_loadu_pd(y + k + 4), b2);
        }
        if (k < n) {
            const __m256d t0 = _mm256_loadu_pd(taps + k);
            a = _mm256_fmadd_pd(t0, _mm256_loadu_pd(x + k), a);
            b = _mm256_fmadd_pd(t0, _mm256_loadu_pd(y + k), b);
        }
        a = _mm256_add_pd(a, a2);
        b = _mm256_add_pd(b, b2);
        /* [a0+a1, b0+b1, a2+a3, b2+b3], then the halves added */
        const __m256d pairs = _mm256_hadd_pd(a, b);
        const __m128d sums =
            _mm_add_pd(_mm256_castpd256_pd128(pairs), _mm256_extractf128_pd(pairs, 1));
        out[c] = (float)_mm_cvtsd_f64(sums);
        out[c + 1] = (float)_mm_cvtsd_f64(_mm_unpackhi_pd(sums, sums));
    }
    if (c < channels) {
        const double *x = frames + c * stride;
        __m256d a = _mm256_setzero_pd();
        for (uint32_t k = 0; k < n; k += 4) {
            a = _mm256_fmadd_pd(_mm256_loadu_pd(taps + k), _mm256_loadu_pd(x + k), a);
        }
        const __m128d halves = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
        out[c] = (float)_mm_cvtsd_f64(_mm_add_sd(halves, _mm_unpackhi_pd(halves, halves)));
    }
}
#endif

static filter_kernel *choose_kernel(void) {
#ifdef HAVE_AVX2_KERNEL
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return filter_avx2;
#endif
    return filter_portable;
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
    float dropped[SP_MAX_CHANNELS];
    r->kernel(taps, r->history + offset, r->capacity, r->channels, r->taps,
              out != NULL ? out : dropped);
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

void sp_resampler_use_portable_kernel(sp_resampler *r) {
    if (r != NULL) r->kernel = filter_portable;
}

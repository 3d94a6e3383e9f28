/* stretch.c: Rubber Band loaded at run time, and one stretcher over it (see stretch_api.h).
 * Reader or loading thread only: Rubber Band allocates and its R3 engine costs about a
 * millisecond per block, so it never runs in the audio callback. */
#include <math.h>
#include "stretch_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define STRETCH_CHUNK SP_STRETCH_CHUNK

static sp_stretch_api api;
#ifdef SP_TEST_HOOKS
static _Atomic uint64_t fed_frames; /* every stretcher's input, for sp_test_stretch_fed */
#endif
static bool api_loaded;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

#define LOAD(field, name) \
    if (!(*(void **)&api.field = dlsym(api.library, name))) goto missing

static void load_api(void) {
    const char *path = getenv("STEMPLAY_RUBBERBAND"); /* another build, or "" to go without */
    api.library = dlopen(path != NULL ? path : "librubberband.so.2", RTLD_NOW | RTLD_LOCAL);
    if (api.library == NULL) return;
    LOAD(create, "rubberband_new");
    LOAD(destroy, "rubberband_delete");
    LOAD(preferred_start_pad, "rubberband_get_preferred_start_pad");
    LOAD(start_delay, "rubberband_get_start_delay");
    LOAD(set_max_process_size, "rubberband_set_max_process_size");
    LOAD(process, "rubberband_process");
    LOAD(available, "rubberband_available");
    LOAD(retrieve, "rubberband_retrieve");
    api_loaded = true;
    return;
missing: /* older than 3.0: no start delay to compensate with */
    dlclose(api.library);
    api.library = NULL;
}

const sp_stretch_api *sp_stretch_api_get(void) {
    pthread_once(&api_once, load_api);
    return api_loaded ? &api : NULL;
}

struct sp_stretcher {
    const sp_stretch_api *api;
    RubberBandState state;
    uint32_t channels;
    uint64_t to_drop; /* Rubber Band's output frames still to drop (its latency; a skip) */
    bool ended;       /* the last chunk was fed */
    float *scratch;   /* channels x STRETCH_CHUNK: zeros to pad with, then dropped output */
    float *lanes[SP_MAX_CHANNELS];
    /* R2 at another key: Rubber Band stretches only (pitch 1, by the pitch scale too) and this
     * resampler shifts the pitch, at the same ratio and on the same side as R2's own would:
     * before the stretch going up (shift_first), after it going down. In real-time mode
     * Rubber Band resamples by a filter it interpolates sample by sample (so that the ratio
     * may change), over half of R2's CPU at -2 (perf, the Scale soak); ours has its rows
     * tabulated (2,049 of them between rates like 48000 and 53878, two rows blended per
     * frame), and a stretcher never changes its ratios. At pitch 1 R2 sizes its hops as for a
     * plain stretch (R2Stretcher::calculateSizes): its longer hop is 1/8 of its window where
     * it lengthens and 1/6 where it shortens, where its own shift on the same side took 1/4.5
     * (more overlap, more FFTs per frame): the sound is alike, not the same. */
    sp_resampler *shift;
    bool shift_first;
    uint64_t skip;          /* output frames still to skip, after the shift */
    float *shift_in;        /* channels x STRETCH_CHUNK, interleaved: the shift's input */
    uint32_t pending, used; /* frames of shift_in not resampled yet, from frame `used` */
    float *shift_out;       /* channels x STRETCH_CHUNK, interleaved */
    float *dump;            /* channels x STRETCH_CHUNK: skipped output */
};

sp_result sp_stretcher_create(uint32_t rate, uint32_t channels, uint32_t engine, double speed,
                              double pitch_scale, sp_stretcher **out) {
    SP_CHECK(out != NULL && channels >= 1 && channels <= SP_MAX_CHANNELS,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(speed >= 0.5 && speed <= 2.0 && pitch_scale >= 0.5 && pitch_scale <= 2.0,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(engine == SP_STRETCH_FINER || engine == SP_STRETCH_FASTER, SP_ERROR_INVALID_ARGUMENT);
    const sp_stretch_api *rb = sp_stretch_api_get();
    SP_CHECK(rb != NULL, SP_ERROR_NO_BACKEND);
    sp_stretcher *stretcher = calloc(1, sizeof *stretcher);
    SP_CHECK(stretcher != NULL, SP_ERROR_OUT_OF_MEMORY);
    stretcher->api = rb;
    stretcher->channels = channels;
    stretcher->scratch = calloc((size_t)channels * STRETCH_CHUNK, sizeof(float));
    /* The shift's exact ratio is whole rates (within 0.02 cents): Rubber Band stretches by it
     * too, so the length stays the song's ÷ speed. Past the resampler's rates (768 kHz up)
     * Rubber Band shifts, as it does at the recorded key. */
    const uint32_t shifted_rate = (uint32_t)lround(rate * pitch_scale);
    if (engine == SP_STRETCH_FASTER && shifted_rate != rate &&
        shifted_rate >= SP_MIN_SAMPLE_RATE && shifted_rate <= SP_MAX_SAMPLE_RATE) {
        pitch_scale = (double)shifted_rate / rate;
        stretcher->shift_first = shifted_rate > rate;
        const size_t size = (size_t)channels * STRETCH_CHUNK * sizeof(float);
        stretcher->shift_in = malloc(size);
        stretcher->shift_out = malloc(size);
        stretcher->dump = malloc(size);
        if (stretcher->shift_in == NULL || stretcher->shift_out == NULL ||
            stretcher->dump == NULL ||
            sp_resampler_create(shifted_rate, rate, channels, &stretcher->shift) != SP_OK) {
            sp_stretcher_free(stretcher);
            return SP_ERROR_OUT_OF_MEMORY;
        }
    }
    /* Channels together keeps a stereo stem's image. A stretcher never changes its ratios
     * (a new key or tempo gets a new one, crossfaded), so R2 goes without "high consistency",
     * which costs it 9 dB of harmonic-to-rest on a steady tone (measured: -1.6 against 7.7 dB,
     * the rubberband CLI's --realtime), while R3 gains 3.6 dB with it (54.6 against 51.0). */
    const int options = RB_PROCESS_REALTIME | RB_THREADING_NEVER | RB_CHANNELS_TOGETHER |
                        (engine == SP_STRETCH_FINER ? RB_ENGINE_FINER | RB_PITCH_HIGH_CONSISTENCY
                                                    : 0);
    if (stretcher->scratch != NULL && stretcher->shift != NULL) {
        stretcher->state = rb->create(rate, channels, options, pitch_scale / speed, 1.0);
    } else if (stretcher->scratch != NULL) {
        stretcher->state = rb->create(rate, channels, options, 1.0 / speed, pitch_scale);
    }
    if (stretcher->state == NULL) {
        sp_stretcher_free(stretcher);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    for (uint32_t c = 0; c < channels; c++) {
        stretcher->lanes[c] = stretcher->scratch + (size_t)c * STRETCH_CHUNK;
    }
    rb->set_max_process_size(stretcher->state, STRETCH_CHUNK);
    /* Rubber Band's own latency rule: feed its preferred pad of silence first, then drop its
     * start delay from the output; output frame 0 is then input frame 0, for every stem,
     * pitched or not, whatever its latency. */
    uint32_t pad = rb->preferred_start_pad(stretcher->state);
    while (pad > 0) {
        const uint32_t n = pad < STRETCH_CHUNK ? pad : STRETCH_CHUNK;
        rb->process(stretcher->state, (const float *const *)stretcher->lanes, n, 0);
        pad -= n;
    }
    stretcher->to_drop = rb->start_delay(stretcher->state);
    *out = stretcher;
    return SP_OK;
}

void sp_stretcher_free(sp_stretcher *stretcher) {
    if (stretcher == NULL) return;
    if (stretcher->state != NULL) stretcher->api->destroy(stretcher->state);
    sp_resampler_free(stretcher->shift);
    free(stretcher->shift_in);
    free(stretcher->shift_out);
    free(stretcher->dump);
    free(stretcher->scratch);
    free(stretcher);
}

uint32_t sp_stretcher_chunk(const sp_stretcher *stretcher) {
    (void)stretcher;
    return STRETCH_CHUNK;
}

/* Resamples what is in the stretcher's lanes (n frames; none: the end) into Rubber Band's
 * input, all of the shift's last frames too at the end (`last`). */
static void shift_then_stretch(sp_stretcher *stretcher, uint32_t n, bool last) {
    const uint32_t channels = stretcher->channels;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t c = 0; c < channels; c++) {
            stretcher->shift_in[(size_t)i * channels + c] = stretcher->lanes[c][i];
        }
    }
    uint64_t used = 0;
    for (;;) {
        if (used == n && last) sp_resampler_finish(stretcher->shift);
        uint64_t in = n - used, made = STRETCH_CHUNK;
        sp_resampler_process(stretcher->shift, stretcher->shift_in + used * channels, &in,
                             stretcher->shift_out, &made);
        used += in;
        for (uint32_t i = 0; i < made; i++) {
            for (uint32_t c = 0; c < channels; c++) {
                stretcher->lanes[c][i] = stretcher->shift_out[(size_t)i * channels + c];
            }
        }
        if (made > 0) {
            stretcher->api->process(stretcher->state, (const float *const *)stretcher->lanes,
                                    (unsigned)made, 0);
        }
        if (made == 0 && used == n && (!last || sp_resampler_finished(stretcher->shift))) break;
    }
    if (last) {
        stretcher->api->process(stretcher->state, (const float *const *)stretcher->lanes, 0, 1);
    }
}

void sp_stretcher_feed(sp_stretcher *stretcher, const float *const *in, uint32_t frames,
                       bool last) {
#ifdef SP_TEST_HOOKS
    atomic_fetch_add_explicit(&fed_frames, frames, memory_order_relaxed);
#endif
    if (last) stretcher->ended = true;
    /* A non-finite sample would poison every analysis frame it touches (about 1.8 s of R3
     * output); unstretched, the mixer loses just that sample. Feed a copy with it as 0. */
    for (uint32_t done = 0; done < frames || (done == 0 && last);) {
        const uint32_t n = frames - done < STRETCH_CHUNK ? frames - done : STRETCH_CHUNK;
        for (uint32_t c = 0; c < stretcher->channels; c++) {
            for (uint32_t i = 0; i < n; i++) {
                const float sample = in[c][done + i];
                stretcher->lanes[c][i] = isfinite(sample) ? sample : 0.0f;
            }
        }
        done += n;
        if (stretcher->shift_first) {
            shift_then_stretch(stretcher, n, last && done == frames);
        } else {
            stretcher->api->process(stretcher->state, (const float *const *)stretcher->lanes, n,
                                    last && done == frames ? 1 : 0);
        }
        if (n == 0) break;
    }
}

void sp_stretcher_skip(sp_stretcher *stretcher, uint64_t frames) {
    if (stretcher->shift != NULL && !stretcher->shift_first) {
        stretcher->skip += frames;
    } else {
        stretcher->to_drop += frames;
    }
}

/* Up to `frames` (at most STRETCH_CHUNK) frames of Rubber Band's output through the shift,
 * into out[c]: as many as its output so far gives, and the resampler's last ones once
 * Rubber Band has given its last. */
static uint32_t shifted(sp_stretcher *stretcher, float *const *out, uint32_t frames) {
    const sp_stretch_api *rb = stretcher->api;
    const uint32_t channels = stretcher->channels;
    uint32_t done = 0;
    while (done < frames) {
        if (stretcher->pending == 0 && !sp_resampler_finished(stretcher->shift)) {
            uint64_t need = sp_resampler_required_input(stretcher->shift, frames - done);
            if (need > STRETCH_CHUNK) need = STRETCH_CHUNK;
            const int available = rb->available(stretcher->state);
            if (available <= 0 && stretcher->ended) {
                sp_resampler_finish(stretcher->shift); /* its last frames, then silence */
            } else if (available > 0 && need > 0) {
                const uint32_t n = (uint64_t)available < need ? (uint32_t)available
                                                              : (uint32_t)need;
                const uint32_t got = rb->retrieve(stretcher->state, stretcher->lanes, n);
                for (uint32_t i = 0; i < got; i++) {
                    for (uint32_t c = 0; c < channels; c++) {
                        stretcher->shift_in[(size_t)i * channels + c] = stretcher->lanes[c][i];
                    }
                }
                stretcher->pending = got;
                stretcher->used = 0;
            }
        }
        uint64_t in = stretcher->pending, made = frames - done;
        sp_resampler_process(stretcher->shift,
                             stretcher->shift_in + (size_t)stretcher->used * channels, &in,
                             stretcher->shift_out, &made);
        stretcher->pending -= (uint32_t)in;
        stretcher->used += (uint32_t)in;
        for (uint32_t i = 0; i < made; i++) {
            for (uint32_t c = 0; c < channels; c++) {
                out[c][done + i] = stretcher->shift_out[(size_t)i * channels + c];
            }
        }
        done += (uint32_t)made;
        if (made == 0 && in == 0) break; /* wants more input than Rubber Band has yet */
    }
    return done;
}

uint64_t sp_stretcher_drop(sp_stretcher *stretcher) {
    const sp_stretch_api *rb = stretcher->api;
    while (stretcher->to_drop > 0) {
        const int available = rb->available(stretcher->state);
        if (available <= 0) break;
        uint64_t n = stretcher->to_drop < (uint64_t)available ? stretcher->to_drop
                                                               : (uint64_t)available;
        if (n > STRETCH_CHUNK) n = STRETCH_CHUNK;
        stretcher->to_drop -= rb->retrieve(stretcher->state, stretcher->lanes, (unsigned)n);
    }
    if (stretcher->shift == NULL || stretcher->shift_first || stretcher->to_drop > 0) {
        return stretcher->to_drop;
    }
    float *dump[SP_MAX_CHANNELS];
    for (uint32_t c = 0; c < stretcher->channels; c++) {
        dump[c] = stretcher->dump + (size_t)c * STRETCH_CHUNK;
    }
    while (stretcher->skip > 0) {
        const uint32_t n = stretcher->skip < STRETCH_CHUNK ? (uint32_t)stretcher->skip
                                                           : STRETCH_CHUNK;
        const uint32_t got = shifted(stretcher, dump, n);
        stretcher->skip -= got;
        if (got < n) break;
    }
    return stretcher->skip;
}

uint32_t sp_stretcher_take(sp_stretcher *stretcher, float *const *out, uint32_t frames) {
    const sp_stretch_api *rb = stretcher->api;
    if (sp_stretcher_drop(stretcher) > 0) return 0;
    if (stretcher->shift != NULL && !stretcher->shift_first) {
        return shifted(stretcher, out, frames < STRETCH_CHUNK ? frames : STRETCH_CHUNK);
    }
    const int available = rb->available(stretcher->state);
    if (available <= 0) return 0;
    if ((uint32_t)available < frames) frames = (uint32_t)available;
    return rb->retrieve(stretcher->state, out, frames);
}

SP_API sp_result sp_test_stretch_fed(uint64_t *out_frames) {
    SP_CHECK(out_frames != NULL, SP_ERROR_INVALID_ARGUMENT);
#ifdef SP_TEST_HOOKS
    *out_frames = atomic_load_explicit(&fed_frames, memory_order_relaxed);
    return SP_OK;
#else
    return SP_ERROR_UNSUPPORTED;
#endif
}

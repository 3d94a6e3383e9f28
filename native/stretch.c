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
    uint64_t to_drop; /* output frames of latency still to drop */
    uint32_t tail;      /* frames of silence that may follow the song: half a second */
    uint32_t tail_left; /* of them, not yet fed (0 until the song's last frame is fed) */
    float *scratch;   /* channels x STRETCH_CHUNK: zeros to pad with, then dropped output */
    float *lanes[SP_MAX_CHANNELS];
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
    stretcher->tail = rate / 2;
    stretcher->scratch = calloc((size_t)channels * STRETCH_CHUNK, sizeof(float));
    /* Channels together keeps a stereo stem's image. A stretcher never changes its ratios
     * (a new key or tempo gets a new one, crossfaded), so R2 goes without "high consistency",
     * which costs it 9 dB of harmonic-to-rest on a steady tone (measured: -1.6 against 7.7 dB,
     * the rubberband CLI's --realtime), while R3 gains 3.6 dB with it (54.6 against 51.0). */
    const int options = RB_PROCESS_REALTIME | RB_THREADING_NEVER | RB_CHANNELS_TOGETHER |
                        (engine == SP_STRETCH_FINER ? RB_ENGINE_FINER | RB_PITCH_HIGH_CONSISTENCY
                                                    : 0);
    if (stretcher->scratch != NULL) {
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
    free(stretcher->scratch);
    free(stretcher);
}

uint32_t sp_stretcher_chunk(const sp_stretcher *stretcher) {
    (void)stretcher;
    return STRETCH_CHUNK;
}

void sp_stretcher_feed(sp_stretcher *stretcher, const float *const *in, uint32_t frames,
                       bool last) {
#ifdef SP_TEST_HOOKS
    atomic_fetch_add_explicit(&fed_frames, frames, memory_order_relaxed);
#endif
    /* A non-finite sample would poison every analysis frame it touches (about 1.8 s of R3
     * output); unstretched, the mixer loses just that sample. Feed a copy with it as 0. */
    for (uint32_t done = 0; done < frames;) {
        const uint32_t n = frames - done < STRETCH_CHUNK ? frames - done : STRETCH_CHUNK;
        for (uint32_t c = 0; c < stretcher->channels; c++) {
            for (uint32_t i = 0; i < n; i++) {
                const float sample = in[c][done + i];
                stretcher->lanes[c][i] = isfinite(sample) ? sample : 0.0f;
            }
        }
        done += n;
        stretcher->api->process(stretcher->state, (const float *const *)stretcher->lanes, n, 0);
    }
    if (last) stretcher->tail_left = stretcher->tail;
}

/* Output ready now. Told the input had ended, Rubber Band gave up what it still held (R2 at +12
 * lost the song's last 3,360 frames, at +12 and half speed 10,031; the rubberband CLI's
 * --realtime loses as much): silence fed after the song, as long as output is wanted, pushes the
 * song's last frames out. The callers stop at the song's length. */
static int ready(sp_stretcher *stretcher) {
    const sp_stretch_api *rb = stretcher->api;
    int available = rb->available(stretcher->state);
    while (available == 0 && stretcher->tail_left > 0) {
        for (uint32_t c = 0; c < stretcher->channels; c++) {
            memset(stretcher->lanes[c], 0, STRETCH_CHUNK * sizeof(float));
        }
        const uint32_t n = stretcher->tail_left < STRETCH_CHUNK ? stretcher->tail_left
                                                                 : STRETCH_CHUNK;
        stretcher->tail_left -= n;
        rb->process(stretcher->state, (const float *const *)stretcher->lanes, n,
                    stretcher->tail_left == 0);
        available = rb->available(stretcher->state);
    }
    return available;
}

void sp_stretcher_skip(sp_stretcher *stretcher, uint64_t frames) { stretcher->to_drop += frames; }

uint64_t sp_stretcher_drop(sp_stretcher *stretcher) {
    const sp_stretch_api *rb = stretcher->api;
    while (stretcher->to_drop > 0) {
        const int available = ready(stretcher);
        if (available <= 0) break;
        uint64_t n = stretcher->to_drop < (uint64_t)available ? stretcher->to_drop
                                                               : (uint64_t)available;
        if (n > STRETCH_CHUNK) n = STRETCH_CHUNK;
        stretcher->to_drop -= rb->retrieve(stretcher->state, stretcher->lanes, (unsigned)n);
    }
    return stretcher->to_drop;
}

uint32_t sp_stretcher_take(sp_stretcher *stretcher, float *const *out, uint32_t frames) {
    const sp_stretch_api *rb = stretcher->api;
    if (sp_stretcher_drop(stretcher) > 0) return 0;
    const int available = ready(stretcher);
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

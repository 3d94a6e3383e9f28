/* stretch_fill.c: a stretched pcm the callback may play while it is still being rendered (a key
 * or tempo change while playing). The pcm has its full length from the start; a thread of its
 * own renders it, first from a song frame just ahead of the playhead to the end (publishing
 * "filled up to" after every chunk), then the part before that frame (publishing "filled from
 * 0" once it is whole). The callback plays only frames inside [from, to) and treats the rest as
 * not ready: silence, counted as starved (rt/source_rt.c). Never the old key: the old song is
 * gone by then.
 *
 * The two renders meet at the start frame: the second one's last SEAM frames are crossfaded
 * into the first one's own output of them (its lead-in, kept for that), so the seam does not
 * click. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stretch_api.h"

#define SEAM 1024u     /* output frames over which the second render hands over to the first */

struct sp_fill {
    _Atomic int32_t cancel;    /* the pcm is being freed: stop at the next chunk */
    _Atomic int32_t result;    /* the thread's sp_result, once done */
    pthread_t thread;
    sp_pcm *in;  /* the song audio, owned */
    sp_pcm *out; /* the pcm this fill belongs to */
    uint32_t rate, engine;
    double speed, pitch_scale;
    uint64_t start;       /* song frame the first render starts at */
    uint64_t start_out;   /* its output frame: round(start / speed) */
    float *seam;          /* SEAM frames x channels: the first render's output before start_out */
    /* CLOCK_MONOTONIC ns (0: not yet), for the bench's breakdown: the fill started, the first
     * render's stretcher was made (its start pad fed), its first frame at start_out written */
    _Atomic uint64_t began_ns, created_ns, published_ns;
    _Atomic uint64_t published_cpu_ns; /* the thread's CPU time by then (load aside) */
    _Atomic int32_t rendering; /* the thread has not ended: its CPU clock may be read */
};

static uint64_t clock_ns(clockid_t clock) {
    struct timespec now;
    clock_gettime(clock, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static uint64_t monotonic_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static uint64_t to_output(uint64_t frames, double speed) {
    return (uint64_t)((double)frames / speed + 0.5);
}

static const float *const *lanes_at(const sp_pcm *pcm, uint64_t frame,
                                    const float *lanes[SP_MAX_CHANNELS]) {
    for (uint32_t c = 0; c < pcm->channels; c++) {
        lanes[c] = pcm->data + (size_t)c * pcm->frames + frame;
    }
    return lanes;
}

/* Renders song frames from `from` into out's frames [out_from, out_to); the output of the
 * first `drop` frames is dropped, except its last `keep` frames, which go to `kept`. Publishes
 * `to` as it goes when `publish`. */
static sp_result render(sp_fill *fill, uint64_t from, uint64_t drop, uint32_t keep,
                        float *kept, uint64_t out_from, uint64_t out_to, bool publish) {
    const sp_pcm *in = fill->in;
    sp_pcm *out = fill->out;
    sp_stretcher *stretcher = NULL;
    sp_result result = sp_stretcher_create(fill->rate, in->channels, fill->engine, fill->speed,
                                           fill->pitch_scale, &stretcher);
    if (result != SP_OK) return result;
    if (publish) atomic_store_explicit(&fill->created_ns, monotonic_ns(), memory_order_relaxed);
    const uint32_t chunk = sp_stretcher_chunk(stretcher);
    const uint64_t dropped = to_output(drop, fill->speed);
    const uint32_t kept_frames = dropped < keep ? (uint32_t)dropped : keep;
    sp_stretcher_skip(stretcher, dropped - kept_frames);
    const float *in_lanes[SP_MAX_CHANNELS];
    float *out_lanes[SP_MAX_CHANNELS];
    uint64_t fed = from, produced = 0; /* produced: output frames after the skipped ones */
    const uint64_t total = kept_frames + (out_to - out_from);
    bool ended = false;
    while (produced < total) {
        if (atomic_load_explicit(&fill->cancel, memory_order_relaxed)) break;
        const bool keeping = produced < kept_frames;
        const uint64_t want = keeping ? kept_frames - produced : total - produced;
        for (uint32_t c = 0; c < out->channels; c++) {
            out_lanes[c] = keeping ? kept + (size_t)c * keep + produced
                                   : out->data + (size_t)c * out->frames + out_from +
                                         (produced - kept_frames);
        }
        const uint32_t got = sp_stretcher_take(stretcher, out_lanes,
                                               want < chunk ? (uint32_t)want : chunk);
        produced += got;
        if (got > 0) {
            if (publish && !keeping) {
                if (atomic_load_explicit(&fill->published_ns, memory_order_relaxed) == 0) {
                    atomic_store_explicit(&fill->published_cpu_ns,
                                          clock_ns(CLOCK_THREAD_CPUTIME_ID),
                                          memory_order_relaxed);
                    atomic_store_explicit(&fill->published_ns, monotonic_ns(),
                                          memory_order_relaxed);
                }
                atomic_store_explicit(&fill->out->fill_to, out_from + (produced - kept_frames),
                                      memory_order_release);
            }
            continue;
        }
        if (ended) break; /* drained: the rest stays silent (the pcm was zeroed) */
        const uint64_t left = in->frames - fed;
        const uint32_t n = left < chunk ? (uint32_t)left : chunk;
        fed += n;
        ended = fed == in->frames;
        sp_stretcher_feed(stretcher, lanes_at(in, fed - n, in_lanes), n, ended);
    }
    sp_stretcher_free(stretcher);
    if (publish) atomic_store_explicit(&fill->out->fill_to, out_to, memory_order_release);
    return SP_OK;
}

static void *fill_thread(void *context) {
    sp_fill *fill = context;
    sp_pcm *out = fill->out;
    /* First: from just ahead of the playhead to the end, keeping the lead-in's last output. */
    const uint64_t lead = fill->start < SP_STRETCH_LEAD ? fill->start : SP_STRETCH_LEAD;
    sp_result result = render(fill, fill->start - lead, lead, SEAM, fill->seam, fill->start_out,
                              out->frames, true);
    /* Whatever happened, the frames are final now (a failed render leaves silence): nothing
     * may wait for them. */
    atomic_store_explicit(&out->fill_to, out->frames, memory_order_release);
    /* Then the part before it, for markers and jumps back, handed over to the first render
     * across its last SEAM frames. */
    if (result == SP_OK && fill->start_out > 0 &&
        !atomic_load_explicit(&fill->cancel, memory_order_relaxed)) {
        const uint32_t seam = fill->start_out < SEAM ? (uint32_t)fill->start_out : SEAM;
        const uint32_t kept = to_output(lead, fill->speed) < SEAM
                                  ? (uint32_t)to_output(lead, fill->speed)
                                  : SEAM;
        const sp_result before = render(fill, 0, 0, 0, NULL, 0, fill->start_out, false);
        if (before != SP_OK) result = before;
        const uint32_t blend = seam < kept ? seam : kept;
        for (uint32_t c = 0; c < out->channels; c++) {
            float *lane = out->data + (size_t)c * out->frames + fill->start_out - blend;
            const float *first = fill->seam + (size_t)c * SEAM + (kept - blend);
            for (uint32_t i = 0; i < blend; i++) {
                const float w = (float)(i + 1) / (float)blend;
                lane[i] = lane[i] * (1.0f - w) + first[i] * w;
            }
        }
    }
    atomic_store_explicit(&out->fill_from, 0, memory_order_release); /* final, as fill_to */
    atomic_store_explicit(&fill->result, result, memory_order_release);
    atomic_store_explicit(&fill->rendering, 0, memory_order_release);
    return NULL;
}

SP_API sp_result sp_pcm_stretch_progressive(sp_pcm *in, uint32_t rate, double speed,
                                            double pitch_scale, uint32_t engine,
                                            uint64_t start, sp_pcm **out_pcm) {
    SP_CHECK(in != NULL && out_pcm != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(rate >= SP_MIN_SAMPLE_RATE && rate <= SP_MAX_SAMPLE_RATE, SP_ERROR_FORMAT);
    SP_CHECK(start < in->frames, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(sp_stretch_api_get() != NULL, SP_ERROR_NO_BACKEND);
    const uint64_t frames = to_output(in->frames, speed);
    sp_pcm *out = NULL;
    /* Zeroed lazily: faulting every page in here, while other stems' threads already run,
     * cost 16 to 70 ms a stem on 2 busy cores. */
    sp_result result = sp_pcm_alloc_silent(in->channels, frames > 0 ? frames : 1, &out);
    if (result != SP_OK) return result;
    sp_fill *fill = calloc(1, sizeof *fill);
    float *seam = calloc((size_t)SEAM * in->channels, sizeof(float));
    if (fill == NULL || seam == NULL) {
        free(fill);
        free(seam);
        sp_pcm_free(out);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    *fill = (sp_fill){.in = in,
                      .out = out,
                      .rate = rate,
                      .engine = engine,
                      .speed = speed,
                      .pitch_scale = pitch_scale,
                      .start = start,
                      .start_out = to_output(start, speed),
                      .seam = seam};
    if (fill->start_out > out->frames) fill->start_out = out->frames;
    atomic_store(&out->fill_from, fill->start_out);
    atomic_store(&out->fill_to, fill->start_out);
    atomic_store(&fill->result, SP_OK);
    atomic_store(&fill->began_ns, monotonic_ns());
    atomic_store(&fill->rendering, 1);
    if (pthread_create(&fill->thread, NULL, fill_thread, fill) != 0) {
        free(seam);
        free(fill);
        sp_pcm_free(out);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    out->fill = fill; /* from here on the pcm owns the fill, and the fill owns `in` */
    *out_pcm = out;
    return SP_OK;
}

SP_API sp_result sp_pcm_fill_state(const sp_pcm *pcm, uint64_t *out) {
    SP_CHECK(pcm != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    const sp_fill *fill = pcm->fill;
    out[1] = fill ? atomic_load_explicit(&pcm->fill_to, memory_order_acquire) : pcm->frames;
    out[0] = fill ? atomic_load_explicit(&pcm->fill_from, memory_order_acquire) : 0;
    return fill ? (sp_result)atomic_load_explicit(&fill->result, memory_order_acquire) : SP_OK;
}

SP_API sp_result sp_pcm_fill_timing(const sp_pcm *pcm, uint64_t *out) {
    SP_CHECK(pcm != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    const sp_fill *fill = pcm->fill;
    out[0] = monotonic_ns();
    out[1] = fill ? atomic_load_explicit(&fill->began_ns, memory_order_relaxed) : 0;
    out[2] = fill ? atomic_load_explicit(&fill->created_ns, memory_order_relaxed) : 0;
    out[3] = fill ? atomic_load_explicit(&fill->published_ns, memory_order_relaxed) : 0;
    out[4] = fill ? atomic_load_explicit(&fill->published_cpu_ns, memory_order_relaxed) : 0;
    /* The thread's CPU time so far (0 once it has ended: its clock is gone). Not fill_from > 0:
     * that is 0 from the first frame on for a change at the song's top. */
    clockid_t clock;
    struct timespec cpu;
    out[5] = fill && atomic_load_explicit(&fill->rendering, memory_order_acquire) &&
                     pthread_getcpuclockid(fill->thread, &clock) == 0 &&
                     clock_gettime(clock, &cpu) == 0
                 ? (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec
                 : 0;
    return SP_OK;
}

void sp_fill_free(sp_fill *fill) {
    atomic_store_explicit(&fill->cancel, 1, memory_order_relaxed);
    pthread_join(fill->thread, NULL);
    sp_pcm_free(fill->in);
    free(fill->seam);
    free(fill);
}

/* rt/varispeed_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * Where every device callback and offline render enters the engine (device_rt.c, offline.c):
 * it notes when the callback began and where the song was (the status carries both, so a sync
 * follower can tell its position to the sub-millisecond; control/sync_follow.ts), and, once a
 * follower has turned varispeed on, plays the mixed output through a variable-ratio resampler:
 * the engine renders `ratio` input frames per output frame (within +-0.1 %), so stems, click
 * and LTC speed up or slow down together, and the song's position catches up or falls back
 * without a jump.
 *
 * The resampler is a 4-point Catmull-Rom cubic over a preallocated buffer of the engine's
 * interleaved output (varispeed.c sizes it). At a ratio of exactly 1 and a whole read position
 * it returns the input samples unchanged, so turning it on at ratio 1 is seamless. */
#include <math.h>
#include <string.h>

#include "internal.h"

static inline float catmull_rom(float xm1, float x0, float x1, float x2, float f) {
    return x0 + 0.5f * f *
                    (x1 - xm1 +
                     f * (2.0f * xm1 - 5.0f * x0 + 4.0f * x1 - x2 + f * (3.0f * (x0 - x1) + x2 - xm1)));
}

/* n <= block_frames output frames at the current ratio. */
static void resample_chunk(sp_engine *engine, float *out, uint32_t n, double ratio) {
    sp_varispeed *vs = &engine->varispeed;
    const uint32_t ch = engine->channels;
    const double last = vs->t + (double)(n - 1u) * ratio;
    const uint32_t need = (uint32_t)floor(last) + 3u;
    if (need > vs->have) {
        sp_render_blocks(engine, vs->buf + (size_t)vs->have * ch, need - vs->have);
        vs->have = need;
    }
    for (uint32_t j = 0; j < n; j++) {
        const double at = vs->t + (double)j * ratio;
        const uint32_t i = (uint32_t)at;
        const float f = (float)(at - (double)i);
        const float *xm1 = vs->buf + (size_t)(i - 1u) * ch;
        for (uint32_t c = 0; c < ch; c++) {
            float y = catmull_rom(xm1[c], xm1[ch + c], xm1[2u * ch + c], xm1[3u * ch + c], f);
            out[(size_t)j * ch + c] = y > 1.0f ? 1.0f : y < -1.0f ? -1.0f : y;
        }
    }
    vs->t += (double)n * ratio;
    /* Keep one frame before the read position (the cubic's left neighbour). */
    const uint32_t drop = (uint32_t)vs->t - 1u;
    if (drop > 0) {
        memmove(vs->buf, vs->buf + (size_t)drop * ch, (size_t)(vs->have - drop) * ch * sizeof(float));
        vs->have -= drop;
        vs->t -= (double)drop;
    }
}

void sp_render_output(sp_engine *engine, float *out, uint32_t frames) {
    sp_varispeed *vs = &engine->varispeed;
    engine->callback_ns = engine->offline ? 0 : sp_monitor_now_ns();
    if (!vs->active && atomic_load_explicit(&vs->on, memory_order_acquire) && vs->buf != NULL) {
        /* One silent frame behind the first: at a whole position it weighs nothing. */
        memset(vs->buf, 0, (size_t)engine->channels * sizeof(float));
        vs->have = 1;
        vs->t = 1.0;
        vs->active = true;
    }
    if (!vs->active) {
        engine->callback_pos = engine->pos;
        sp_render_blocks(engine, out, frames);
        sp_heartbeat_write(engine, out, frames);
        return;
    }
    /* The input frame the first output frame plays: behind the engine by what is buffered. */
    const double ahead = (double)vs->have - vs->t;
    engine->callback_pos = (double)engine->pos > ahead ? (uint64_t)llround((double)engine->pos - ahead) : 0;
    const double ppm = atomic_load_explicit(&vs->ppm, memory_order_relaxed);
    const double ratio = 1.0 + ppm * 1e-6;
    while (frames > 0) {
        const uint32_t n = frames < engine->block_frames ? frames : engine->block_frames;
        resample_chunk(engine, out, n, ratio);
        sp_heartbeat_write(engine, out, n);
        out += (size_t)n * engine->channels;
        frames -= n;
    }
}

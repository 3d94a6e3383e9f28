/* rt/mixer.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The mixer: adds a group's tracks into a mix buffer, window by window as each track's source
 * (rt/source_rt.c) gives its frames, with the per-(channel, output) gain ramps and the track
 * meters. Called by rt/callback.c for the main voice and by rt/show_rt.c for crossfade tails;
 * it calls neither, so the callback and show flow depend on it and not on each other. The
 * kernels are rt/mix.c. */
#include <math.h>

#include "internal.h"

/* The next blocks of a track start where this one ends; two blocks' worth are prefetched,
 * this far at most (one block ahead was often late at 128-frame blocks: 64 x 128 mixed at 1.75x
 * the machine's memory-read limit from rings, 1.45x from memory; two: 1.17x and 1.13x). Past
 * that, the hardware prefetcher follows the stream by itself. */
#define PREFETCH_MAX_FRAMES 512u

/* One (channel, output) cell's gain over a segment that starts `first` frames into the
 * block: start value and per-frame step (0 when it does not move). */
static inline void cell_ramp(const sp_slot *slot, uint32_t cell, float inv_block, float first,
                             float *start, float *step) {
    const float a = slot->applied[cell], t = slot->target[cell];
    if (a == t) {
        *start = a;
        *step = 0.0f;
    } else {
        *step = (t - a) * inv_block;
        *start = a + *step * first;
    }
}

/* Adds one window of a slot's frames into `mix` at block offset `offset`. Gains ramp from
 * applied to target across the whole block of `block` frames, so a segment's ramp depends only
 * on where it sits in the block. Per output, the channels that reach it (a cell whose gain is
 * or was non-zero) are added in channel order, two per pass over the output. With meters on,
 * the window's peak times meter_weight goes into the slot's block peak. */
static void mix_window(sp_engine *engine, sp_slot *slot, const sp_window *window, float *mix,
                       uint32_t offset, uint32_t block, float meter_weight) {
    const uint32_t outputs = engine->channels;
    const uint32_t channels = slot->source.channels;
    const float inv_block = 1.0f / (float)block;
    const float first = (float)(offset + 1);
    const uint32_t n = window->frames;
    const float *source = window->data; /* channel c at source + c * window->stride */
    const uint64_t stride = window->stride;
    bool audible = false;

    for (uint32_t o = 0; o < outputs; o++) {
        float *dst = mix + (size_t)o * engine->block_frames + offset;
        uint32_t waiting = UINT32_MAX; /* a channel to pair with the next one */
        for (uint32_t c = 0; c < channels; c++) {
            const uint32_t cell = c * outputs + o;
            if (slot->applied[cell] == 0.0f && slot->target[cell] == 0.0f) continue;
            audible = true;
            if (waiting == UINT32_MAX) {
                waiting = c;
                continue;
            }
            float start_a, step_a, start_b, step_b;
            cell_ramp(slot, waiting * outputs + o, inv_block, first, &start_a, &step_a);
            cell_ramp(slot, cell, inv_block, first, &start_b, &step_b);
            const float *src_a = source + (uint64_t)waiting * stride;
            const float *src_b = source + (uint64_t)c * stride;
            if (step_a == 0.0f && step_b == 0.0f) {
                sp_mix_pair_constant(dst, src_a, src_b, n, start_a, start_b);
            } else {
                sp_mix_pair_ramp(dst, src_a, src_b, n, start_a, step_a, start_b, step_b);
            }
            waiting = UINT32_MAX;
        }
        if (waiting != UINT32_MAX) {
            float start, step;
            cell_ramp(slot, waiting * outputs + o, inv_block, first, &start, &step);
            const float *src = source + (uint64_t)waiting * stride;
            if (step == 0.0f) sp_mix_constant(dst, src, n, start);
            else sp_mix_ramp(dst, src, n, start, step);
        }
    }

    if (audible && window->ahead > 0) {
        uint32_t ahead = 2 * block < PREFETCH_MAX_FRAMES ? 2 * block : PREFETCH_MAX_FRAMES;
        if (window->ahead < ahead) ahead = window->ahead;
        for (uint32_t c = 0; c < channels; c++) {
            sp_prefetch(source + (uint64_t)c * stride + n, ahead);
        }
    }

    if (!engine->metering || meter_weight <= 0.0f) return;
    float peak = 0.0f;
    for (uint32_t c = 0; c < channels; c++) {
        float channel_gain = 0.0f;
        for (uint32_t o = 0; o < outputs; o++) {
            const float a = fabsf(slot->applied[c * outputs + o]);
            const float t = fabsf(slot->target[c * outputs + o]);
            const float g = t > a ? t : a;
            if (g > channel_gain) channel_gain = g;
        }
        if (channel_gain > 0.0f) {
            const float p = sp_peak_abs(source + (uint64_t)c * stride, n) * channel_gain;
            if (p > peak) peak = p;
        }
    }
    peak *= meter_weight;
    if (peak > slot->block_peak) slot->block_peak = peak;
}

/* Adds frames [pos, pos + count) of every live track of `group` into `mix` at block offset
 * `offset`, window by window as each track's source gives them. A source that is not ready
 * leaves its track silent for the rest of the segment: the block is never waited for. With
 * meters on, each track's peak times meter_weight (the highest declick and crossfade weight of
 * the segment) goes into its block peak. */
void sp_mix_group(sp_engine *engine, uint32_t group, uint64_t pos, float *mix, uint32_t offset,
                  uint32_t count, uint32_t block, float meter_weight, int voice) {
    for (uint32_t s = 0; s < engine->capacity; s++) {
        sp_slot *slot = &engine->slots[s];
        if (!slot->mixing || slot->group != group) continue;
        sp_source *source = &slot->source;
        if (pos >= source->frames) continue;
        const uint64_t left = source->frames - pos;
        const uint32_t n = left < count ? (uint32_t)left : count;
        uint32_t done = 0;
        while (done < n) {
            sp_window window;
            if (!sp_source_window(source, pos + done, n - done, &window, voice)) {
                engine->starved++; /* silent for the rest of the segment, never waited for */
                break;
            }
            mix_window(engine, slot, &window, mix, offset + done, block, meter_weight);
            done += window.frames;
        }
    }
}


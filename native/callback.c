/* callback.c: everything the audio thread does, one block at a time.
 *
 * Real-time rules: no allocation, no free, no lock, no wait, no I/O, no logging, no
 * ma_device_* calls. Only preallocated memory and atomics. The monitor's clock read (vDSO) is
 * the single exception, and only when the monitor is on. */
#include <math.h>
#include <string.h>

#include "internal.h"

#define RELAXED memory_order_relaxed

/* Reads every live slot of the playing group (and of a crossfade's tail) once: its gain
 * targets for this block, and the song's length. Solo is global: any soloed track silences
 * the unsoloed ones. */
static void scan_tracks(sp_engine *engine) {
    const uint32_t outputs = engine->channels;
    bool any_solo = false;
    uint64_t song_frames = 0;

    for (uint32_t s = 0; s < engine->capacity; s++) {
        sp_slot *slot = &engine->slots[s];
        slot->mixing = atomic_load_explicit(&slot->live, memory_order_acquire) &&
                       (slot->group == engine->group ||
                        (engine->show.tail_active && slot->group == engine->show.tail_group));
        if (!slot->mixing) continue;
        if (atomic_load_explicit(&slot->solo, RELAXED)) any_solo = true;
        if (slot->group == engine->group && slot->pcm->frames > song_frames) {
            song_frames = slot->pcm->frames;
        }
    }
    engine->song_frames = song_frames;

    for (uint32_t s = 0; s < engine->capacity; s++) {
        sp_slot *slot = &engine->slots[s];
        if (!slot->mixing) continue;
        const bool audible = !atomic_load_explicit(&slot->muted, RELAXED) &&
                             (!any_solo || atomic_load_explicit(&slot->solo, RELAXED) ||
                              atomic_load_explicit(&slot->protected_track, RELAXED));
        const float gain = audible ? atomic_load_explicit(&slot->gain, RELAXED) : 0.0f;
        const uint32_t cells = slot->pcm->channels * outputs;
        for (uint32_t i = 0; i < cells; i++) {
            slot->target[i] = gain * atomic_load_explicit(&slot->route[i], RELAXED);
        }
        /* Load first: an exchange is a locked instruction, and fresh is rarely set. */
        if (atomic_load_explicit(&slot->fresh, RELAXED) &&
            atomic_exchange_explicit(&slot->fresh, 0, RELAXED)) {
            memcpy(slot->applied, slot->target, cells * sizeof(float));
        }
    }
}

/* The next block of a track starts where this one ends; it is prefetched this far at most.
 * Past that, the hardware prefetcher follows the stream by itself. */
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

/* Adds frames [pos, pos + count) of every live track of `group` into `mix` at block
 * offset `offset`. Gains ramp from applied to target across the whole block of `block`
 * frames, so a segment's ramp depends only on where it sits in the block. Per output, the
 * channels that reach it (a cell whose gain is or was non-zero) are added in channel order,
 * two per pass over the output. */
static void mix_tracks(sp_engine *engine, uint32_t group, uint64_t pos, float *mix,
                       uint32_t offset, uint32_t count, uint32_t block, bool meters) {
    const uint32_t outputs = engine->channels;
    const float inv_block = 1.0f / (float)block;
    const float first = (float)(offset + 1);

    for (uint32_t s = 0; s < engine->capacity; s++) {
        sp_slot *slot = &engine->slots[s];
        if (!slot->mixing || slot->group != group) continue;
        const sp_pcm *pcm = slot->pcm;
        if (pos >= pcm->frames) continue;
        const uint64_t left = pcm->frames - pos;
        const uint32_t n = left < count ? (uint32_t)left : count;
        const float *source = pcm->data + pos; /* channel c at source + c * pcm->frames */
        bool audible = false;

        for (uint32_t o = 0; o < outputs; o++) {
            float *dst = mix + (size_t)o * engine->block_frames + offset;
            uint32_t waiting = UINT32_MAX; /* a channel to pair with the next one */
            for (uint32_t c = 0; c < pcm->channels; c++) {
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
                const float *src_a = source + (uint64_t)waiting * pcm->frames;
                const float *src_b = source + (uint64_t)c * pcm->frames;
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
                const float *src = source + (uint64_t)waiting * pcm->frames;
                if (step == 0.0f) sp_mix_constant(dst, src, n, start);
                else sp_mix_ramp(dst, src, n, start, step);
            }
        }

        if (audible && left > n) {
            const uint64_t rest = left - n;
            uint32_t ahead = block < PREFETCH_MAX_FRAMES ? block : PREFETCH_MAX_FRAMES;
            if (rest < ahead) ahead = (uint32_t)rest;
            for (uint32_t c = 0; c < pcm->channels; c++) {
                sp_prefetch(source + (uint64_t)c * pcm->frames + n, ahead);
            }
        }

        if (!meters) continue;
        float peak = 0.0f;
        for (uint32_t c = 0; c < pcm->channels; c++) {
            float channel_gain = 0.0f;
            for (uint32_t o = 0; o < outputs; o++) {
                const float a = fabsf(slot->applied[c * outputs + o]);
                const float t = fabsf(slot->target[c * outputs + o]);
                const float g = t > a ? t : a;
                if (g > channel_gain) channel_gain = g;
            }
            if (channel_gain > 0.0f) {
                const float p = sp_peak_abs(source + (uint64_t)c * pcm->frames, n) * channel_gain;
                if (p > peak) peak = p;
            }
        }
        if (peak > atomic_load_explicit(&slot->peak, RELAXED)) {
            atomic_store_explicit(&slot->peak, peak, RELAXED);
        }
    }
}

/* The gains reached at the end of the block become the start of the next one. */
static void finish_ramps(sp_engine *engine) {
    for (uint32_t s = 0; s < engine->capacity; s++) {
        sp_slot *slot = &engine->slots[s];
        if (!slot->mixing) continue;
        memcpy(slot->applied, slot->target,
               slot->pcm->channels * engine->channels * sizeof(float));
    }
}

/* Multiplies a segment of the mix by the declick envelope, which moves linearly toward `goal`
 * by `step` per frame: frame k of the segment gets from +/- step * (k + 1). Returns the
 * envelope after the segment, exactly `goal` once reached, so float error never leaves a
 * remainder that would need one more frame. */
static float apply_envelope(sp_engine *engine, uint32_t offset, uint32_t count, float from,
                            float goal, float step, bool reaches_goal) {
    const float direction = goal > from ? 1.0f : -1.0f;
    float env = from;
    for (uint32_t i = 0; i < count; i++) {
        env = from + direction * step * (float)(i + 1);
        env = direction > 0 ? fminf(goal, env) : fmaxf(goal, env);
        for (uint32_t o = 0; o < engine->channels; o++) {
            engine->mix[(size_t)o * engine->block_frames + offset + i] *= env;
        }
    }
    return reaches_goal ? goal : env;
}

/* Frames until the envelope reaches goal (at least 1). */
static uint32_t frames_to_reach(float env, float goal, float step) {
    const float distance = fabsf(goal - env);
    uint32_t n = (uint32_t)ceilf(distance / step - 1e-4f);
    return n == 0 ? 1 : n;
}

static void take_requests(sp_engine *engine) {
    const uint32_t seq = atomic_load_explicit(&engine->jump_seq, memory_order_acquire);
    if (seq != engine->seen_jump_seq) {
        engine->seen_jump_seq = seq;
        sp_unpack_jump(atomic_load_explicit(&engine->jump_request, RELAXED), &engine->jump_frame,
                       &engine->jump_group);
        engine->jump_pending = true;
        atomic_store_explicit(&engine->jump_seq_taken, seq, memory_order_release);
    }
}

static void apply_jump(sp_engine *engine) {
    const uint32_t group =
        sp_jump_keeps_group(engine->jump_group) ? engine->group : engine->jump_group;
    const bool new_group = group != engine->group;
    engine->pos = engine->jump_frame;
    engine->group = group;
    engine->jump_pending = false;
    engine->is_ended = false;
    engine->show.tail_active = false; /* a jump leaves any crossfade behind */
    if (new_group) scan_tracks(engine);
}

/* Master gain times each output's own gain (its bus's level) ramps across the block; output
 * is interleaved. */
static void write_output(sp_engine *engine, float *out, uint32_t frames) {
    const float master = atomic_load_explicit(&engine->master_gain, RELAXED);
    const bool meters = atomic_load_explicit(&engine->meters_enabled, RELAXED) != 0;
    const uint32_t outputs = engine->channels;
    for (uint32_t o = 0; o < outputs; o++) {
        const float own = atomic_load_explicit(&engine->output_gain[o], RELAXED);
        const float target = master * own;
        const float start = engine->master_applied * engine->output_applied[o];
        const float step = (target - start) / (float)frames;
        engine->output_applied[o] = own;
        const float *src = engine->mix + (size_t)o * engine->block_frames;
        if (start == target) {
            for (uint32_t i = 0; i < frames; i++) out[(size_t)i * outputs + o] = src[i] * target;
        } else {
            for (uint32_t i = 0; i < frames; i++) {
                out[(size_t)i * outputs + o] = src[i] * (start + step * (float)(i + 1));
            }
        }
        if (meters) {
            float peak = 0.0f;
            for (uint32_t i = 0; i < frames; i++) {
                peak = fmaxf(peak, fabsf(out[(size_t)i * outputs + o]));
            }
            if (peak > atomic_load_explicit(&engine->output_peak[o], RELAXED)) {
                atomic_store_explicit(&engine->output_peak[o], peak, RELAXED);
            }
        }
    }
    engine->master_applied = master;
}

static void publish(sp_engine *engine, int32_t run) {
    int32_t state;
    if (engine->is_ended) state = SP_STATE_ENDED;
    else if (run == RUN_PLAY && engine->show.faded_out) state = SP_STATE_PAUSED;
    else if (run == RUN_PLAY) state = SP_STATE_PLAYING;
    else if (run == RUN_PAUSE) state = SP_STATE_PAUSED;
    else state = SP_STATE_STOPPED;
    atomic_store_explicit(&engine->position, engine->pos, RELAXED);
    atomic_store_explicit(&engine->duration, engine->song_frames, RELAXED);
    atomic_store_explicit(&engine->group_playing, engine->group, RELAXED);
    atomic_store_explicit(&engine->ended, engine->is_ended ? 1 : 0, RELAXED);
    atomic_store_explicit(&engine->state, state, memory_order_release);
}

static void render_block(sp_engine *engine, float *out, uint32_t frames) {
    const int32_t run = atomic_load_explicit(&engine->run_request, RELAXED);
    const bool meters = atomic_load_explicit(&engine->meters_enabled, RELAXED) != 0;
    const float step = 1.0f / (float)engine->fade_frames;

    take_requests(engine);
    sp_show_take_requests(engine);
    scan_tracks(engine);
    for (uint32_t o = 0; o < engine->channels; o++) {
        memset(engine->mix + (size_t)o * engine->block_frames, 0, frames * sizeof(float));
    }

    uint32_t offset = 0;
    while (offset < frames) {
        const bool silent = engine->envelope == 0.0f;
        if (engine->jump_pending && silent) {
            apply_jump(engine);
            continue;
        }
        const bool wanted = run == RUN_PLAY && !engine->jump_pending && !engine->is_ended &&
                            !engine->show.faded_out;
        if (silent && !wanted) break; /* the rest of the block stays silent */
        /* A cue due at the song's last frame (a gapless "next") wins over the end; one that a
         * seek went past fires at once. */
        if (wanted && sp_show_cue_due(engine)) {
            sp_show_fire_cue(engine);
            scan_tracks(engine);
            continue;
        }
        if (wanted && engine->pos >= engine->song_frames) {
            engine->is_ended = true;
            engine->envelope = 0.0f;
            break;
        }
        /* A song that starts from its first frame needs no fade-in: it starts from silence. */
        if (silent && wanted && engine->pos == 0) engine->envelope = 1.0f;

        const float goal = wanted ? 1.0f : 0.0f;
        uint32_t count = frames - offset;
        uint32_t fade = 0;
        if (engine->envelope != goal) {
            fade = frames_to_reach(engine->envelope, goal, step);
            if (fade < count) count = fade;
        }
        if (engine->pos < engine->song_frames && engine->song_frames - engine->pos < count) {
            count = (uint32_t)(engine->song_frames - engine->pos);
        }
        count = sp_show_limit(engine, count);
        if (engine->pos < engine->song_frames) {
            mix_tracks(engine, engine->group, engine->pos, engine->mix, offset, count, frames,
                       meters);
        }
        if (engine->show.tail_active) {
            sp_show *show = &engine->show;
            for (uint32_t o = 0; o < engine->channels; o++) {
                memset(show->tail_mix + (size_t)o * engine->block_frames + offset, 0,
                       count * sizeof(float));
            }
            mix_tracks(engine, show->tail_group, show->tail_pos, show->tail_mix, offset, count,
                       frames, meters);
            sp_show_crossfade(engine, offset, count);
        }
        if (engine->envelope != 1.0f || goal != 1.0f) {
            engine->envelope =
                apply_envelope(engine, offset, count, engine->envelope, goal, step, count == fade);
        }
        engine->pos += count;
        offset += count;
    }
    finish_ramps(engine);
    sp_show_apply_fade(engine, frames);
    write_output(engine, out, frames);
    publish(engine, run);
}

#if defined(__clang__) && defined(SP_RTSAN)
#define SP_NONBLOCKING __attribute__((nonblocking))
#else
#define SP_NONBLOCKING
#endif

void sp_process_block(sp_engine *engine, float *out, uint32_t frames) SP_NONBLOCKING {
    const uint64_t block =
        atomic_fetch_add_explicit(&engine->blocks_begun, 1, memory_order_seq_cst);
#ifndef SP_NO_MONITOR
    /* Off: this load and the branch below are the monitor's whole cost. */
    const bool timed = atomic_load_explicit(&engine->monitor.enabled, RELAXED) != 0;
    const uint64_t start_ns = timed ? sp_monitor_now_ns() : 0;
#else
    const uint64_t start_ns = 0;
    (void)block;
#endif

    render_block(engine, out, frames);
#ifdef SP_TEST_HOOKS
    sp_test_spin(engine, start_ns);
#endif

#ifndef SP_NO_MONITOR
    if (timed) sp_monitor_record(engine, block, start_ns, frames);
#endif
    (void)start_ns;
    atomic_fetch_add_explicit(&engine->blocks_done, 1, memory_order_seq_cst);
}

/* show.c: what a band leader asks for, on exact frames. One armed cue (jump at a frame to a
 * frame of a group, crossfaded or cut, once or repeating), the voice fading out while a
 * crossfade runs, and an equal-power fade of the whole mix.
 *
 * Control side: sp_transport_cue / cancel_cue / fade write requests. Audio side: the sp_show_*
 * functions below, called from callback.c; they touch only preallocated memory and atomics. */
#include <math.h>
#include <string.h>

#include "internal.h"

#define RELAXED memory_order_relaxed
#define HALF_PI 1.57079632679489661923f
#define MAX_FRAME ((1ull << 40) - 1u)
#define MAX_FADE_FRAMES (768000u * 600u) /* ten minutes at the highest rate */

/* ---- control side ------------------------------------------------------------------------ */

static void write_cue(sp_engine *engine, int32_t flags, uint64_t at, uint32_t group,
                      uint64_t target, uint32_t crossfade) {
    sp_show *show = &engine->show;
    /* Seqlock writer: odd while the fields change, so the audio side never takes half a cue. */
    atomic_store_explicit(&show->cue_seq, ++show->control_cue_seq, RELAXED);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&show->cue_at, at, RELAXED);
    atomic_store_explicit(&show->cue_target, target, RELAXED);
    atomic_store_explicit(&show->cue_group, group, RELAXED);
    atomic_store_explicit(&show->cue_crossfade, crossfade, RELAXED);
    atomic_store_explicit(&show->cue_flags, flags, RELAXED);
    atomic_store_explicit(&show->cue_seq, ++show->control_cue_seq, memory_order_release);
}

SP_API sp_result sp_transport_cue(sp_engine *engine, uint64_t at_frame, uint32_t group,
                                  uint64_t target_frame, uint32_t crossfade_frames,
                                  int32_t repeat) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(at_frame <= MAX_FRAME && target_frame <= MAX_FRAME, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(crossfade_frames <= MAX_FADE_FRAMES, SP_ERROR_INVALID_ARGUMENT);
    /* A repeating cue must land before its own frame, or it would fire forever. */
    SP_CHECK(!repeat || target_frame < at_frame, SP_ERROR_INVALID_ARGUMENT);
    write_cue(engine, SHOW_CUE_ARMED | (repeat ? SHOW_CUE_REPEAT : 0), at_frame, group,
              target_frame, crossfade_frames);
    return SP_OK;
}

SP_API sp_result sp_transport_cancel_cue(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    write_cue(engine, 0, 0, 0, 0, 0);
    return SP_OK;
}

SP_API sp_result sp_transport_fade(sp_engine *engine, int32_t direction, uint32_t frames) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(direction == 0 || direction == 1, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(frames <= MAX_FADE_FRAMES, SP_ERROR_INVALID_ARGUMENT);
    sp_show *show = &engine->show;
    atomic_store_explicit(&show->fade_direction, direction, RELAXED);
    atomic_store_explicit(&show->fade_frames, frames, RELAXED);
    atomic_store_explicit(&show->fade_seq, ++show->control_fade_seq, memory_order_release);
    return SP_OK;
}

/* Called by sp_transport_play: a play ends a finished fade-out. */
void sp_show_note_play(sp_engine *engine) {
    sp_show *show = &engine->show;
    atomic_store_explicit(&show->play_seq, ++show->control_play_seq, memory_order_release);
}

/* ---- audio side -------------------------------------------------------------------------- */

static void take_cue(sp_engine *engine) {
    sp_show *show = &engine->show;
    const uint32_t before = atomic_load_explicit(&show->cue_seq, memory_order_acquire);
    if (before == show->seen_cue_seq || (before & 1u)) return; /* none new, or being written */
    const uint64_t at = atomic_load_explicit(&show->cue_at, RELAXED);
    const uint64_t target = atomic_load_explicit(&show->cue_target, RELAXED);
    const uint32_t group = atomic_load_explicit(&show->cue_group, RELAXED);
    const uint32_t crossfade = atomic_load_explicit(&show->cue_crossfade, RELAXED);
    const int32_t flags = atomic_load_explicit(&show->cue_flags, RELAXED);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&show->cue_seq, RELAXED) != before) return; /* retry next block */
    show->seen_cue_seq = before;
    show->cue_armed = (flags & SHOW_CUE_ARMED) != 0;
    show->cue_repeat = (flags & SHOW_CUE_REPEAT) != 0;
    show->cue_at_frame = at;
    show->cue_target_frame = target;
    show->cue_to_group = group;
    show->cue_fade_frames = crossfade;
}

/* Play first, then a fade: `play(); fadeOut()` in one block keeps its fade-out, and a fade-in
 * after a finished fade-out still starts from silence (the envelope is 0 by then). */
static void take_fade(sp_engine *engine) {
    sp_show *show = &engine->show;
    const uint32_t play = atomic_load_explicit(&show->play_seq, memory_order_acquire);
    if (play != show->seen_play_seq) {
        show->seen_play_seq = play;
        show->faded_out = false;
        /* Play cancels a fade-out (running or finished), but not a fade-in. */
        if (show->fade_dir == 0 || show->fade_total == 0) {
            show->fade_total = 0;
            show->fade_level = 1.0f;
        }
    }
    const uint32_t seq = atomic_load_explicit(&show->fade_seq, memory_order_acquire);
    if (seq != show->seen_fade_seq) {
        show->seen_fade_seq = seq;
        show->fade_dir = atomic_load_explicit(&show->fade_direction, RELAXED);
        show->fade_total = atomic_load_explicit(&show->fade_frames, RELAXED);
        show->fade_done = 0;
        /* A fade-in from silence starts at 0; one that reverses a fade-out starts where it is. */
        if (show->fade_dir == 1 && (show->faded_out || engine->envelope == 0.0f)) {
            show->fade_level = 0.0f;
        }
        show->fade_from = show->fade_level;
        if (show->fade_total == 0) {
            show->fade_level = show->fade_dir == 1 ? 1.0f : 0.0f;
            show->faded_out = show->fade_dir == 0;
        }
    }
}

void sp_show_take_requests(sp_engine *engine) {
    take_cue(engine);
    take_fade(engine);
}

/* Due on its frame, or at once when the position is already past it (a seek went over it, or
 * the cue asked for "now" with the position it last saw). */
bool sp_show_cue_due(const sp_engine *engine) {
    return engine->show.cue_armed && engine->pos >= engine->show.cue_at_frame;
}

/* Jumps the main voice; with a crossfade, the old place goes on as the tail, fading out. */
void sp_show_fire_cue(sp_engine *engine) {
    sp_show *show = &engine->show;
    show->tail_active = show->cue_fade_frames > 0;
    if (show->tail_active) {
        show->tail_group = engine->group;
        show->tail_pos = engine->pos;
        show->tail_done = 0;
        show->tail_total = show->cue_fade_frames;
    }
    engine->pos = show->cue_target_frame;
    engine->group = show->cue_to_group;
    engine->is_ended = false;
    if (!show->cue_repeat) show->cue_armed = false;
    atomic_store_explicit(&show->fired_cue_seq, show->seen_cue_seq, RELAXED);
}

/* Shortens a segment so it ends where the cue is due or the crossfade ends. */
uint32_t sp_show_limit(const sp_engine *engine, uint32_t count) {
    const sp_show *show = &engine->show;
    if (show->cue_armed && engine->pos < show->cue_at_frame &&
        show->cue_at_frame - engine->pos < count) {
        count = (uint32_t)(show->cue_at_frame - engine->pos);
    }
    if (show->tail_active && show->tail_total - show->tail_done < count) {
        count = show->tail_total - show->tail_done;
    }
    return count;
}

/* Equal-power crossfade of the main voice (in the mix) with the tail (in tail_mix): frame k
 * of an n-frame crossfade weighs them sin and cos of (k + 1) / n * pi / 2. */
void sp_show_crossfade(sp_engine *engine, uint32_t offset, uint32_t count) {
    sp_show *show = &engine->show;
    const float total = (float)show->tail_total;
    for (uint32_t i = 0; i < count; i++) {
        /* The weights once per frame, for every output. */
        const float angle = (float)(show->tail_done + i + 1) / total * HALF_PI;
        const float in = sinf(angle), out = cosf(angle);
        for (uint32_t o = 0; o < engine->channels; o++) {
            const size_t at = (size_t)o * engine->block_frames + offset + i;
            engine->mix[at] = engine->mix[at] * in + show->tail_mix[at] * out;
        }
    }
    show->tail_pos += count;
    show->tail_done += count;
    if (show->tail_done >= show->tail_total) show->tail_active = false;
}

/* The whole mix follows the fade: out along from * cos, in along from + (1 - from) * sin. */
void sp_show_apply_fade(sp_engine *engine, uint32_t frames) {
    sp_show *show = &engine->show;
    if (show->fade_total == 0 && show->fade_level == 1.0f) return;
    for (uint32_t i = 0; i < frames; i++) {
        if (show->fade_total > 0) {
            show->fade_done++;
            const float angle = (float)show->fade_done / (float)show->fade_total * HALF_PI;
            show->fade_level = show->fade_dir == 1
                ? show->fade_from + (1.0f - show->fade_from) * sinf(angle)
                : show->fade_from * cosf(angle);
            if (show->fade_done >= show->fade_total) {
                show->fade_total = 0;
                show->fade_level = show->fade_dir == 1 ? 1.0f : 0.0f;
                if (show->fade_dir == 0) show->faded_out = true;
            }
        }
        for (uint32_t o = 0; o < engine->channels; o++) {
            /* A protected output (the in-ears) keeps its level through a show fade. */
            if (atomic_load_explicit(&engine->output_protected[o], memory_order_relaxed)) continue;
            engine->mix[(size_t)o * engine->block_frames + i] *= show->fade_level;
        }
    }
}

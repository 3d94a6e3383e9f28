/* rt/show_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The audio side of show flow (show.c has the control side): the armed cue (a jump at an exact
 * frame, crossfaded or cut, once or repeating), the voices fading out while crossfades run, and
 * the equal-power fade of the whole mix. Requests arrive as commands; everything here touches
 * only preallocated memory. The tails' audio comes from the mixer (rt/mixer.c). */
#include <math.h>
#include <string.h>

#include "internal.h"

#define HALF_PI 1.57079632679489661923f

/* ---- audio side: requests ---------------------------------------------------------------- */

static void start_fade(sp_engine *engine, int32_t direction, uint32_t frames) {
    sp_show *show = &engine->show;
    /* Never an instant cut: a fade is at least the declick length (0 s means "as fast as
     * possible without a click"). */
    if (frames < engine->fade_frames) frames = engine->fade_frames;
    show->fade_dir = direction;
    show->fade_total = frames;
    show->fade_done = 0;
    /* A fade-in from silence starts at 0; one that reverses a fade-out starts where it is. */
    if (direction == 1 && (show->faded_out || engine->envelope == 0.0f)) show->fade_level = 0.0f;
    show->fade_from = show->fade_level;
}

void sp_show_take_command(sp_engine *engine, const sp_command *command) {
    sp_show *show = &engine->show;
    switch (command->type) {
    case SP_COMMAND_CUE:
        show->cue_seq = command->seq;
        show->cue_armed = true;
        show->cue_repeat = (command->flags & SP_COMMAND_REPEAT) != 0;
        show->cue_at_frame = command->frame;
        show->cue_target_frame = command->target;
        show->cue_to_group = command->group;
        show->cue_fade_frames = command->length;
        break;
    case SP_COMMAND_CANCEL_CUE:
        show->cue_seq = command->seq;
        show->cue_armed = false;
        break;
    case SP_COMMAND_FADE: start_fade(engine, command->flags, command->length); break;
    case SP_COMMAND_RETIME: sp_retime(engine, command); break;
    default: break;
    }
}

/* A play ends a finished fade-out and reverses a running one, from the level reached, over
 * the declick length: never a jump of the level. A running fade-in goes on. */
void sp_show_play(sp_engine *engine) {
    sp_show *show = &engine->show;
    const bool fading_out = show->fade_total > 0 && show->fade_dir == 0;
    const bool held_down = show->fade_total == 0 && show->fade_level < 1.0f;
    show->faded_out = false;
    if (fading_out || held_down) {
        show->fade_dir = 1;
        show->fade_from = show->fade_level;
        show->fade_total = engine->fade_frames;
        show->fade_done = 0;
    }
}

/* ---- audio side: cues and tails ---------------------------------------------------------- */

/* The crossfade a cue plays with. A cut into another song at a frame other than its first
 * (a count-in handing over to a start marker) is declicked like a seam; a cut to a song's
 * first frame stays gapless. */
static uint32_t cue_crossfade(const sp_engine *engine) {
    const sp_show *show = &engine->show;
    if (show->cue_fade_frames == 0 && show->cue_to_group != engine->group &&
        show->cue_target_frame != 0) {
        return engine->fade_frames;
    }
    return show->cue_fade_frames;
}

static sp_tail *free_tail(sp_engine *engine) {
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        if (!engine->show.tails[t].active) return &engine->show.tails[t];
    }
    return NULL;
}

bool sp_show_tails_active(const sp_engine *engine) {
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        if (engine->show.tails[t].active) return true;
    }
    return false;
}

bool sp_show_in_tail(const sp_engine *engine, uint32_t group) {
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        if (engine->show.tails[t].active && engine->show.tails[t].group == group) return true;
    }
    return false;
}

void sp_show_drop_tails(sp_engine *engine) {
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) engine->show.tails[t].active = false;
}

/* Due on its frame, or at once when the position is already past it (a seek went over it, or
 * the cue asked for "now" with the position it last saw). A crossfaded cue waits for a free
 * tail, at most the declick length (tails are shortened to it when a cue fires). */
bool sp_show_cue_due(const sp_engine *engine) {
    const sp_show *show = &engine->show;
    if (!show->cue_armed || engine->pos < show->cue_at_frame) return false;
    return cue_crossfade(engine) == 0 || free_tail((sp_engine *)engine) != NULL;
}

static void tail_weights(const sp_tail *tail, uint32_t done, float *in, float *out) {
    const float x = (float)done / (float)tail->total;
    if (tail->linear) { /* the same music on both sides: equal gain, no bump in the middle */
        *in = tail->in_from + (1.0f - tail->in_from) * x;
        *out = tail->out_from * (1.0f - x);
        return;
    }
    const float angle = x * HALF_PI;
    *in = tail->in_from + (1.0f - tail->in_from) * sinf(angle);
    *out = tail->out_from * cosf(angle);
}

/* Tails already running finish within the declick length from the weights they reached: a
 * cue during a crossfade never cuts the old voice off. */
static void shorten_tails(sp_engine *engine) {
    sp_show *show = &engine->show;
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        sp_tail *tail = &show->tails[t];
        if (!tail->active || tail->total - tail->done <= engine->fade_frames) continue;
        tail_weights(tail, tail->done, &tail->in_from, &tail->out_from);
        tail->done = 0;
        tail->total = engine->fade_frames;
    }
}

sp_tail *sp_show_begin_tail(sp_engine *engine, uint32_t frames, bool linear) {
    sp_show *show = &engine->show;
    shorten_tails(engine);
    sp_tail *tail = free_tail(engine);
    if (tail == NULL) { /* only a retime comes here without one: the older tail gives way */
        tail = show->tails[0].started < show->tails[1].started ? &show->tails[0]
                                                                : &show->tails[1];
    }
    tail->active = true;
    tail->group = engine->group;
    tail->pos = engine->pos;
    tail->done = 0;
    tail->total = frames;
    tail->in_from = 0.0f;
    tail->out_from = 1.0f;
    tail->linear = linear;
    tail->started = ++show->fires;
    return tail;
}

/* Jumps the main voice; with a crossfade, the old place goes on as a tail, fading out. */
void sp_show_fire_cue(sp_engine *engine) {
    sp_show *show = &engine->show;
    const uint32_t crossfade = cue_crossfade(engine);
    if (crossfade > 0) {
        sp_show_begin_tail(engine, crossfade, false); /* cue_due made sure one is free */
    } else {
        shorten_tails(engine);
    }
    engine->pos = show->cue_target_frame;
    engine->group = show->cue_to_group;
    engine->is_ended = false;
    if (!show->cue_repeat) {
        show->cue_armed = false;
        /* Its head no longer goes first among the readers' work, nor is a stretcher kept at
         * its end again once this jump's ring has taken it; a cue armed since (the same jump
         * again, perhaps) has another seq and keeps its hint. */
        atomic_store_explicit(&engine->cue_fired_seq, show->cue_seq, memory_order_relaxed);
    }
    show->fired_cue_seq = show->cue_seq;
}

uint64_t sp_show_heard_until(const sp_engine *engine) {
    const sp_show *show = &engine->show;
    /* A loop's end may be left (the vamp's exit plays on through it), and a tail plays a
     * place of its own, perhaps in this song. */
    if (!show->cue_armed || show->cue_repeat || sp_show_tails_active(engine)) return 0;
    /* A crossfaded cue waits for a free tail up to the declick length, then plays the old
     * place as a tail for its crossfade. And a block: a cancel (or a later cue) is drained at
     * a block's start, and that block plays on from just before the frame with no time for
     * the readers (the callback never waits). And a reader's chunk (85 ms at 48 kHz), so that
     * a jump cancelled at the last moment leaves the ring that much while the readers catch
     * up (a sounding ring below a quarter goes first). */
    return show->cue_at_frame + cue_crossfade(engine) + engine->fade_frames +
           engine->block_frames + SP_DECODE_CHUNK + 1u;
}

/* Shortens a segment so it ends where the cue is due or a crossfade ends. */
uint32_t sp_show_limit(const sp_engine *engine, uint32_t count) {
    const sp_show *show = &engine->show;
    if (show->cue_armed && engine->pos < show->cue_at_frame &&
        show->cue_at_frame - engine->pos < count) {
        count = (uint32_t)(show->cue_at_frame - engine->pos);
    }
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        const sp_tail *tail = &show->tails[t];
        if (tail->active && tail->total - tail->done < count) count = tail->total - tail->done;
    }
    return count;
}

/* The main voice's highest crossfade weight over the next `count` frames (weights in rise). */
float sp_show_main_weight(const sp_engine *engine, uint32_t count) {
    float weight = 1.0f;
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        const sp_tail *tail = &engine->show.tails[t];
        if (!tail->active) continue;
        float in, out;
        tail_weights(tail, tail->done + count, &in, &out);
        weight *= in;
    }
    return weight;
}

/* Mixes one tail's segment into its buffer and crossfades the mix with it: frame k weighs
 * the mix `in` and the tail `out` (tail_weights at done + k + 1). */
static void crossfade_tail(sp_engine *engine, sp_tail *tail, uint32_t offset, uint32_t count,
                           uint32_t block, float envelope_peak) {
    for (uint32_t o = 0; o < engine->channels; o++) {
        memset(tail->mix + (size_t)o * engine->block_frames + offset, 0, count * sizeof(float));
    }
    float in_first, out_first;
    tail_weights(tail, tail->done, &in_first, &out_first);
    sp_mix_group(engine, tail->group, tail->pos, tail->mix, offset, count, block,
                 envelope_peak * out_first, SP_VOICE_TAIL);
    for (uint32_t i = 0; i < count; i++) {
        /* The weights once per frame, for every output. */
        float in, out;
        tail_weights(tail, tail->done + i + 1, &in, &out);
        for (uint32_t o = 0; o < engine->channels; o++) {
            const size_t at = (size_t)o * engine->block_frames + offset + i;
            engine->mix[at] = engine->mix[at] * in + tail->mix[at] * out;
        }
    }
    tail->pos += count;
    tail->done += count;
    if (tail->done >= tail->total) tail->active = false;
}

/* Every running tail, newest first: a newer crossfade nests inside an older one. */
void sp_show_mix_tails(sp_engine *engine, uint32_t offset, uint32_t count, uint32_t block,
                       float envelope_peak) {
    sp_tail *order[SP_MAX_TAILS];
    uint32_t n = 0;
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        sp_tail *tail = &engine->show.tails[t];
        if (!tail->active) continue;
        uint32_t at = n++;
        while (at > 0 && order[at - 1]->started < tail->started) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = tail;
    }
    for (uint32_t i = 0; i < n; i++) {
        crossfade_tail(engine, order[i], offset, count, block, envelope_peak);
    }
}

/* ---- audio side: the fade of the whole mix ------------------------------------------------ */

/* The whole mix follows the fade: out along from * cos, in along from + (1 - from) * sin.
 * A protected output (the in-ears) keeps its level: its weight `p` (1 protected, 0 not) ramps
 * across the block when the flag changes, so output o gets p + (1 - p) * fade. */
void sp_show_apply_fade(sp_engine *engine, uint32_t frames) {
    sp_show *show = &engine->show;
    float p_start[SP_MAX_CHANNELS], p_step[SP_MAX_CHANNELS];
    for (uint32_t o = 0; o < engine->channels; o++) {
        const float target =
            atomic_load_explicit(&engine->output_protected[o], memory_order_relaxed) ? 1.0f
                                                                                      : 0.0f;
        p_start[o] = show->protect_applied[o];
        p_step[o] = (target - p_start[o]) / (float)frames;
        show->protect_applied[o] = target;
    }
    show->fade_peak = show->fade_level;
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
            if (show->fade_level > show->fade_peak) show->fade_peak = show->fade_level;
        }
        for (uint32_t o = 0; o < engine->channels; o++) {
            const float p = p_start[o] + p_step[o] * (float)(i + 1);
            engine->mix[(size_t)o * engine->block_frames + i] *= p + (1.0f - p) * show->fade_level;
        }
    }
}

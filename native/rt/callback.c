/* rt/callback.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * Everything the audio thread does, one block at a time: the command drain, the track scan,
 * the transport (jumps, cues, the declick envelope), the output stage and the status. The
 * mixing of tracks is rt/mixer.c, show flow rt/show_rt.c.
 *
 * Real-time rules: no allocation, no free, no lock, no wait, no I/O, no logging, no
 * ma_device_* calls. Only preallocated memory and atomics. The monitor's clock read (vDSO) is
 * the single exception, and only when the monitor is on. */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "midi_out.h"
#include "mtc.h"

#define RELAXED memory_order_relaxed

static bool group_soloed(const sp_engine *engine, uint32_t group) {
    for (uint32_t i = 0; i < engine->solo_count; i++) {
        if (engine->solo_groups[i] == group) return true;
    }
    return false;
}

/* Whether a slot is heard under the solo rule: a soloed track silences the unsoloed,
 * unprotected tracks of its own song (another song crossfading with it, or preloaded for
 * later, is not its business). */
static bool slot_audible(const sp_engine *engine, sp_slot *slot) {
    if (slot->leaving || atomic_load_explicit(&slot->muted, RELAXED)) return false;
    /* A protected track (the in-ears: click, guide) is never silenced by another's solo. */
    return atomic_load_explicit(&slot->solo, RELAXED) ||
           atomic_load_explicit(&slot->protected_track, RELAXED) ||
           !group_soloed(engine, slot->group);
}

static bool group_scanned(const sp_engine *engine, uint32_t group) {
    for (uint32_t i = 0; i < engine->scanned_count; i++) {
        if (engine->scanned_groups[i] == group) return true;
    }
    return false;
}

/* The gain targets of a mixing slot for this block. */
static void set_targets(sp_engine *engine, sp_slot *slot) {
    const uint32_t outputs = engine->channels;
    const float gain =
        slot_audible(engine, slot) ? atomic_load_explicit(&slot->gain, RELAXED) : 0.0f;
    const uint32_t cells = slot->source.channels * outputs;
    for (uint32_t i = 0; i < cells; i++) {
        slot->target[i] = gain * atomic_load_explicit(&slot->route[i], RELAXED);
    }
}

/* Which slots mix (the playing group and the crossfade tails' groups) and the song's length.
 * A slot that enters the mix here without having been activated into a sounding song comes
 * in through a jump, a cue or a tail: a point that is silent, crossfaded or a song's start, so
 * it takes its targets at once (its applied gains are from when its song last played). With
 * `all`, every mixing slot's targets are read; else only those of slots entering the mix, so
 * a mid-block rescan never moves the gains of a track that goes on. */
static void scan_groups(sp_engine *engine, bool all) {
    uint64_t song_frames = 0;
    engine->scanned_count = 0;
    engine->scanned_groups[engine->scanned_count++] = engine->group;
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        const sp_tail *tail = &engine->show.tails[t];
        if (tail->active && !group_scanned(engine, tail->group)) {
            engine->scanned_groups[engine->scanned_count++] = tail->group;
        }
    }
    for (uint32_t s = 0; s < engine->capacity; s++) {
        sp_slot *slot = &engine->slots[s];
        const bool was_mixing = slot->mixing;
        slot->mixing = slot->on && group_scanned(engine, slot->group);
        if (!slot->mixing) continue;
        if (slot->group == engine->group && slot->source.frames > song_frames) {
            song_frames = slot->source.frames;
        }
        const bool entering = !was_mixing && !slot->ramp_in;
        slot->ramp_in = false;
        if (!all && !entering) continue;
        set_targets(engine, slot);
        if (slot->snap || entering) {
            slot->snap = false;
            memcpy(slot->applied, slot->target,
                   slot->source.channels * engine->channels * sizeof(float));
        }
    }
    engine->song_frames = song_frames;
}

/* Whether a slot's group can sound in this block: the playing group, a crossfade tail's, or
 * the group an armed cue or a pending switch goes to. */
static bool group_in_play(const sp_engine *engine, uint32_t group) {
    if (group == engine->group) return true;
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        const sp_tail *tail = &engine->show.tails[t];
        if (tail->active && tail->group == group) return true;
    }
    if (engine->show.cue_armed && engine->show.cue_to_group == group) return true;
    return engine->jump_pending && engine->jump_group == group;
}

/* Once per block: which songs that can sound in this block have a soloed track (so the rule
 * cannot change mid-block when a cue brings another song in, and a song preloaded for later,
 * whose manifest may solo a stem, never touches the one playing), then the gain targets of
 * every mixing slot. */
void sp_scan_tracks(sp_engine *engine) {
    engine->scans++;
    engine->solo_count = 0;
    for (uint32_t s = 0; s < engine->capacity; s++) {
        const sp_slot *slot = &engine->slots[s];
        if (slot->on && !slot->leaving && atomic_load_explicit(&slot->solo, RELAXED) &&
            group_in_play(engine, slot->group) && !group_soloed(engine, slot->group) &&
            engine->solo_count < SP_MAX_TAILS + 3) {
            engine->solo_groups[engine->solo_count++] = slot->group;
        }
    }
    scan_groups(engine, true);
}

/* After a cue or jump: scans again only when the playing group or a tail's group is new to
 * the last scan, so a fired loop seam costs nothing per track. */
static void rescan_if_needed(sp_engine *engine) {
    bool covered = engine->scanned_count > 0 && engine->scanned_groups[0] == engine->group;
    for (uint32_t t = 0; covered && t < SP_MAX_TAILS; t++) {
        const sp_tail *tail = &engine->show.tails[t];
        if (tail->active && !group_scanned(engine, tail->group)) covered = false;
    }
    if (!covered) scan_groups(engine, false);
}

/* Raises a slot's peak to at least `peak`. A compare-exchange loop, so a reader's
 * exchange to 0 between the load and the store can never lose this block's peak. */
void sp_peak_raise(_Atomic float *meter, float peak) {
    float seen = atomic_load_explicit(meter, RELAXED);
    while (peak > seen &&
           !atomic_compare_exchange_weak_explicit(meter, &seen, peak, RELAXED, RELAXED)) {
    }
}

/* The end of a block for every mixed slot: the gains reached become the start of the next
 * block; the meter takes the block's peak times the block-wide gains (fade, master), so it
 * shows what reached the outputs; a slot that ramped out is left for good and handed back. */
static void finish_slots(sp_engine *engine, float block_gain) {
    for (uint32_t s = 0; s < engine->capacity; s++) {
        sp_slot *slot = &engine->slots[s];
        if (slot->mixing) {
            memcpy(slot->applied, slot->target,
                   slot->source.channels * engine->channels * sizeof(float));
            if (slot->block_peak > 0.0f) {
                sp_peak_raise(&slot->peak, slot->block_peak * block_gain);
                slot->block_peak = 0.0f;
            }
        }
        /* Even when a jump in this block took its group off the mix: it is done either way. */
        if (slot->leaving) {
            slot->on = slot->leaving = slot->mixing = false;
            /* Last: the control side may free the slot from here on. */
            atomic_store_explicit(&slot->released, 1, memory_order_release);
        }
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

/* Whether a group's tracks are heard (or about to be) right now: a track activated then must
 * ramp in, and one deactivated then must ramp out. */
static bool group_sounding(const sp_engine *engine, uint32_t group) {
    return (engine->run == RUN_PLAY || engine->envelope > 0.0f) &&
           (group == engine->group || sp_show_in_tail(engine, group));
}

/* A seek or stop jumps within the group a pending switch goes to, if one is pending: a later
 * request never erases an earlier one. */
static void request_jump(sp_engine *engine, uint64_t frame, uint32_t group) {
    if (group == SP_GROUP_CURRENT && engine->jump_pending) group = engine->jump_group;
    engine->jump_pending = true;
    engine->jump_frame = frame;
    engine->jump_group = group;
}

static void activate_slot(sp_engine *engine, uint32_t index) {
    if (index >= engine->capacity) return;
    sp_slot *slot = &engine->slots[index];
    slot->on = true;
    slot->leaving = false;
    slot->block_peak = 0.0f;
    if (group_sounding(engine, slot->group)) {
        /* From silence to its gains across the block, never mid-waveform at full level. */
        memset(slot->applied, 0, slot->source.channels * engine->channels * sizeof(float));
        slot->snap = false;
        slot->ramp_in = true;
    } else {
        slot->snap = true;
        slot->ramp_in = false;
    }
}

static void deactivate_slot(sp_engine *engine, uint32_t index) {
    if (index >= engine->capacity) return;
    sp_slot *slot = &engine->slots[index];
    if (slot->on && slot->mixing && group_sounding(engine, slot->group)) {
        slot->leaving = true; /* ramps to silence this block; finish_slots hands it back */
        return;
    }
    /* Not read since the last block ended, and this block has not read it yet. */
    slot->on = slot->mixing = false;
    atomic_store_explicit(&slot->released, 1, memory_order_release);
}

/* Every request pushed before this drain began, in order, each applied once. The write index
 * is read once: a control thread pushing during the drain never holds the callback in it. */
void sp_take_commands(sp_engine *engine) {
    sp_command command;
    const uint32_t end = sp_command_drain_end(engine);
    while (sp_command_pop(engine, &command, end)) {
#ifdef SP_TEST_HOOKS
        if (engine->drain_hook != NULL) engine->drain_hook(engine);
#endif
        switch (command.type) {
        case SP_COMMAND_PLAY:
            engine->run = RUN_PLAY;
            sp_show_play(engine);
            break;
        case SP_COMMAND_PAUSE: engine->run = RUN_PAUSE; break;
        case SP_COMMAND_STOP:
            engine->run = RUN_STOP;
            request_jump(engine, 0, SP_GROUP_CURRENT);
            break;
        case SP_COMMAND_SEEK: request_jump(engine, command.frame, SP_GROUP_CURRENT); break;
        case SP_COMMAND_SWITCH: request_jump(engine, command.frame, command.group); break;
        case SP_COMMAND_ACTIVATE: activate_slot(engine, command.group); break;
        case SP_COMMAND_DEACTIVATE: deactivate_slot(engine, command.group); break;
        default: sp_show_take_command(engine, &command); break;
        }
    }
}

/* Whether every live track of `group` can play frame pos now. */
static bool group_ready(sp_engine *engine, uint32_t group, uint64_t pos) {
    bool ready = true;
    for (uint32_t s = 0; s < engine->capacity; s++) {
        sp_slot *slot = &engine->slots[s];
        if (!slot->mixing || slot->group != group) continue;
        /* Every one is asked, so all their rings start refilling in this block. */
        if (!sp_source_ready(&slot->source, pos)) ready = false;
    }
    return ready;
}

static void apply_jump(sp_engine *engine) {
    if (engine->jump_group != SP_GROUP_CURRENT) engine->group = engine->jump_group;
    engine->pos = engine->jump_frame;
    engine->jump_pending = false;
    engine->is_ended = false;
    sp_show_drop_tails(engine); /* a jump leaves any crossfade behind (faded out with it) */
    rescan_if_needed(engine);
}

/* Full scale and no further: gain stages multiply (up to +12 dB each), so whatever the gains
 * and however many tracks sum, the device never gets more than +/-1.0 (in-ears). Branch-free:
 * the two selects compile to min/max. A NaN plays as 0. */
static inline float full_scale(float x) {
    const float number = x == x ? x : 0.0f;
    const float below = number < 1.0f ? number : 1.0f;
    return below > -1.0f ? below : -1.0f;
}

/* Master gain times each output's own gain (its bus's level) ramps across the block, then each
 * sample is clamped to full scale, the clamped ones counted per output; output is interleaved.
 * Returns the highest master gain applied, for the track meters. */
static float write_output(sp_engine *engine, float *out, uint32_t frames) {
    const float master = atomic_load_explicit(&engine->master_gain, RELAXED);
    const float master_start = engine->master_applied;
    const bool meters = engine->metering;
    const uint32_t outputs = engine->channels;
    for (uint32_t o = 0; o < outputs; o++) {
        const float own = atomic_load_explicit(&engine->output_gain[o], RELAXED);
        const float target = master * own;
        const float start = engine->master_applied * engine->output_applied[o];
        const float step = (target - start) / (float)frames;
        engine->output_applied[o] = own;
        const float *src = engine->mix + (size_t)o * engine->block_frames;
        uint32_t clipped = 0;
        if (start == target) {
            for (uint32_t i = 0; i < frames; i++) {
                const float sample = src[i] * target;
                const float sent = full_scale(sample);
                clipped += sent != sample; /* a NaN too: it never equals itself */
                out[(size_t)i * outputs + o] = sent;
            }
        } else {
            for (uint32_t i = 0; i < frames; i++) {
                const float sample = src[i] * (start + step * (float)(i + 1));
                const float sent = full_scale(sample);
                clipped += sent != sample;
                out[(size_t)i * outputs + o] = sent;
            }
        }
        if (clipped > 0) {
            /* The audio side is the only writer: a plain add, published with a relaxed store. */
            const uint64_t total = atomic_load_explicit(&engine->output_clipped[o], RELAXED);
            atomic_store_explicit(&engine->output_clipped[o], total + clipped, RELAXED);
        }
        if (meters) {
            float peak = 0.0f;
            for (uint32_t i = 0; i < frames; i++) {
                peak = fmaxf(peak, fabsf(out[(size_t)i * outputs + o]));
            }
            sp_peak_raise(&engine->output_peak[o], peak);
        }
    }
    engine->master_applied = master;
    return master_start > master ? master_start : master;
}

/* One consistent snapshot of the block that just ended (status.c). */
static void publish(sp_engine *engine, uint64_t block) {
    int32_t state;
    if (engine->is_ended) state = SP_STATE_ENDED;
    else if (engine->run == RUN_PLAY && engine->show.faded_out) state = SP_STATE_PAUSED;
    else if (engine->run == RUN_PLAY) state = SP_STATE_PLAYING;
    else if (engine->run == RUN_PAUSE) state = SP_STATE_PAUSED;
    else state = SP_STATE_STOPPED;
    uint64_t values[SP_STATUS_COUNT] = {0};
    values[SP_STATUS_POSITION] = engine->pos;
    values[SP_STATUS_STATE] = (uint64_t)state;
    values[SP_STATUS_ENDED] = engine->is_ended ? 1 : 0;
    values[SP_STATUS_BLOCKS] = block + 1;
    values[SP_STATUS_DURATION] = engine->song_frames;
    values[SP_STATUS_GROUP] = engine->group;
    values[SP_STATUS_CUE_FIRED] = engine->show.fired_cue_seq;
    values[SP_STATUS_STARVED] = engine->starved;
    values[SP_STATUS_CALLBACK_NS] = engine->callback_ns;
    values[SP_STATUS_CALLBACK_POS] = engine->callback_pos;
    sp_status_publish(engine, values);
}

/* The readers' cap on the playing song's rings (sp_show_heard_until), published again where a
 * block lifts it (a cue cancelled, replaced or fired), not only at its end: later in the block
 * the voices may read past the old cap (a seek over the cue, a cancel in a block longer than
 * the cue's crossfade and declick), and an offline render waits there for the readers. */
static void publish_heard_until(sp_engine *engine) {
    atomic_store_explicit(&engine->sounding_until, sp_show_heard_until(engine), RELAXED);
}

static void render_block(sp_engine *engine, float *out, uint32_t frames, uint64_t block) {
    const float step = 1.0f / (float)engine->fade_frames;
    engine->metering = atomic_load_explicit(&engine->meters_enabled, RELAXED) != 0;

    sp_take_commands(engine);
    publish_heard_until(engine);
    sp_scan_tracks(engine);
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
        const bool running =
            engine->run == RUN_PLAY && !engine->jump_pending && !engine->show.faded_out;
        const bool wanted = running && !engine->is_ended;
        /* The song ended during a crossfade: its tails play out their fade. */
        const bool tails_only = running && engine->is_ended && sp_show_tails_active(engine);
        if (silent && !wanted && !tails_only) break; /* the rest of the block stays silent */
        /* A cue due at the song's last frame (a gapless "next") wins over the end; one that a
         * seek went past fires at once. */
        if (wanted && sp_show_cue_due(engine)) {
            sp_show_fire_cue(engine);
            publish_heard_until(engine);
            rescan_if_needed(engine);
            continue;
        }
        if (wanted && engine->pos >= engine->song_frames) {
            engine->is_ended = true;
            if (!sp_show_tails_active(engine)) {
                engine->envelope = 0.0f;
                break;
            }
            continue;
        }
        /* After a seek (or at the start) from silence: hold, silent and in place, until every
         * streamed track has the frames there, then play from exactly there. */
        if (silent && wanted && !group_ready(engine, engine->group, engine->pos)) break;
        /* A song that starts from its first frame needs no fade-in: it starts from silence. */
        if (silent && wanted && engine->pos == 0) engine->envelope = 1.0f;

        const float goal = wanted || tails_only ? 1.0f : 0.0f;
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
        /* The envelope's highest value over the segment, for the meters. */
        const float envelope_peak =
            goal > engine->envelope ? fminf(goal, engine->envelope + step * (float)count)
                                    : engine->envelope;
        if (!engine->is_ended && engine->pos < engine->song_frames) {
            /* While a crossfade of this song runs, its fading voice has the rings. */
            const int voice =
                sp_show_in_tail(engine, engine->group) ? SP_VOICE_HEADS : SP_VOICE_MAIN;
            sp_mix_group(engine, engine->group, engine->pos, engine->mix, offset, count, frames,
                         envelope_peak * sp_show_main_weight(engine, count), voice);
        }
        sp_show_mix_tails(engine, offset, count, frames, envelope_peak);
        if (engine->envelope != 1.0f || goal != 1.0f) {
            engine->envelope =
                apply_envelope(engine, offset, count, engine->envelope, goal, step, count == fade);
        }
        if (wanted) sp_midi_out_segment(engine, offset, engine->pos, count);
        if (wanted) sp_mtc_segment(engine, offset, engine->pos, count);
        if (!engine->is_ended) engine->pos += count;
        offset += count;
    }
    sp_show_apply_fade(engine, frames);
    sp_output_delays_apply(engine, frames); /* rt/bus_delay_rt.c: a bus's delayMs */
    const float master_peak = write_output(engine, out, frames);
    finish_slots(engine, engine->show.fade_peak * master_peak);
    publish(engine, block);
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
#endif

    render_block(engine, out, frames, block);
    atomic_store_explicit(&engine->sounding_group, engine->group, RELAXED);
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        const sp_tail *tail = &engine->show.tails[t];
        atomic_store_explicit(&engine->sounding_tails[t], tail->active ? tail->group + 1 : 0,
                              RELAXED);
    }
    publish_heard_until(engine);
#ifdef SP_TEST_HOOKS
    sp_test_spin(engine, start_ns);
#endif

#ifndef SP_NO_MONITOR
    if (timed) sp_monitor_record(engine, block, start_ns, frames);
#endif
    (void)start_ns;
}

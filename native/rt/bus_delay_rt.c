/* rt/bus_delay_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * Per-output delay lines (a bus's delayMs): each output of the mix is written into its line
 * and read back `current` frames late. A new delay is crossfaded in over SP_DELAY_XFADE_MS
 * (old tap down, new tap up, linear), so a change while playing never clicks; a change that
 * arrives during a crossfade waits for it to end (the latest one wins). An output's first delay
 * (its line is allocated then, with no past) is taken at once when the output's last sample was
 * 0 (silence, or nothing played yet); while the output sounds, the line's first 20 ms are
 * recorded ramped in, so the delayed tap starts from silence without a step, and the undelayed
 * output crossfades to it. At delay 0 with no crossfade running the mix is left as it is, bit for
 * bit (the line still records, so a later delay has the past to play). */
#include "internal.h"

#define RELAXED memory_order_relaxed

/* The crossfade between an old and a new delay. */
#define SP_DELAY_XFADE_MS 20u

static void delay_output(sp_engine *engine, sp_output_delay *delay, float *line, float *mix,
                         uint32_t frames) {
    const uint32_t mask = delay->mask;
    const uint64_t written = delay->written;
    const uint32_t xfade_frames = engine->sample_rate * SP_DELAY_XFADE_MS / 1000u;
    if (written == 0) {
        if (delay->last == 0.0f) {
            /* The output's last sample was 0 (nothing played yet, or silence): the new line's
             * zeros follow it without a step, and the line's first frame follows a 0 as in the
             * mix. Taken at once: exact from here. */
            delay->current = atomic_load_explicit(&delay->target_frames, RELAXED);
        } else {
            /* The first delay given while the output sounds: the line starts now, with no past,
             * so the delayed tap would start on a step. Its first frames are recorded ramped in,
             * and the undelayed output (delay 0) crossfades to the delayed one below. */
            delay->fade_in = xfade_frames > 0 ? xfade_frames : 1;
        }
    }
    if (delay->fade_in > 0) {
        const uint32_t ramp = delay->fade_in < frames ? delay->fade_in : frames;
        const uint32_t total = xfade_frames > 0 ? xfade_frames : 1;
        for (uint32_t i = 0; i < ramp; i++) {
            const uint32_t done = total - delay->fade_in + i; /* 0 .. total - 1 */
            line[(written + i) & mask] = mix[i] * ((float)done / (float)total);
        }
        for (uint32_t i = ramp; i < frames; i++) line[(written + i) & mask] = mix[i];
        delay->fade_in -= ramp;
    } else {
        for (uint32_t i = 0; i < frames; i++) line[(written + i) & mask] = mix[i];
    }
    delay->written = written + frames;

    if (delay->xfade_total == 0) {
        const uint32_t target = atomic_load_explicit(&delay->target_frames, RELAXED);
        if (target != delay->current) {
            delay->previous = delay->current;
            delay->current = target;
            delay->xfade_done = 0;
            delay->xfade_total = xfade_frames > 0 ? xfade_frames : 1;
        }
    }
    if (delay->xfade_total == 0) {
        if (delay->current == 0) return; /* the mix as it is */
        for (uint32_t i = 0; i < frames; i++) {
            mix[i] = line[(written + i - delay->current) & mask];
        }
        return;
    }
    const float step = 1.0f / (float)delay->xfade_total;
    for (uint32_t i = 0; i < frames; i++) {
        /* A tap at 0 is the mix itself (the line's copy may be ramped in: fade_in). */
        const float older =
            delay->previous == 0 ? mix[i] : line[(written + i - delay->previous) & mask];
        const float newer =
            delay->current == 0 ? mix[i] : line[(written + i - delay->current) & mask];
        if (delay->xfade_done < delay->xfade_total) {
            delay->xfade_done++;
            const float weight = step * (float)delay->xfade_done;
            /* The last frame of the crossfade is the new tap exactly. */
            mix[i] = delay->xfade_done == delay->xfade_total ? newer
                                                             : older + weight * (newer - older);
        } else {
            mix[i] = newer;
        }
    }
    if (delay->xfade_done >= delay->xfade_total) delay->xfade_total = 0;
}

void sp_output_delays_apply(sp_engine *engine, uint32_t frames) {
    for (uint32_t o = 0; o < engine->channels; o++) {
        sp_output_delay *delay = &engine->output_delay[o];
        float *line = atomic_load_explicit(&delay->line, memory_order_acquire);
        if (line == NULL) {
            /* Never given a delay: where the output ended, for the first delay's start. */
            const float *mix = engine->mix + (size_t)o * engine->block_frames;
            if (frames > 0) delay->last = mix[frames - 1];
            continue;
        }
        delay_output(engine, delay, line, engine->mix + (size_t)o * engine->block_frames, frames);
    }
}

/* bus_delay.c: the control side of per-output delays (a bus's delayMs, issue 26's "Offsets":
 * an audio bus only delays). An output's delay line is allocated here, on the control thread,
 * the first time the output is given a delay, and kept until the engine is freed; the audio
 * side (rt/bus_delay_rt.c) only reads and writes it. An output never given a delay has no
 * line and costs the callback one load and branch (and one store: its last sample). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Frames a line holds: the longest delay plus one block, as a power of two (the audio side
 * writes a whole block before it reads the block's delayed frames). */
static uint32_t line_frames(const sp_engine *engine) {
    const uint64_t need = (uint64_t)engine->sample_rate + engine->block_frames;
    uint32_t frames = 1;
    while (frames < need) frames <<= 1;
    return frames;
}

SP_API sp_result sp_output_set_delay(sp_engine *engine, uint32_t output, uint32_t frames) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(output < engine->channels, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(frames <= engine->sample_rate, SP_ERROR_INVALID_ARGUMENT); /* at most 1 s */
    sp_output_delay *delay = &engine->output_delay[output];
    if (atomic_load_explicit(&delay->line, memory_order_acquire) == NULL) {
        if (frames == 0) return SP_OK; /* no line, no delay: nothing to do */
        const uint32_t size = line_frames(engine);
        float *line = calloc(size, sizeof(float));
        SP_CHECK(line != NULL, SP_ERROR_OUT_OF_MEMORY);
        delay->mask = size - 1u;
        /* Published after the mask: the audio side reads the mask once it sees the line. */
        atomic_store_explicit(&delay->line, line, memory_order_release);
    }
    atomic_store_explicit(&delay->target_frames, frames, memory_order_relaxed);
    return SP_OK;
}

void sp_output_delays_free(sp_engine *engine) {
    for (uint32_t o = 0; o < SP_MAX_CHANNELS; o++) {
        free(atomic_load_explicit(&engine->output_delay[o].line, memory_order_relaxed));
        atomic_store_explicit(&engine->output_delay[o].line, NULL, memory_order_relaxed);
    }
}

/* A reopen (no callback runs): the lines hold what was mixed up to the switch at full level,
 * and the new device's mix starts faded in (the engine's envelope), so a delayed tap would go
 * from the old audio to the new fade-in's silence on a step. Cleared, a delayed output comes
 * back after its delay with the fade-in, as the undelayed ones do at once. */
void sp_output_delays_clear(sp_engine *engine) {
    for (uint32_t o = 0; o < SP_MAX_CHANNELS; o++) {
        sp_output_delay *delay = &engine->output_delay[o];
        float *line = atomic_load_explicit(&delay->line, memory_order_relaxed);
        if (line != NULL) memset(line, 0, ((size_t)delay->mask + 1u) * sizeof(float));
    }
}

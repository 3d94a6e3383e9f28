/* rt/heartbeat_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The heartbeat for redundancy switchers (docs/two-rigs.md): a steady 1 kHz tone on one
 * output, written by the callback itself after everything else, so it runs exactly while the
 * callback runs. Its phase goes on from block to block (1 kHz is no whole number of cycles in
 * any block a backend uses), so no two blocks are alike: a device that replays its last buffer
 * when the engine stalls plays a loop a switcher like BLDS sees, and one that plays silence
 * stops the tone a PlayAUDIO12 or SW8 sees. Turned on and off with a 10 ms ramp. */
#include <math.h>

#include "internal.h"

#define HEARTBEAT_HZ 1000.0

void sp_heartbeat_write(sp_engine *engine, float *out, uint32_t frames) {
    sp_heartbeat *hb = &engine->heartbeat;
    const int32_t output = atomic_load_explicit(&hb->output, memory_order_relaxed);
    const float level = output >= 0 ? atomic_load_explicit(&hb->level, memory_order_relaxed) : 0.0f;
    if (output >= 0) {
        hb->channel = (uint32_t)output;
        hb->top = level;
    }
    if (hb->applied == 0.0f && level == 0.0f) return;
    const uint32_t ch = engine->channels;
    const uint32_t o = hb->channel;
    /* 10 ms from nothing to the full level, or back. */
    const float step = hb->top / (0.01f * (float)engine->sample_rate);
    const double advance = 2.0 * 3.14159265358979323846 * HEARTBEAT_HZ / engine->sample_rate;
    for (uint32_t i = 0; i < frames; i++) {
        if (hb->applied < level) hb->applied = fminf(level, hb->applied + step);
        else if (hb->applied > level) hb->applied = fmaxf(level, hb->applied - step);
        out[(size_t)i * ch + o] = hb->applied * (float)sin(hb->phase);
        hb->phase += advance;
        if (hb->phase > 2.0 * 3.14159265358979323846) hb->phase -= 2.0 * 3.14159265358979323846;
    }
}

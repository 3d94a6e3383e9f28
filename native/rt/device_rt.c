/* rt/device_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * Where a device's thread enters the engine (miniaudio's data callback), and the block loop
 * both it and an offline render (offline.c) run. */
#include <string.h>

#include "internal.h"
#include "midi_in_engine.h"
#include "midi_out.h"
#include "mtc.h"

/* Renders `frames` frames block by block: the mix buffer holds one block, and a device or a
 * render call may ask for more. */
void sp_render_blocks(sp_engine *engine, float *out, uint32_t frames) {
    while (frames > 0) {
        const uint32_t n = frames < engine->block_frames ? frames : engine->block_frames;
        sp_process_block(engine, out, n);
        sp_midi_out_end_block(engine, n);
        sp_mtc_end_block(engine, n);
        out += (size_t)n * engine->channels;
        frames -= n;
    }
}

/* miniaudio's data callback: the device's thread enters the engine here. */
void sp_data_callback(ma_device *device, void *buffer, const void *input, ma_uint32 frames) {
    (void)input;
    sp_output *output = device->pUserData;
    float *out = buffer;
    /* Handshake with detach_output(): either it sees in_callback and waits for this callback to
     * end, or this callback sees detached and leaves the engine alone (seq_cst on both). */
    atomic_store_explicit(&output->in_callback, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&output->detached, memory_order_seq_cst) ||
        atomic_load_explicit(&output->silent, memory_order_acquire)) {
        atomic_store_explicit(&output->in_callback, 0, memory_order_release);
        memset(out, 0, (size_t)frames * device->playback.channels * sizeof(float));
        return;
    }
    /* Before any port pointer is read: a port's close clears its pointer, then waits for this
     * to fall to 0 (seq_cst on both, sp_engine_wait_for_callback). */
    atomic_fetch_add_explicit(&output->engine->callbacks_inside, 1, memory_order_seq_cst);
#ifdef __linux__
    sp_midi_in_cycle(output->engine, device, frames); /* MIDI in on the engine's client */
#endif
    sp_midi_out_begin_cycle(output->engine, device, frames);
    sp_mtc_begin_cycle(output->engine, device, frames);
    sp_render_output(output->engine, out, frames);
    sp_midi_out_end_cycle(output->engine);
    sp_mtc_end_cycle(output->engine);
    if (atomic_load_explicit(&output->fade_out, memory_order_acquire)) {
        /* Leaving for another device: this callback ramps to silence, the next ones are
         * silent and leave the engine alone (the new device resumes where this one ended). */
        const uint32_t channels = device->playback.channels;
        for (uint32_t i = 0; i < frames; i++) {
            const float gain = (float)(frames - 1u - i) / (float)frames;
            for (uint32_t c = 0; c < channels; c++) out[(size_t)i * channels + c] *= gain;
        }
        atomic_store_explicit(&output->silent, 1, memory_order_release);
    }
#ifdef SP_TEST_HOOKS
    if (output->engine->device_tap != NULL) {
        output->engine->device_tap(output, out, frames, device->playback.channels);
    }
#endif
    atomic_fetch_sub_explicit(&output->engine->callbacks_inside, 1, memory_order_release);
    atomic_store_explicit(&output->in_callback, 0, memory_order_release);
}

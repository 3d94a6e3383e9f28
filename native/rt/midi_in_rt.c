/* rt/midi_in_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * MIDI in on the engine's own JACK client (midi_in_engine.c): the cycle's messages, read in the
 * same JACK cycle as the audio, go with their frame offsets into the input's lock-free queue
 * (midi_in.c classifies them: atomics and a copy). Nothing is posted: the control side looks. */
#include "midi_in_engine.h"

#ifdef __linux__
void sp_midi_in_cycle(sp_engine *engine, const ma_device *device, uint32_t frames) {
    sp_midi_in *midi = atomic_load_explicit(&engine->midi_in, memory_order_seq_cst);
    if (midi == NULL) return;
    sp_midi_in_engine *input = midi->backend;
    void *buffer = sp_engine_port_buffer(&input->port, device, frames);
    if (buffer == NULL) return;
    const uint32_t events = input->port.api.midi_get_event_count(buffer);
    if (events == 0) return;
    const uint64_t now = sp_midi_clock_ns(); /* clock_gettime: the vDSO, no syscall */
    for (uint32_t i = 0; i < events; i++) {
        jack_midi_event_t event;
        if (input->port.api.midi_event_get(&event, buffer, i) != 0) continue;
        sp_midi_in_push_at(midi, event.buffer, event.size, now, event.time);
    }
}
#endif

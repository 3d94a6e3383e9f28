/* midi_in_engine.h: MIDI in on the engine's own JACK client (see midi_in_engine.c), shared with
 * the audio thread's reader (rt/midi_in_rt.c). Not part of the ABI. */
#ifndef STEMPLAY_MIDI_IN_ENGINE_H
#define STEMPLAY_MIDI_IN_ENGINE_H

#include "midi_in.h"

#ifdef __linux__
#include "engine_port.h"

typedef struct {
    sp_engine_port port;
} sp_midi_in_engine;

/* rt/midi_in_rt.c, audio thread: queues this cycle's messages of the engine's MIDI input. */
void sp_midi_in_cycle(sp_engine *engine, const ma_device *device, uint32_t frames);
#endif

#endif

/* midi_in_engine.c: MIDI in on the engine's own JACK client: the port `midi_in` beside the audio
 * ports (and midi_out, mtc_out), so one client named `stemplay` carries them all. The audio
 * callback reads the cycle's messages with their frame offsets (rt/midi_in_rt.c) into the same
 * queue as the other backends (midi_in.c); it never posts the semaphore (no syscall on the audio
 * thread), so sp_midi_in_wait looks at the queue every millisecond instead. */
#include "midi_in_engine.h"

#ifdef __linux__
#include <stdlib.h>
#include <string.h>

static void close_engine(sp_midi_in *midi) {
    sp_midi_in_engine *input = midi->backend;
    if (!input) return;
    sp_engine *engine = input->port.engine;
    if (engine != NULL && atomic_load(&engine->midi_in) == midi) {
        atomic_store_explicit(&engine->midi_in, NULL, memory_order_seq_cst);
        sp_engine_wait_for_callback(engine); /* the audio thread no longer reads it */
    }
    sp_engine_port_close(&input->port);
    free(input);
    midi->backend = NULL;
}

SP_API sp_result sp_midi_in_open_engine(sp_engine *engine, const char *port_name,
                                        const char *connect_from, sp_midi_in **out_midi) {
    SP_CHECK(engine != NULL && port_name != NULL && out_midi != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(atomic_load(&engine->midi_in) == NULL, SP_ERROR_BUSY);
    sp_midi_in *midi;
    sp_result result = sp_midi_in_alloc(sizeof(sp_midi_in_engine), close_engine, &midi);
    if (result != SP_OK) return result;
    midi->polled = true;
    sp_midi_in_engine *input = midi->backend;
    result = sp_engine_port_open(&input->port, engine, port_name, JACK_PORT_IS_INPUT,
                                 connect_from);
    if (result != SP_OK) {
        sp_midi_in_close(midi);
        return result;
    }
    sp_engine_port_full_name(&input->port, midi->port_name, sizeof midi->port_name);
    atomic_store_explicit(&engine->midi_in, midi, memory_order_seq_cst);
    *out_midi = midi;
    return SP_OK;
}

SP_API sp_result sp_midi_in_reattach(sp_midi_in *midi) {
    SP_CHECK(midi != NULL, SP_ERROR_INVALID_ARGUMENT);
    if (midi->close_backend != close_engine) return SP_OK; /* a client of its own */
    sp_midi_in_engine *input = midi->backend;
    const sp_result result = sp_engine_port_reattach(&input->port);
    if (result == SP_OK) {
        sp_engine_port_full_name(&input->port, midi->port_name, sizeof midi->port_name);
    }
    return result;
}

#else

SP_API sp_result sp_midi_in_open_engine(sp_engine *engine, const char *port_name,
                                        const char *connect_from, sp_midi_in **out_midi) {
    (void)engine, (void)port_name, (void)connect_from, (void)out_midi;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_midi_in_reattach(sp_midi_in *midi) {
    (void)midi;
    return SP_ERROR_UNSUPPORTED;
}

#endif

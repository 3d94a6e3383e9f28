/* engine_port.h: a MIDI port on the engine's own JACK client (the one that plays its audio), for
 * MIDI in (midi_in_engine.c), MIDI out (midi_out.c) and MTC (mtc.c): one client named `stemplay` carries the audio,
 * midi_in, midi_out and mtc_out, all read and written in the same JACK cycle by the audio
 * callback. The control side registers, moves (after a device reopen) and removes the port; the
 * audio thread only asks for its buffer (rt/engine_port_rt.c). Linux only. Not part of the ABI. */
#ifndef STEMPLAY_ENGINE_PORT_H
#define STEMPLAY_ENGINE_PORT_H

#include "internal.h"
#include "jack_api.h"

#ifdef __linux__
typedef struct {
    sp_jack_api api;
    sp_engine *engine;
    /* Swapped by a reattach: port first, then generation, then client (release); the audio
     * thread reads the client and the generation (acquire), then the port. */
    _Atomic(jack_client_t *) client;
    _Atomic(jack_port_t *) port;
    /* The output (sp_output.generation) the port was registered on: a new client at the old
     * one's address is not the port's. Stored between port and client. */
    _Atomic uint32_t generation;
    unsigned long flags;  /* JACK_PORT_IS_INPUT or JACK_PORT_IS_OUTPUT */
    char name[64];        /* the short name, "midi_in" */
    char connection[256]; /* the port it is connected with ("" for none), again after a reopen */
} sp_engine_port;

/* The JACK client of the engine's device, or NULL when it does not play on JACK (or runs
 * miniaudio's fixed-size buffering, which would split JACK's cycles). Control side; a yes or no
 * only: a reopen may close the client once this returns (the port functions below use it under
 * the JACK lock). */
jack_client_t *sp_engine_jack_client(const sp_engine *engine);
/* Loads libjack and registers the port on the engine's client, connected with `connection`
 * (may be NULL): SP_ERROR_NO_BACKEND when the engine is not on JACK, SP_ERROR_DEVICE when the
 * port cannot be registered or connected. On failure nothing is left open. */
sp_result sp_engine_port_open(sp_engine_port *port, sp_engine *engine, const char *name,
                              unsigned long flags, const char *connection);
/* After a device reopen: the port again on the engine's new client, connected again. SP_OK
 * when nothing changed. */
sp_result sp_engine_port_reattach(sp_engine_port *port);
/* Connects the port with another port `other` (MIDI out's connectTo): SP_ERROR_DEVICE when it
 * cannot, or when the port is not on the engine's current client (lost or reopened since). */
sp_result sp_engine_port_connect(sp_engine_port *port, const char *other);
/* The port's full name ("client:port"), cut to capacity ("" when libjack cannot tell). */
void sp_engine_port_full_name(const sp_engine_port *port, char *name, uint32_t capacity);
/* Unregisters the port (when its client is still the engine's) and unloads libjack. The audio
 * thread must no longer read it (see sp_engine_wait_for_callback). */
void sp_engine_port_close(sp_engine_port *port);
/* Held around every request on the engine's JACK client (register, unregister, connect): MIDI
 * in, MIDI out and MTC are closed from different threads at once (nonblocking FFI calls), and
 * libjack's requests on one client from two threads at once hung (both waiting on the client's
 * socket for one reply). The engine's device is swapped under it too (engine_output.h), so a
 * port never uses a client a reopen is closing. Control side only; not recursive. */
void sp_engine_jack_lock(void);
void sp_engine_jack_unlock(void);
/* Returns once no audio callback that began before the call still runs. */
void sp_engine_wait_for_callback(const sp_engine *engine);

/* rt/engine_port_rt.c, audio thread: this cycle's buffer of the port, or NULL when the device
 * is not the port's client (offline, another backend, a reopened device not yet reattached). */
void *sp_engine_port_buffer(sp_engine_port *port, const ma_device *device, uint32_t frames);
#endif

#endif

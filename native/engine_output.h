/* engine_output.h: the engine's device (sp_engine.output) is swapped by an open, a reopen and a
 * loss on one thread, while another (a MIDI port's open, close or connect, on a worker thread of
 * its own) asks for that device's JACK client: so the pointer is read and written atomically,
 * through these, and swapped under engine_port.c's JACK lock. A port reads the device and uses
 * its client under that lock, so a device it found there is not torn down (and freed) until it
 * lets go: a reopen frees the old device only after it swapped it out. Not part of the ABI. */
#ifndef STEMPLAY_ENGINE_OUTPUT_H
#define STEMPLAY_ENGINE_OUTPUT_H

#include "internal.h"

/* The engine's device now (NULL offline, and after a loss until reopened). */
static inline sp_output *sp_engine_output(const sp_engine *engine) {
    return __atomic_load_n(&engine->output, __ATOMIC_ACQUIRE);
}

#ifdef __linux__
void sp_engine_jack_lock(void); /* engine_port.c */
void sp_engine_jack_unlock(void);
#endif

/* Binds `output` (or NULL) as the engine's device. Control side; never with the JACK lock held. */
static inline void sp_engine_set_output(sp_engine *engine, sp_output *output) {
#ifdef __linux__
    sp_engine_jack_lock();
#endif
    __atomic_store_n(&engine->output, output, __ATOMIC_RELEASE);
#ifdef __linux__
    sp_engine_jack_unlock();
#endif
}

#endif

/* engine_output.h: the engine's device (sp_engine.output) is swapped by an open, a reopen and a
 * loss on one thread, while another (a MIDI port's close, on a worker thread of its own) waits
 * for that device's callback: so the pointer is read and written atomically, through these.
 * Not part of the ABI. */
#ifndef STEMPLAY_ENGINE_OUTPUT_H
#define STEMPLAY_ENGINE_OUTPUT_H

#include "internal.h"

/* The engine's device now (NULL offline, and after a loss until reopened). */
static inline sp_output *sp_engine_output(const sp_engine *engine) {
    return __atomic_load_n(&engine->output, __ATOMIC_ACQUIRE);
}

/* Binds `output` (or NULL) as the engine's device. Control side. */
static inline void sp_engine_set_output(sp_engine *engine, sp_output *output) {
    __atomic_store_n(&engine->output, output, __ATOMIC_RELEASE);
}

#endif

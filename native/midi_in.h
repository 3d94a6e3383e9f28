/* midi_in.h: a MIDI input shared by its backends (midi_jack.c, midi_alsa.c): a lock-free
 * single-producer single-consumer ring (rt/spsc.h) of short channel messages, filled by the
 * backend's thread (JACK's process callback, or the ALSA reader thread) and drained by
 * sp_midi_in_wait on a loading thread, which sleeps on a semaphore until events arrive. Not part of the ABI. */
#ifndef STEMPLAY_MIDI_IN_H
#define STEMPLAY_MIDI_IN_H

#include "internal.h"

#ifdef __linux__
#include <semaphore.h>

#define SP_MIDI_RING 1024u /* events, a power of two */

struct sp_midi_in {
    sp_midi_event events[SP_MIDI_RING];
    sp_spsc ring; /* over events: the backend's thread pushes, sp_midi_in_wait pops */
    _Atomic uint64_t counters[SP_MIDI_COUNTER_COUNT];
    _Atomic int32_t closing;
    sem_t ready;
    /* the backend: stops its producer and frees what it holds (not the struct) */
    void (*close_backend)(sp_midi_in *midi);
    void *backend;
    /* The producer never posts `ready` (the audio callback makes no syscall): the consumer
     * looks at the queue every SP_MIDI_POLL_NS instead (midi_in_engine.c). */
    bool polled;
    char port_name[128]; /* the full port name when the backend knows it, else "" */
};

#define SP_MIDI_POLL_NS 1000000L

/* Allocates a zeroed input with its semaphore, and its backend's zeroed state of
 * `backend_size` bytes, which `close_backend` (called by sp_midi_in_close) must stop and free
 * however far its open got. */
sp_result sp_midi_in_alloc(size_t backend_size, void (*close_backend)(sp_midi_in *midi),
                           sp_midi_in **out);
/* Producer side (real-time safe: no allocation, no lock): classifies one raw message, counts
 * it, queues it when it is a complete channel voice message. Call sp_midi_in_signal once after
 * a batch. */
void sp_midi_in_push(sp_midi_in *midi, const uint8_t *bytes, size_t size, uint64_t time_ns);
/* The same, with the message's frame within its JACK cycle. */
void sp_midi_in_push_at(sp_midi_in *midi, const uint8_t *bytes, size_t size, uint64_t time_ns,
                        uint32_t frame);
/* Wakes the consumer when the batch queued anything (sem_post: no lock, no wait). */
void sp_midi_in_signal(sp_midi_in *midi, uint32_t write_index_before);
/* The monotonic clock in ns (vDSO). */
uint64_t sp_midi_clock_ns(void);
#endif

#endif

/* midi_in.c: the queue between a MIDI backend's thread and the control side, and the
 * classification of raw messages shared by every backend (see midi_in.h). */
#include "midi_in.h"

#ifdef __linux__
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t sp_midi_clock_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

sp_result sp_midi_in_alloc(size_t backend_size, void (*close_backend)(sp_midi_in *midi),
                           sp_midi_in **out) {
    sp_midi_in *midi = calloc(1, sizeof *midi);
    if (!midi) return SP_ERROR_OUT_OF_MEMORY;
    if (sem_init(&midi->ready, 0, 0) != 0) {
        free(midi);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    sp_spsc_init(&midi->ring, midi->events, sizeof(sp_midi_event), SP_MIDI_RING);
    midi->backend = calloc(1, backend_size);
    if (!midi->backend) {
        sp_midi_in_close(midi);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    midi->close_backend = close_backend;
    *out = midi;
    return SP_OK;
}

static void count(sp_midi_in *midi, int which) {
    atomic_fetch_add_explicit(&midi->counters[which], 1, memory_order_relaxed);
}

/* The length of a channel voice message: program change and channel pressure carry one data
 * byte, the others two. */
static size_t voice_length(uint8_t status) {
    const uint8_t kind = status & 0xF0u;
    return (kind == 0xC0u || kind == 0xD0u) ? 2 : 3;
}

void sp_midi_in_push(sp_midi_in *midi, const uint8_t *bytes, size_t size, uint64_t time_ns) {
    sp_midi_in_push_at(midi, bytes, size, time_ns, 0);
}

void sp_midi_in_push_at(sp_midi_in *midi, const uint8_t *bytes, size_t size, uint64_t time_ns,
                        uint32_t frame) {
    count(midi, SP_MIDI_RECEIVED);
    if (size == 0 || bytes == NULL) {
        count(midi, SP_MIDI_MALFORMED);
        return;
    }
    const uint8_t status = bytes[0];
    if (status == 0xF0u || status == 0xF7u) { /* SysEx (or its continuation): never read */
        count(midi, SP_MIDI_SYSEX);
        return;
    }
    if (status >= 0xF1u) {
        count(midi, SP_MIDI_SYSTEM);
        return;
    }
    if (status < 0x80u || size != voice_length(status)) {
        count(midi, SP_MIDI_MALFORMED);
        return;
    }
    for (size_t i = 1; i < size; i++) {
        if (bytes[i] >= 0x80u) { /* a status byte where data belongs */
            count(midi, SP_MIDI_MALFORMED);
            return;
        }
    }
    sp_midi_event event;
    memset(&event, 0, sizeof event);
    event.time_ns = time_ns;
    event.size = (uint8_t)size;
    event.frame = frame;
    memcpy(event.bytes, bytes, size);
    if (!sp_spsc_push(&midi->ring, &event)) {
        count(midi, SP_MIDI_DROPPED);
        return;
    }
    count(midi, SP_MIDI_QUEUED);
}

void sp_midi_in_signal(sp_midi_in *midi, uint32_t write_index_before) {
    if (sp_spsc_written(&midi->ring) != write_index_before) {
        sem_post(&midi->ready);
    }
}

SP_API sp_result sp_midi_in_wait(sp_midi_in *midi, sp_midi_event *events, uint32_t capacity,
                                 uint32_t *out_count) {
    SP_CHECK(midi != NULL && events != NULL && capacity > 0 && out_count != NULL,
             SP_ERROR_INVALID_ARGUMENT);
    *out_count = 0;
    for (;;) {
        const uint32_t n = sp_spsc_pop_many(&midi->ring, events, capacity);
        if (n > 0) {
            *out_count = n;
            return SP_OK;
        }
        if (atomic_load_explicit(&midi->closing, memory_order_acquire)) return SP_OK;
        /* Posts may outnumber the batches drained: an extra wake just finds the queue empty. */
        if (midi->polled) {
            /* Nothing posts but sp_midi_in_wake: look again after a short wait. */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += SP_MIDI_POLL_NS;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            while (sem_timedwait(&midi->ready, &until) != 0 && errno == EINTR) {
            }
            continue;
        }
        while (sem_wait(&midi->ready) != 0 && errno == EINTR) {
        }
    }
}

SP_API sp_result sp_midi_in_wake(sp_midi_in *midi) {
    SP_CHECK(midi != NULL, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&midi->closing, 1, memory_order_release);
    sem_post(&midi->ready);
    return SP_OK;
}

SP_API sp_result sp_midi_in_counters(const sp_midi_in *midi, uint64_t *counters) {
    SP_CHECK(midi != NULL && counters != NULL, SP_ERROR_INVALID_ARGUMENT);
    for (int i = 0; i < SP_MIDI_COUNTER_COUNT; i++) {
        counters[i] = atomic_load_explicit(&((sp_midi_in *)midi)->counters[i], memory_order_relaxed);
    }
    return SP_OK;
}

SP_API sp_result sp_midi_in_port_name(const sp_midi_in *midi, char *name, uint32_t capacity) {
    SP_CHECK(midi != NULL && name != NULL && capacity > 0, SP_ERROR_INVALID_ARGUMENT);
    uint32_t i = 0;
    for (; midi->port_name[i] != '\0' && i + 1 < capacity; i++) name[i] = midi->port_name[i];
    name[i] = '\0';
    return SP_OK;
}

SP_API void sp_midi_in_close(sp_midi_in *midi) {
    if (!midi) return;
    if (midi->close_backend) midi->close_backend(midi);
    sem_destroy(&midi->ready);
    free(midi);
}

SP_API uint64_t sp_midi_now_ns(void) { return sp_midi_clock_ns(); }

#else /* MIDI input is written for Linux only */

SP_API sp_result sp_midi_in_wait(sp_midi_in *midi, sp_midi_event *events, uint32_t capacity,
                                 uint32_t *out_count) {
    (void)midi, (void)events, (void)capacity, (void)out_count;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_midi_in_wake(sp_midi_in *midi) {
    (void)midi;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_midi_in_counters(const sp_midi_in *midi, uint64_t *counters) {
    (void)midi, (void)counters;
    return SP_ERROR_UNSUPPORTED;
}
SP_API sp_result sp_midi_in_port_name(const sp_midi_in *midi, char *name, uint32_t capacity) {
    (void)midi, (void)name, (void)capacity;
    return SP_ERROR_UNSUPPORTED;
}
SP_API void sp_midi_in_close(sp_midi_in *midi) { (void)midi; }
SP_API uint64_t sp_midi_now_ns(void) { return 0; }

#endif

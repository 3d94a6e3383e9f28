/* rt/spsc.h: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The one single-producer single-consumer ring of the shim (PortAudio's ring idea): fixed-size
 * elements in a power-of-two array, each side publishing only its own index (release), which
 * the other side reads (acquire). Neither side ever waits: a full ring refuses a push, an
 * empty one pops nothing. It carries the control thread's commands to the audio thread
 * (commands.c) and a MIDI backend's events to the control side (midi_in.c). Any thread may
 * call these, one producer and one consumer at a time. */
#ifndef STEMPLAY_RT_SPSC_H
#define STEMPLAY_RT_SPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct sp_spsc {
    unsigned char *items; /* capacity x item_size bytes, owned by whoever embeds the ring */
    uint32_t item_size;
    uint32_t mask; /* capacity - 1, capacity a power of two */
    _Atomic uint32_t write_index; /* producer: items pushed (only grows, wraps) */
    _Atomic uint32_t read_index;  /* consumer: items popped */
} sp_spsc;

/* Before either side uses it (no other thread sees the ring yet). */
static inline void sp_spsc_init(sp_spsc *ring, void *items, uint32_t item_size,
                                uint32_t capacity) {
    ring->items = items;
    ring->item_size = item_size;
    ring->mask = capacity - 1u;
    atomic_store_explicit(&ring->write_index, 0, memory_order_relaxed);
    atomic_store_explicit(&ring->read_index, 0, memory_order_relaxed);
}

/* Producer: the write index (e.g. before a batch of pushes, to learn whether it queued any). */
static inline uint32_t sp_spsc_written(const sp_spsc *ring) {
    return atomic_load_explicit(&((sp_spsc *)ring)->write_index, memory_order_relaxed);
}

/* Producer: copies one item in; false when the ring is full. */
static inline bool sp_spsc_push(sp_spsc *ring, const void *item) {
    const uint32_t write = atomic_load_explicit(&ring->write_index, memory_order_relaxed);
    const uint32_t read = atomic_load_explicit(&ring->read_index, memory_order_acquire);
    if (write - read > ring->mask) return false;
    memcpy(ring->items + (size_t)(write & ring->mask) * ring->item_size, item, ring->item_size);
    atomic_store_explicit(&ring->write_index, write + 1u, memory_order_release);
    return true;
}

/* Consumer: where a drain stops (the write index, read once), so a producer pushing during
 * the drain never holds the consumer in it. */
static inline uint32_t sp_spsc_drain_end(sp_spsc *ring) {
    return atomic_load_explicit(&ring->write_index, memory_order_acquire);
}

/* Consumer: copies out the next item before `end`; false when there is none. */
static inline bool sp_spsc_pop(sp_spsc *ring, void *item, uint32_t end) {
    const uint32_t read = atomic_load_explicit(&ring->read_index, memory_order_relaxed);
    if (read == end) return false;
    memcpy(item, ring->items + (size_t)(read & ring->mask) * ring->item_size, ring->item_size);
    atomic_store_explicit(&ring->read_index, read + 1u, memory_order_release);
    return true;
}

/* Consumer: copies out up to `capacity` items (all pushed so far); how many. */
static inline uint32_t sp_spsc_pop_many(sp_spsc *ring, void *items, uint32_t capacity) {
    const uint32_t read = atomic_load_explicit(&ring->read_index, memory_order_relaxed);
    const uint32_t write = atomic_load_explicit(&ring->write_index, memory_order_acquire);
    uint32_t n = write - read;
    if (n > capacity) n = capacity;
    for (uint32_t i = 0; i < n; i++) {
        memcpy((unsigned char *)items + (size_t)i * ring->item_size,
               ring->items + (size_t)((read + i) & ring->mask) * ring->item_size,
               ring->item_size);
    }
    if (n > 0) atomic_store_explicit(&ring->read_index, read + n, memory_order_release);
    return n;
}

/* Either side: items pushed and not yet popped (a snapshot). */
static inline uint32_t sp_spsc_count(const sp_spsc *ring) {
    sp_spsc *r = (sp_spsc *)ring;
    return atomic_load_explicit(&r->write_index, memory_order_acquire) -
           atomic_load_explicit(&r->read_index, memory_order_acquire);
}

#endif

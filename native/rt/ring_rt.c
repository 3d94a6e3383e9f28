/* rt/ring_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The audio side of a streamed track's ring (ring.c has the protocol, init and the butler's
 * side): reads a window in place, and asks the butler to (re)start from a frame. */
#include "internal.h"

void sp_ring_ask(sp_ring *ring, uint64_t frame) {
    ring->asked_seq++;
    ring->asked_frame = frame;
    ring->consumed = frame;
    atomic_store_explicit(&ring->read_frame, frame, memory_order_relaxed);
    atomic_store_explicit(&ring->request_frame, frame, memory_order_relaxed);
    atomic_store_explicit(&ring->request_seq, ring->asked_seq, memory_order_release);
}

bool sp_ring_window(sp_ring *ring, uint64_t pos, uint32_t count, sp_window *window) {
    if (atomic_load_explicit(&ring->fill_seq, memory_order_acquire) != ring->asked_seq) {
        return false; /* the butler is still on its way to the last request */
    }
    const uint64_t written = atomic_load_explicit(&ring->write_frame, memory_order_acquire);
    if (pos < ring->consumed || pos >= written) return false;
    /* Everything before pos may be overwritten from now on; [pos, written) stays. */
    ring->consumed = pos;
    atomic_store_explicit(&ring->read_frame, pos, memory_order_release);
    const uint32_t index = (uint32_t)(pos & (ring->capacity - 1));
    uint64_t n = written - pos;
    if (n > count) n = count;
    if (n > ring->capacity - index) n = ring->capacity - index;
    window->data = ring->data + index;
    window->stride = ring->capacity;
    window->frames = (uint32_t)n;
    const uint64_t after = written - pos - n;
    const uint32_t to_wrap = ring->capacity - index - (uint32_t)n;
    window->ahead = after < to_wrap ? (uint32_t)after : to_wrap;
    return true;
}

void sp_ring_follow(sp_ring *ring, uint64_t pos) {
    /* On its way there already: within half a ring ahead of what it is filling. Asking again
     * would only restart it further back. */
    const uint64_t slack = ring->capacity / 2;
    if (atomic_load_explicit(&ring->fill_seq, memory_order_acquire) != ring->asked_seq) {
        if (pos < ring->asked_frame || pos > ring->asked_frame + slack) sp_ring_ask(ring, pos);
        return;
    }
    const uint64_t written = atomic_load_explicit(&ring->write_frame, memory_order_acquire);
    if (pos < ring->consumed || pos > written + slack) {
        sp_ring_ask(ring, pos); /* a jump back, or far ahead */
        return;
    }
    if (pos > written) {
        /* The butler fell behind: let it go on (its frames before pos will be skipped). */
        ring->consumed = written;
        atomic_store_explicit(&ring->read_frame, written, memory_order_release);
    }
}

bool sp_ring_answered(const sp_ring *ring) {
    return atomic_load_explicit(&ring->fill_seq, memory_order_acquire) == ring->asked_seq;
}

bool sp_ring_will_hold(const sp_ring *ring, uint64_t pos) {
    return pos >= ring->consumed && pos < ring->consumed + ring->capacity;
}

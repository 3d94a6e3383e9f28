/* ring.c: one track's streamed frames, a single-producer single-consumer ring of planar float32
 * (a power of two of frames per channel). The butler (butler.c) writes, the audio thread reads;
 * each side publishes only its own fields:
 *
 *   audio  -> butler: read_frame (frames before it may be overwritten), request_seq and
 *                     request_frame (play from here: a seek, a jump, a loop going back);
 *   butler -> audio:  fill_seq (the request the contents answer) and write_frame (the end of
 *                     what is written, absolute).
 *
 * The audio side never waits: a window it lacks is "not ready" and the track is silent. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

sp_result sp_ring_init(sp_ring *ring, uint32_t channels, uint32_t min_frames) {
    uint32_t capacity = 1024;
    while (capacity < min_frames && capacity < (1u << 30)) capacity <<= 1;
    ring->data = calloc((size_t)capacity * channels, sizeof(float));
    SP_CHECK(ring->data != NULL, SP_ERROR_OUT_OF_MEMORY);
    ring->channels = channels;
    ring->capacity = capacity;
    atomic_store(&ring->read_frame, 0);
    atomic_store(&ring->request_frame, 0);
    atomic_store(&ring->request_seq, 1); /* the first fill starts at frame 0 */
    atomic_store(&ring->fill_seq, 0);
    atomic_store(&ring->write_frame, 0);
    ring->asked_seq = 1;
    ring->asked_frame = 0;
    ring->consumed = 0;
    return SP_OK;
}

void sp_ring_free(sp_ring *ring) {
    free(ring->data);
    ring->data = NULL;
}

/* ---- audio side -------------------------------------------------------------------------- */

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
    if (!sp_ring_answered(ring)) return true; /* look again once it has */
    return pos >= ring->consumed && pos < ring->consumed + ring->capacity;
}

/* ---- butler side ------------------------------------------------------------------------- */

bool sp_ring_take_request(sp_ring *ring, uint32_t *seq, uint64_t *frame) {
    const uint32_t asked = atomic_load_explicit(&ring->request_seq, memory_order_acquire);
    if (asked == ring->served_seq) return false;
    *seq = asked;
    *frame = atomic_load_explicit(&ring->request_frame, memory_order_relaxed);
    return true;
}

void sp_ring_restart(sp_ring *ring, uint32_t seq, uint64_t frame) {
    ring->served_seq = seq;
    ring->butler_write = frame;
    atomic_store_explicit(&ring->write_frame, frame, memory_order_relaxed);
    atomic_store_explicit(&ring->fill_seq, seq, memory_order_release);
}

uint32_t sp_ring_space(const sp_ring *ring) {
    const uint64_t read = atomic_load_explicit(&ring->read_frame, memory_order_acquire);
    const uint64_t write = ring->butler_write;
    /* A read position from a newer request than the one served: wait for that request. */
    if (read > write || write - read > ring->capacity) return 0;
    return ring->capacity - (uint32_t)(write - read);
}

void sp_ring_write(sp_ring *ring, const float *interleaved, uint32_t frames) {
    const uint32_t channels = ring->channels, mask = ring->capacity - 1;
    for (uint32_t i = 0; i < frames; i++) {
        const uint32_t index = (uint32_t)((ring->butler_write + i) & mask);
        for (uint32_t c = 0; c < channels; c++) {
            ring->data[(size_t)c * ring->capacity + index] = interleaved[(size_t)i * channels + c];
        }
    }
    ring->butler_write += frames;
    atomic_store_explicit(&ring->write_frame, ring->butler_write, memory_order_release);
}

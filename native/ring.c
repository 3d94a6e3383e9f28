/* ring.c: one track's streamed frames, a single-producer single-consumer ring of planar float32
 * (a power of two of frames per channel). The butler (butler.c) writes, the audio thread reads;
 * each side publishes only its own fields:
 *
 *   audio  -> butler: read_frame (frames before it may be overwritten), request_seq and
 *                     request_frame (play from here: a seek, a jump, a loop going back);
 *   butler -> audio:  fill_seq (the request the contents answer) and write_frame (the end of
 *                     what is written, absolute).
 *
 * The audio side never waits: a window it lacks is "not ready" and the track is silent. This
 * file is the control side (init, free) and the butler's; the audio side is rt/ring_rt.c. */
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

/* ---- butler side ------------------------------------------------------------------------- */

bool sp_ring_take_request(const sp_ring *ring, uint32_t *seq, uint64_t *frame) {
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

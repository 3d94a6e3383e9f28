/* source_start.c: a streamed track that starts somewhere other than its top (a key or tempo
 * change while playing: the song prepared again goes on at the playhead's place, so its ring
 * must be filled from there before the callback moves to it), and the control side's view of
 * what its ring holds, to know when the switch may be made. Control thread. */
#include "internal.h"

SP_API sp_result sp_file_source_start_at(sp_file_source *source, uint64_t frame) {
    SP_CHECK(source != NULL && source->ring.data != NULL, SP_ERROR_INVALID_ARGUMENT);
    sp_ring *ring = &source->ring;
    /* Not attached yet: nothing has read or served the ring's first request (from frame 0). */
    SP_CHECK(ring->served_seq == 0 && ring->butler_write == 0, SP_ERROR_INVALID_ARGUMENT);
    const uint64_t frames = sp_stream_frames(source->stream);
    if (frame > frames) frame = frames;
    ring->asked_frame = frame;
    ring->consumed = frame;
    atomic_store_explicit(&ring->read_frame, frame, memory_order_relaxed);
    atomic_store_explicit(&ring->request_frame, frame, memory_order_relaxed);
    source->switch_waits = true;
    return SP_OK; /* attaching publishes it to the reader */
}

SP_API sp_result sp_file_source_ring_state(const sp_file_source *source, uint64_t *out) {
    SP_CHECK(source != NULL && out != NULL && source->ring.data != NULL,
             SP_ERROR_INVALID_ARGUMENT);
    const sp_ring *ring = &source->ring;
    const uint32_t asked = atomic_load_explicit(&ring->request_seq, memory_order_acquire);
    const uint32_t filled = atomic_load_explicit(&ring->fill_seq, memory_order_acquire);
    out[0] = filled == asked;
    out[1] = atomic_load_explicit(&ring->read_frame, memory_order_acquire);
    out[2] = atomic_load_explicit(&ring->write_frame, memory_order_acquire);
    out[3] = ring->capacity;
    out[4] = filled == asked && atomic_load_explicit(&source->failed, memory_order_relaxed);
    return SP_OK;
}

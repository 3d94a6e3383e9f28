/* status.c: what the audio side tells the control side, as one snapshot.
 *
 * The audio side publishes every value at the end of each block under a seqlock (the seq is
 * odd while it writes); sp_engine_status copies them and retries if a write overlapped, so a
 * poll never pairs the position of one block with the group of another. The writer never
 * waits; the reader retries at most while a block's few stores are under way. */
#include "internal.h"

#define RELAXED memory_order_relaxed

void sp_status_publish(sp_engine *engine, const uint64_t *values) {
    sp_status_board *board = &engine->status;
    const uint32_t seq = atomic_load_explicit(&board->seq, RELAXED);
    atomic_store_explicit(&board->seq, seq + 1u, RELAXED);
    atomic_thread_fence(memory_order_release);
    for (uint32_t i = 0; i < SP_STATUS_COUNT; i++) {
        atomic_store_explicit(&board->values[i], values[i], RELAXED);
    }
    atomic_store_explicit(&board->seq, seq + 2u, memory_order_release);
}

void sp_status_read(const sp_engine *engine, uint64_t *out) {
    sp_status_board *board = (sp_status_board *)&engine->status;
    for (;;) {
        const uint32_t before = atomic_load_explicit(&board->seq, memory_order_acquire);
        if (before & 1u) continue; /* a block is publishing right now */
        for (uint32_t i = 0; i < SP_STATUS_COUNT; i++) {
            out[i] = atomic_load_explicit(&board->values[i], RELAXED);
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&board->seq, RELAXED) == before) return;
    }
}

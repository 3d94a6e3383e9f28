/* rt/seqlock.h: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The one seqlock of the shim: a writer that never waits publishes a few 64-bit values (the
 * sequence is odd while it writes), and a reader copies them and checks that no write
 * overlapped. sp_seqlock_try_read is the one reader: it tries once and says whether the copy
 * is whole, so a real-time reader (mtc.c's JACK thread) never spins; the control side retries
 * it (status.c). One writer at a time. */
#ifndef STEMPLAY_RT_SEQLOCK_H
#define STEMPLAY_RT_SEQLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Writer: values[0..count) become src[0..count), as one snapshot. */
static inline void sp_seqlock_write(_Atomic uint32_t *seq, _Atomic uint64_t *values,
                                    const uint64_t *src, uint32_t count) {
    const uint32_t before = atomic_load_explicit(seq, memory_order_relaxed);
    atomic_store_explicit(seq, before + 1u, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (uint32_t i = 0; i < count; i++) {
        atomic_store_explicit(&values[i], src[i], memory_order_relaxed);
    }
    atomic_store_explicit(seq, before + 2u, memory_order_release);
}

/* Reader, one try: out[0..count) from one snapshot, or false when a write was under way (out
 * is then partly written and must not be used). Never waits. */
static inline bool sp_seqlock_try_read(const _Atomic uint32_t *seq,
                                       const _Atomic uint64_t *values, uint64_t *out,
                                       uint32_t count) {
    _Atomic uint32_t *s = (_Atomic uint32_t *)seq;
    _Atomic uint64_t *v = (_Atomic uint64_t *)values;
    const uint32_t before = atomic_load_explicit(s, memory_order_acquire);
    if (before & 1u) return false; /* a write is under way right now */
    for (uint32_t i = 0; i < count; i++) out[i] = atomic_load_explicit(&v[i], memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(s, memory_order_relaxed) == before;
}

#endif

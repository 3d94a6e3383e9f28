/* monitor.c: the latency monitor. The audio side times itself into a fixed ring only when
 * enabled; the control side copies the ring out without ever making the audio side wait. */
#include <string.h>
#include <time.h>

#include "internal.h"

#define SLOT_MASK (SP_MONITOR_SLOTS - 1u)
#define RELAXED memory_order_relaxed

/* CLOCK_MONOTONIC is served by the vDSO on Linux: no system call. */
uint64_t sp_monitor_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Audio thread: one slot per timed callback. `block` is this block's number (blocks_begun
 * before it), so an interval is only measured from a block that was itself timed. */
void sp_monitor_record(sp_engine *engine, uint64_t block, uint64_t start_ns, uint32_t frames) {
    sp_monitor *m = &engine->monitor;
    const uint64_t end_ns = sp_monitor_now_ns();
    const uint64_t duration = end_ns - start_ns;
    const bool follows_timed = m->last_start_ns != 0 && m->last_block + 1 == block;
    const uint64_t interval = follows_timed ? start_ns - m->last_start_ns : 0; /* 0: unknown */
    const uint64_t budget_ns = (uint64_t)frames * 1000000000ull / engine->sample_rate;
    const uint64_t index = atomic_load_explicit(&m->write_index, RELAXED);

    /* Counted before the slot is published, so a reader that sees the slot sees its overrun. */
    if (duration * 5 > budget_ns * 4) atomic_fetch_add_explicit(&m->overruns, 1, RELAXED);
    /* Seqlock writer: announce the slot, then write it. The fence makes a reader that sees
     * any new slot value also see write_begun > index, so it drops the overwritten slot. */
    atomic_store_explicit(&m->write_begun, index + 1, RELAXED);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&m->durations_ns[index & SLOT_MASK],
                          duration > UINT32_MAX ? UINT32_MAX : (uint32_t)duration, RELAXED);
    atomic_store_explicit(&m->intervals_ns[index & SLOT_MASK],
                          interval > UINT32_MAX ? UINT32_MAX : (uint32_t)interval, RELAXED);
    atomic_store_explicit(&m->write_index, index + 1, memory_order_release);
    m->last_start_ns = start_ns;
    m->last_block = block;
}

#ifdef SP_TEST_HOOKS
static uint64_t thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The tests' known loads, after the block's real work:
 * - cpu_load_ns: busy-waits until this thread has run that much more CPU time, so any pause of
 *   the thread (being descheduled) adds to the callback's duration in full;
 * - spin_ns: busy-waits until the callback has lasted that long in wall time (from start_ns,
 *   or from now when the monitor is off), so its duration is known exactly.
 * Test builds only: the CPU-time clock is a system call. */
void sp_test_spin(sp_engine *engine, uint64_t start_ns) {
    const uint32_t cpu = atomic_load_explicit(&engine->monitor.cpu_load_ns, RELAXED);
    if (cpu != 0) {
        const uint64_t from = thread_cpu_ns();
        while (thread_cpu_ns() - from < cpu) {
        }
    }
    const uint32_t spin = atomic_load_explicit(&engine->monitor.spin_ns, RELAXED);
    if (spin == 0) return;
    const uint64_t from = start_ns ? start_ns : sp_monitor_now_ns();
    while (sp_monitor_now_ns() - from < spin) {
    }
}
#endif

/* Sets one of the known loads; only the test build has them. */
static sp_result set_test_load(_Atomic uint32_t *load, uint32_t ns) {
#ifdef SP_TEST_HOOKS
    atomic_store_explicit(load, ns, RELAXED);
    return SP_OK;
#else
    (void)load;
    (void)ns;
    return SP_ERROR_UNSUPPORTED;
#endif
}

SP_API sp_result sp_test_set_spin_ns(sp_engine *engine, uint32_t ns) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    return set_test_load(&engine->monitor.spin_ns, ns);
}

SP_API sp_result sp_test_set_cpu_load_ns(sp_engine *engine, uint32_t ns) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    return set_test_load(&engine->monitor.cpu_load_ns, ns);
}

SP_API sp_result sp_monitor_set_enabled(sp_engine *engine, int32_t enabled) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
#ifdef SP_NO_MONITOR
    return enabled ? SP_ERROR_UNSUPPORTED : SP_OK;
#else
    atomic_store_explicit(&engine->monitor.enabled, enabled ? 1 : 0, RELAXED);
    return SP_OK;
#endif
}

SP_API int32_t sp_monitor_enabled(const sp_engine *engine) {
    if (engine == NULL) return 0;
    return atomic_load_explicit(&engine->monitor.enabled, RELAXED);
}

/* Resets by moving the control side's bases: the audio side's counters are never written
 * from here. The index is read first: a block racing with the reset may have its overrun
 * counted in the base but its slot in the new window (an undercount of at most one). */
SP_API sp_result sp_monitor_reset(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    sp_monitor *m = &engine->monitor;
    m->base_index = atomic_load_explicit(&m->write_index, memory_order_acquire);
    m->base_overruns = atomic_load_explicit(&m->overruns, RELAXED);
    return SP_OK;
}

SP_API sp_result sp_monitor_read(const sp_engine *engine, uint32_t *durations_ns,
                                 uint32_t *intervals_ns, uint32_t capacity, uint64_t *counters,
                                 uint32_t *out_count) {
    SP_CHECK(engine != NULL && durations_ns != NULL && intervals_ns != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(counters != NULL && out_count != NULL, SP_ERROR_INVALID_ARGUMENT);
    const sp_monitor *m = &engine->monitor;

    const uint64_t end = atomic_load_explicit(&m->write_index, memory_order_acquire);
    uint64_t window = end - m->base_index;
    if (window > SP_MONITOR_SLOTS) window = SP_MONITOR_SLOTS;
    if (window > capacity) window = capacity;
    const uint64_t first = end - window;
    for (uint64_t i = first; i < end; i++) {
        durations_ns[i - first] = atomic_load_explicit(&m->durations_ns[i & SLOT_MASK], RELAXED);
        intervals_ns[i - first] = atomic_load_explicit(&m->intervals_ns[i & SLOT_MASK], RELAXED);
    }
    atomic_thread_fence(memory_order_acquire);
    /* Slots the writer reached again during the copy (begun, maybe not finished) hold newer
     * values: drop them. With no write in flight the whole ring is kept. */
    const uint64_t begun = atomic_load_explicit(&m->write_begun, RELAXED);
    const uint64_t after = atomic_load_explicit(&m->write_index, memory_order_acquire);
    const uint64_t oldest_intact = begun > SP_MONITOR_SLOTS ? begun - SP_MONITOR_SLOTS : 0;
    uint64_t dropped = oldest_intact > first ? oldest_intact - first : 0;
    if (dropped > window) dropped = window;
    const uint64_t kept = window - dropped;
    if (dropped) {
        memmove(durations_ns, durations_ns + dropped, kept * sizeof(uint32_t));
        memmove(intervals_ns, intervals_ns + dropped, kept * sizeof(uint32_t));
    }

    /* Every slot up to `after` has its overrun counted (counted before published); a block in
     * flight may add one more, so overruns are capped at the callbacks they belong to. */
    const uint64_t callbacks = after - m->base_index;
    const uint64_t overruns = atomic_load_explicit(&m->overruns, RELAXED) - m->base_overruns;
    counters[SP_MONITOR_CALLBACKS] = callbacks;
    counters[SP_MONITOR_OVERRUNS] = overruns < callbacks ? overruns : callbacks;
    counters[SP_MONITOR_WRITE_INDEX] = end - m->base_index;
    *out_count = (uint32_t)kept;
    return SP_OK;
}

/* rt/monitor_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The latency monitor's audio side (monitor.c has the control side): the clock, one ring slot
 * per timed callback, and (test builds only) the tests' known loads. */
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

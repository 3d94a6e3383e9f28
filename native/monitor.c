/* monitor.c: the latency monitor, control side. The audio side (rt/monitor_rt.c) times itself
 * into a fixed ring only when enabled; the control side copies the ring out without ever
 * making the audio side wait. */
#include <string.h>

#include "internal.h"

#define SLOT_MASK (SP_MONITOR_SLOTS - 1u)
#define RELAXED memory_order_relaxed

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

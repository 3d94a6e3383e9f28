/* buses.c: the control side of buses. A bus is JS's idea (a name, its outputs, protected or
 * not); the callback only sees what it needs: per-track "protected" (ignores solo), and per
 * output a gain and a "protected" flag the show fade skips. */
#include <math.h>

#include "internal.h"

#define RELAXED memory_order_relaxed

void sp_buses_init(sp_engine *engine) {
    for (uint32_t o = 0; o < SP_MAX_CHANNELS; o++) {
        atomic_store_explicit(&engine->output_gain[o], 1.0f, RELAXED);
        atomic_store_explicit(&engine->output_protected[o], 0, RELAXED);
        atomic_store_explicit(&engine->output_clipped[o], 0, RELAXED);
        engine->output_applied[o] = 1.0f;
    }
}

SP_API sp_result sp_track_set_protected(sp_engine *engine, uint32_t slot, int32_t on) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(slot < engine->capacity, SP_ERROR_SLOT);
    sp_slot *s = &engine->slots[slot];
    SP_CHECK(s->lifecycle == SLOT_RESERVED || s->lifecycle == SLOT_LIVE, SP_ERROR_SLOT);
    atomic_store_explicit(&s->protected_track, on ? 1 : 0, RELAXED);
    return SP_OK;
}

SP_API sp_result sp_output_set_gain(sp_engine *engine, uint32_t output, float gain) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(output < engine->channels, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(isfinite(gain) && gain >= 0.0f && gain <= SP_MAX_GAIN, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->output_gain[output], gain, RELAXED);
    return SP_OK;
}

SP_API sp_result sp_output_set_protected(sp_engine *engine, uint32_t output, int32_t on) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(output < engine->channels, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->output_protected[output], on ? 1 : 0, RELAXED);
    return SP_OK;
}

SP_API sp_result sp_output_peaks_read(sp_engine *engine, float *out, uint32_t count) {
    SP_CHECK(engine != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t o = 0; o < count && o < engine->channels; o++) {
        out[o] = atomic_exchange_explicit(&engine->output_peak[o], 0.0f, RELAXED);
    }
    return SP_OK;
}

SP_API sp_result sp_output_clipped_read(const sp_engine *engine, uint64_t *out, uint32_t count) {
    SP_CHECK(engine != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    for (uint32_t o = 0; o < count; o++) {
        out[o] = o < engine->channels
                     ? atomic_load_explicit((_Atomic uint64_t *)&engine->output_clipped[o], RELAXED)
                     : 0;
    }
    return SP_OK;
}

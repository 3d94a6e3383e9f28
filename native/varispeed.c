/* varispeed.c: the control side of rt/varispeed_rt.c: the buffer (allocated with the engine,
 * so turning varispeed on never allocates on the way), the ratio, and the clock the status's
 * callback times are on. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

sp_result sp_varispeed_allocate(sp_engine *engine) {
    /* A block at +0.1 % needs block_frames * 1.001 frames, plus the cubic's 3 neighbours. */
    const size_t frames = (size_t)engine->block_frames + engine->block_frames / 512u + 8u;
    engine->varispeed.buf = calloc(frames * engine->channels, sizeof(float));
    return engine->varispeed.buf != NULL ? SP_OK : SP_ERROR_OUT_OF_MEMORY;
}

void sp_varispeed_free(sp_engine *engine) {
    free(engine->varispeed.buf);
    engine->varispeed.buf = NULL;
}

SP_API sp_result sp_engine_set_varispeed(sp_engine *engine, double ppm) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(isfinite(ppm) && fabs(ppm) <= SP_MAX_VARISPEED_PPM, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->varispeed.ppm, ppm, memory_order_relaxed);
    atomic_store_explicit(&engine->varispeed.on, 1, memory_order_release);
    return SP_OK;
}

SP_API sp_result sp_engine_set_heartbeat(sp_engine *engine, int32_t output, float level) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(output >= -1 && output < (int32_t)engine->channels, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(output == -1 || (isfinite(level) && level > 0.0f && level <= 1.0f),
             SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->heartbeat.level, output >= 0 ? level : 0.0f, memory_order_relaxed);
    atomic_store_explicit(&engine->heartbeat.output, output, memory_order_relaxed);
    return SP_OK;
}

SP_API uint64_t sp_clock_now_ns(void) {
    return sp_monitor_now_ns();
}

/* offline.c: an offline engine's render, control side. There is no audio thread: sp_render
 * runs the callback's code (rt/) on the caller's thread. What only an offline render may do,
 * and the audio thread never does, lives here, not in rt/:
 *
 * - waiting for the reader thread: a streamed track whose frames are on their way is waited
 *   for (so that a render is the same every time), where a device's callback would play it
 *   silent. rt/source_rt.c calls sp_offline_wait through the source's offline_wait, which only
 *   an offline engine's sources have;
 * - draining the command ring from the control side between renders (tracks.c), so a track
 *   removed while silent is free at once. */
#include <time.h>

#include "internal.h"

/* Test hook: offline renders do not wait either (they behave like the audio thread). */
_Atomic int32_t sp_test_no_wait;

/* Offline renders only: whether pos will be in the ring without a new request. */
static bool ring_will_hold(const sp_ring *ring, uint64_t pos) {
    if (!sp_ring_answered(ring)) return true; /* look again once it has */
    return pos >= ring->consumed && pos < ring->consumed + ring->capacity;
}

/* Offline only: whether what `voice` lacks at pos is on its way (so waiting ends). Reads
 * rt/source_rt.c and rt/ring_rt.c's state, read here by the thread that renders. */
static bool worth_waiting(sp_source *source, uint64_t pos, int voice) {
    sp_file_source *file = source->file;
    if (sp_file_source_request_failed(file)) return false;
    if (sp_file_source_head_at(file, pos, SP_HEAD_PENDING) != NULL) return true; /* being decoded */
    if (voice == SP_VOICE_HEADS) return false;
    return voice == SP_VOICE_MAIN || ring_will_hold(&file->ring, pos);
}

bool sp_offline_wait(sp_source *source, uint64_t pos, int voice) {
    /* A pcm still being rendered (stretch_fill.c) gets every frame, in time. */
    if (source->kind == SP_SOURCE_STREAM && !worth_waiting(source, pos, voice)) return false;
    if (atomic_load_explicit(&sp_test_no_wait, memory_order_relaxed)) return false;
    const struct timespec pause = {0, 200000L};
    nanosleep(&pause, NULL);
    return true;
}

void sp_offline_drain(sp_engine *engine) {
    if (engine->offline) sp_take_commands(engine);
}

/* sp_render runs on the caller's (JS) thread: it flushes denormals like miniaudio does around
 * its device callback, and gives the thread its own state back afterwards. */
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__SSE2__) || defined(_MSC_VER))
#include <xmmintrin.h>
/* MXCSR bits: flush-to-zero (15) and denormals-are-zero (6). */
#define SP_FTZ_DAZ 0x8040u

uint32_t sp_denormals_off(void) {
    const uint32_t saved = _mm_getcsr();
    _mm_setcsr(saved | SP_FTZ_DAZ);
    return saved;
}

void sp_denormals_restore(uint32_t saved) {
    _mm_setcsr(saved);
}
#else
uint32_t sp_denormals_off(void) {
    return 0;
}

void sp_denormals_restore(uint32_t saved) {
    (void)saved;
}
#endif

void sp_offline_render(sp_engine *engine, float *out, uint32_t frames) {
    sp_render_output(engine, out, frames);
}

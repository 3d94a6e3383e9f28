/* show.c: what a band leader asks for, on exact frames. One armed cue (jump at a frame to a
 * frame of a group, crossfaded or cut, once or repeating), the voices fading out while
 * crossfades run, and an equal-power fade of the whole mix.
 *
 * This file is the control side: sp_transport_cue / cancel_cue / fade push commands
 * (commands.c). The audio side (the sp_show_* functions, called from rt/callback.c) is
 * rt/show_rt.c. */
#include "internal.h"

#define MAX_FADE_FRAMES (768000u * 600u) /* ten minutes at the highest rate */

/* The shortest loop: two declick seams, so a seam's crossfade never overlaps the next seam. */
static uint64_t min_loop_frames(const sp_engine *engine) {
    return 2ull * engine->fade_frames;
}

static sp_result push_cue(sp_engine *engine, uint16_t type, uint16_t flags, uint64_t at,
                          uint32_t group, uint64_t target, uint32_t crossfade) {
    const sp_command command = {.type = type,
                                .flags = flags,
                                .group = group,
                                .frame = at,
                                .target = target,
                                .length = crossfade,
                                .seq = engine->show.control_cue_seq + 1u};
    const sp_result result = sp_command_push(engine, &command);
    if (result == SP_OK) engine->show.control_cue_seq++;
    return result;
}

SP_API sp_result sp_transport_cue(sp_engine *engine, uint64_t at_frame, uint32_t group,
                                  uint64_t target_frame, uint32_t crossfade_frames,
                                  int32_t repeat) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(at_frame <= SP_MAX_FRAME && target_frame <= SP_MAX_FRAME,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(group < SP_GROUP_CURRENT, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(crossfade_frames <= MAX_FADE_FRAMES, SP_ERROR_INVALID_ARGUMENT);
    /* A repeating cue must land before its own frame, at least two seams back (a shorter
     * loop would fire every few frames and click at every seam). */
    SP_CHECK(!repeat || (target_frame < at_frame && at_frame - target_frame >=
                                                        min_loop_frames(engine)),
             SP_ERROR_INVALID_ARGUMENT);
    const sp_result result = push_cue(engine, SP_COMMAND_CUE, repeat ? SP_COMMAND_REPEAT : 0,
                                      at_frame, group, target_frame, crossfade_frames);
    if (result == SP_OK) {
        /* The head it lands in goes first among the readers' heads (a jump soon after a key
         * change, while every head of the song is stretched again). */
        atomic_store_explicit(&engine->cue_head_group, group, memory_order_relaxed);
        atomic_store_explicit(&engine->cue_head_frame, target_frame + 1, memory_order_relaxed);
        /* Its own seq: when it fires (before this store, perhaps) the hint is void, and the
         * same jump fired just before it was armed voids nothing. */
        atomic_store_explicit(&engine->cue_head_seq, engine->show.control_cue_seq,
                              memory_order_relaxed);
    }
    return result;
}

SP_API sp_result sp_transport_cancel_cue(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    const sp_result result = push_cue(engine, SP_COMMAND_CANCEL_CUE, 0, 0, 0, 0, 0);
    if (result == SP_OK) atomic_store_explicit(&engine->cue_head_frame, 0, memory_order_relaxed);
    return result;
}

SP_API sp_result sp_transport_fade(sp_engine *engine, int32_t direction, uint32_t frames) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(direction == 0 || direction == 1, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(frames <= MAX_FADE_FRAMES, SP_ERROR_INVALID_ARGUMENT);
    const sp_command command = {
        .type = SP_COMMAND_FADE, .flags = (uint16_t)direction, .length = frames};
    return sp_command_push(engine, &command);
}

SP_API uint32_t sp_min_loop_frames(const sp_engine *engine) {
    return engine == NULL ? 0 : (uint32_t)min_loop_frames(engine);
}

/* The fixed point the speeds cross the command ring in: exact for any double of 0.5 ... 2
 * to 2^-40, far below a frame over the longest song. */
#define SPEED_ONE ((double)(1ull << 40))

SP_API sp_result sp_transport_retime(sp_engine *engine, uint32_t group, double from_speed,
                                     double to_speed, uint32_t crossfade_frames) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(group < SP_GROUP_CURRENT, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(from_speed >= 0.25 && from_speed <= 4.0 && to_speed >= 0.25 && to_speed <= 4.0,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(crossfade_frames <= MAX_FADE_FRAMES, SP_ERROR_INVALID_ARGUMENT);
    const sp_command command = {.type = SP_COMMAND_RETIME,
                                .group = group,
                                .frame = (uint64_t)(from_speed * SPEED_ONE + 0.5),
                                .target = (uint64_t)(to_speed * SPEED_ONE + 0.5),
                                .length = crossfade_frames};
    return sp_command_push(engine, &command);
}

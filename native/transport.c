/* transport.c: play, pause, stop, seek and song switch as requests to the audio thread.
 *
 * A jump is one 64-bit atomic (frame in the low 40 bits, group in the high 24) so the audio
 * side can never see a frame of one request with the group of another; jump_seq tells it a
 * new request is there. The run request is a separate level: what the user wants now. */
#include "internal.h"

#define FRAME_BITS 40u
#define FRAME_MASK ((1ull << FRAME_BITS) - 1u)
#define GROUP_LIMIT (1u << 24)
/* A jump within whatever group is playing when the audio side takes it: a seek or stop must
 * follow a song change made by a cue (setlist transition, count-in), not the last request. */
#define GROUP_CURRENT (GROUP_LIMIT - 1u)

uint64_t sp_pack_jump(uint64_t frame, uint32_t group) {
    return ((uint64_t)group << FRAME_BITS) | (frame & FRAME_MASK);
}

void sp_unpack_jump(uint64_t packed, uint64_t *frame, uint32_t *group) {
    *frame = packed & FRAME_MASK;
    *group = (uint32_t)(packed >> FRAME_BITS);
}

bool sp_jump_keeps_group(uint32_t group) {
    return group == GROUP_CURRENT;
}

static sp_result request_jump(sp_engine *engine, uint64_t frame, uint32_t group) {
    SP_CHECK(frame <= FRAME_MASK, SP_ERROR_INVALID_ARGUMENT);
    /* One request slot: a song switch the audio side has not taken yet must not be lost
     * under a seek or stop that follows it, so that seek carries the switch's group. */
    const uint32_t taken = atomic_load_explicit(&engine->jump_seq_taken, memory_order_acquire);
    if (group == GROUP_CURRENT && (int32_t)(taken - engine->control_switch_seq) < 0) {
        group = engine->control_switch_group;
    }
    atomic_store_explicit(&engine->jump_request, sp_pack_jump(frame, group), memory_order_relaxed);
    engine->control_jump_seq++;
    if (group != GROUP_CURRENT) {
        engine->control_switch_seq = engine->control_jump_seq;
        engine->control_switch_group = group;
    }
    atomic_store_explicit(&engine->jump_seq, engine->control_jump_seq, memory_order_release);
    return SP_OK;
}

SP_API sp_result sp_transport_play(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->run_request, RUN_PLAY, memory_order_release);
    sp_show_note_play(engine);
    return SP_OK;
}

SP_API sp_result sp_transport_pause(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->run_request, RUN_PAUSE, memory_order_release);
    return SP_OK;
}

SP_API sp_result sp_transport_stop(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->run_request, RUN_STOP, memory_order_release);
    return request_jump(engine, 0, GROUP_CURRENT);
}

SP_API sp_result sp_transport_seek(sp_engine *engine, uint64_t frame) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    return request_jump(engine, frame, GROUP_CURRENT);
}

SP_API sp_result sp_transport_switch(sp_engine *engine, uint32_t group, uint64_t frame) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(group < GROUP_CURRENT, SP_ERROR_INVALID_ARGUMENT);
    return request_jump(engine, frame, group);
}

/* rt/retime_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * A key or tempo change while playing (SP_COMMAND_RETIME, src/songs/key_tempo_change.ts): the
 * current song was prepared again at another key and tempo in its own group; at the block
 * boundary where the command is drained, play moves to that group at the same musical place
 * (the position times old speed / new speed, computed here, so the mapping is exact whatever
 * the control side last saw) and the old key fades out under it with equal-gain weights (the
 * same music on both sides: an equal-power fade would swell it by 3 dB). Commands after it in
 * the ring (a seek, a stop) apply to the new song. */
#include "internal.h"

static uint64_t mapped(uint64_t frame, double ratio) {
    return (uint64_t)((double)frame * ratio + 0.5);
}

void sp_retime(sp_engine *engine, const sp_command *command) {
    if (command->target == 0) return;
    const double ratio = (double)command->frame / (double)command->target;
    const uint32_t group = command->group;
    if (engine->jump_pending) {
        /* A seek fading out in the old song lands at its mapped place in the new one. */
        if (engine->jump_group == SP_GROUP_CURRENT || engine->jump_group == engine->group) {
            engine->jump_group = group;
            engine->jump_frame = mapped(engine->jump_frame, ratio);
        }
        return;
    }
    const bool sounding = engine->run == RUN_PLAY && !engine->show.faded_out &&
                          !engine->is_ended && engine->envelope > 0.0f && command->length > 0;
    if (sounding) sp_show_begin_tail(engine, command->length, true);
    engine->group = group;
    engine->pos = mapped(engine->pos, ratio);
}

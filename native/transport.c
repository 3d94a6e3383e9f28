/* transport.c: play, pause, stop, seek and song switch, pushed as commands (commands.c) that
 * the audio thread applies in order at the start of its next block. */
#include "internal.h"

static sp_result push(sp_engine *engine, uint16_t type, uint32_t group, uint64_t frame) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(frame <= SP_MAX_FRAME, SP_ERROR_INVALID_ARGUMENT);
    const sp_command command = {.type = type, .group = group, .frame = frame};
    return sp_command_push(engine, &command);
}

SP_API sp_result sp_transport_play(sp_engine *engine) {
    return push(engine, SP_COMMAND_PLAY, 0, 0);
}

SP_API sp_result sp_transport_pause(sp_engine *engine) {
    return push(engine, SP_COMMAND_PAUSE, 0, 0);
}

SP_API sp_result sp_transport_stop(sp_engine *engine) {
    return push(engine, SP_COMMAND_STOP, 0, 0);
}

SP_API sp_result sp_transport_seek(sp_engine *engine, uint64_t frame) {
    return push(engine, SP_COMMAND_SEEK, 0, frame);
}

SP_API sp_result sp_transport_switch(sp_engine *engine, uint32_t group, uint64_t frame) {
    SP_CHECK(group < SP_GROUP_CURRENT, SP_ERROR_INVALID_ARGUMENT);
    return push(engine, SP_COMMAND_SWITCH, group, frame);
}

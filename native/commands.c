/* commands.c: the one path of requests from the control thread to the audio thread, control
 * side.
 *
 * A single-producer single-consumer ring of fixed-size commands (rt/spsc.h). Control pushes
 * here; the audio side pops every command at the start of a block (rt/commands_rt.c) and
 * applies them in order, each exactly once (rt/callback.c). Ordering holds by construction: a
 * seek pushed after a song switch is applied after it.
 *
 * Control side: one control thread at a time (stemplay.h). */
#include "internal.h"

void sp_commands_init(sp_engine *engine) {
    sp_spsc_init(&engine->commands.ring, engine->commands.items, sizeof(sp_command),
                 SP_COMMAND_SLOTS);
}

sp_result sp_command_push(sp_engine *engine, const sp_command *command) {
    /* Full: the audio side has not run for 256 requests (no device, or no render). */
    return sp_spsc_push(&engine->commands.ring, command) ? SP_OK : SP_ERROR_BUSY;
}

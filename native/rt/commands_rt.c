/* rt/commands_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The audio side of the command ring (commands.c pushes): a drain reads the write index once,
 * then pops one command at a time up to it. */
#include "internal.h"

uint32_t sp_command_drain_end(sp_engine *engine) {
    return sp_spsc_drain_end(&engine->commands.ring);
}

bool sp_command_pop(sp_engine *engine, sp_command *command, uint32_t end) {
    return sp_spsc_pop(&engine->commands.ring, command, end);
}

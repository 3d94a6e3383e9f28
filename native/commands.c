/* commands.c: the one path of requests from the control thread to the audio thread.
 *
 * A single-producer single-consumer ring of fixed-size commands (PortAudio's ring idea: a
 * power-of-two mask, each side publishes its own index). Control pushes; the audio side pops
 * every command at the start of a block and applies them in order, each exactly once. Ordering
 * holds by construction: a seek pushed after a song switch is applied after it.
 *
 * Control side: one control thread at a time (stemplay.h). Audio side: no lock, no wait. */
#include "internal.h"

sp_result sp_command_push(sp_engine *engine, const sp_command *command) {
    sp_command_ring *ring = &engine->commands;
    const uint32_t write = atomic_load_explicit(&ring->write_index, memory_order_relaxed);
    const uint32_t read = atomic_load_explicit(&ring->read_index, memory_order_acquire);
    /* Full: the audio side has not run for 256 requests (no device, or no render). */
    if (write - read >= SP_COMMAND_SLOTS) return SP_ERROR_BUSY;
    ring->items[write & (SP_COMMAND_SLOTS - 1u)] = *command;
    atomic_store_explicit(&ring->write_index, write + 1u, memory_order_release);
    return SP_OK;
}

uint32_t sp_command_drain_end(sp_engine *engine) {
    return atomic_load_explicit(&engine->commands.write_index, memory_order_acquire);
}

bool sp_command_pop(sp_engine *engine, sp_command *command, uint32_t end) {
    sp_command_ring *ring = &engine->commands;
    const uint32_t read = atomic_load_explicit(&ring->read_index, memory_order_relaxed);
    if (read == end) return false;
    *command = ring->items[read & (SP_COMMAND_SLOTS - 1u)];
    atomic_store_explicit(&ring->read_index, read + 1u, memory_order_release);
    return true;
}

/* status.c: what the audio side tells the control side, as one snapshot, control side.
 *
 * The audio side publishes every value at the end of each block under a seqlock
 * (rt/status_rt.c, rt/seqlock.h); sp_engine_status copies them and tries again if a write
 * overlapped, so a poll never pairs the position of one block with the group of another. The
 * writer never waits; the reader retries at most while a block's few stores are under way. */
#include "internal.h"

void sp_status_read(const sp_engine *engine, uint64_t *out) {
    while (!sp_status_try_read(engine, out)) {
    }
}

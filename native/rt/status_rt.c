/* rt/status_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * The status snapshot (status.c has the control side): published once per block under the
 * seqlock (rt/seqlock.h); a reader that must not spin (mtc.c's JACK thread) tries once. */
#include "internal.h"

void sp_status_publish(sp_engine *engine, const uint64_t *values) {
    sp_seqlock_write(&engine->status.seq, engine->status.values, values, SP_STATUS_COUNT);
}

bool sp_status_try_read(const sp_engine *engine, uint64_t *out) {
    return sp_seqlock_try_read(&engine->status.seq, engine->status.values, out, SP_STATUS_COUNT);
}

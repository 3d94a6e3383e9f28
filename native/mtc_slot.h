/* mtc_slot.h: one slot of MTC's group table (mtc.h) as one 64-bit word, so the control side
 * rewrites it with one store and the JACK or audio thread reads it with one load: a slot reused
 * for another song while it is read gives the old song or the new one whole, never one's hour
 * with the other's speed. Bits 63..32: group + 1 (0: empty, so group UINT32_MAX cannot be
 * mapped); 31..27: the hour; 26..0: the speed in units of 2^-24 (0.25 .. 4, 1 exactly). */
#ifndef STEMPLAY_MTC_SLOT_H
#define STEMPLAY_MTC_SLOT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#define MTC_SPEED_UNIT 16777216.0 /* 2^24 */

static inline uint64_t sp_mtc_slot_pack(uint32_t group, uint32_t hour, double speed) {
    const uint64_t units = (uint64_t)llround(speed * MTC_SPEED_UNIT);
    return ((uint64_t)group + 1) << 32 | (uint64_t)(hour & 31u) << 27 | (units & 0x7FFFFFFu);
}

static inline bool sp_mtc_slot_is(uint64_t slot, uint32_t group) {
    return slot >> 32 == (uint64_t)group + 1;
}

static inline int64_t sp_mtc_slot_hour(uint64_t slot) { return (int64_t)((slot >> 27) & 31u); }

static inline double sp_mtc_slot_speed(uint64_t slot) {
    return (double)(slot & 0x7FFFFFFu) / MTC_SPEED_UNIT;
}

#endif

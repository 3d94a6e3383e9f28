/* timecode.h: SMPTE frame rates and labels, shared by LTC (ltc.c) and MTC (mtc.c). Not part of
 * the ABI. */
#ifndef STEMPLAY_TIMECODE_H
#define STEMPLAY_TIMECODE_H

#include "internal.h"

typedef struct {
    uint32_t num, den; /* frames per second as a fraction: 30000/1001 for 29.97 */
    uint32_t nominal;  /* frame labels per second: 24, 25 or 30 */
    bool drop;         /* drop-frame labels (29.97) */
    uint8_t mtc_code;  /* MTC's rate code: 0 = 24, 1 = 25, 2 = 29.97 drop-frame, 3 = 30 */
} sp_tc_rate;

typedef struct {
    uint32_t hours, minutes, seconds, frames;
} sp_tc_label;

/* The rate of fps_x100 (2400, 2500, 2997, 3000); false for any other. */
bool sp_tc_rate_of(uint32_t fps_x100, sp_tc_rate *rate);
/* Frames in one hour of labels: 29.97 drop-frame skips labels 00 and 01 of every minute but
 * each tenth, 108000 - 108 = 107892. */
int64_t sp_tc_frames_per_hour(const sp_tc_rate *rate);
/* The label of frame `count` since 00:00:00:00, wrapped at 24 hours. */
sp_tc_label sp_tc_label_of(const sp_tc_rate *rate, int64_t count);
/* floor(a / b) for b > 0. */
int64_t sp_tc_floor_div(int64_t a, int64_t b);

#endif

/* timecode.c: SMPTE frame rates and labels (see timecode.h). */
#include "timecode.h"

bool sp_tc_rate_of(uint32_t fps_x100, sp_tc_rate *rate) {
    switch (fps_x100) {
    case 2400: *rate = (sp_tc_rate){24, 1, 24, false, 0}; return true;
    case 2500: *rate = (sp_tc_rate){25, 1, 25, false, 1}; return true;
    case 2997: *rate = (sp_tc_rate){30000, 1001, 30, true, 2}; return true;
    case 3000: *rate = (sp_tc_rate){30, 1, 30, false, 3}; return true;
    default: return false;
    }
}

int64_t sp_tc_floor_div(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t sp_tc_frames_per_hour(const sp_tc_rate *rate) {
    return rate->drop ? 107892 : (int64_t)rate->nominal * 3600;
}

sp_tc_label sp_tc_label_of(const sp_tc_rate *rate, int64_t count) {
    const int64_t day = sp_tc_frames_per_hour(rate) * 24;
    count %= day;
    if (count < 0) count += day;
    if (rate->drop) {
        /* Add back the dropped labels: 18 per ten minutes, 2 per minute after the first. */
        const int64_t tens = count / 17982, rest = count % 17982;
        count += 18 * tens + (rest < 2 ? 0 : 2 * ((rest - 2) / 1798));
    }
    const int64_t n = rate->nominal;
    return (sp_tc_label){(uint32_t)(count / (n * 3600)), (uint32_t)(count / (n * 60) % 60),
                         (uint32_t)(count / n % 60), (uint32_t)(count % n)};
}

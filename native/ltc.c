/* ltc.c: SMPTE linear timecode (SMPTE 12M) rendered into pcm on the control thread, for one
 * song's timeline. Like the generated click it plays as an ordinary track of the song, so every
 * seek, jump, loop and song change moves it with the music and the callback needs no timecode
 * logic of its own.
 *
 * The sample at song frame s belongs to LTC frame floor(s * fps / rate): LTC frame n starts on
 * song frame ceil(n * rate / fps), so the song's first frame is the start of hour `hour`, frame
 * 00. `first_frame` may be negative (a pre-roll before the song: the hour before).
 *
 * Each LTC frame carries an even number of ones (the polarity correction bit), so biphase mark
 * starts every frame on the same level and a frame's waveform depends on its own bits only:
 * rendering can start at any frame. */
#include <string.h>

#include "internal.h"

#define LTC_BITS 80
#define HALF_BITS (2 * LTC_BITS)

typedef struct {
    uint32_t num, den;   /* frames per second as a fraction: 30000/1001 for 29.97 */
    uint32_t nominal;    /* frame labels per second: 24, 25 or 30 */
    bool drop;           /* drop-frame labels (29.97) */
} ltc_rate;

static bool ltc_rate_of(uint32_t fps_x100, ltc_rate *rate) {
    switch (fps_x100) {
    case 2400: *rate = (ltc_rate){24, 1, 24, false}; return true;
    case 2500: *rate = (ltc_rate){25, 1, 25, false}; return true;
    case 2997: *rate = (ltc_rate){30000, 1001, 30, true}; return true;
    case 3000: *rate = (ltc_rate){30, 1, 30, false}; return true;
    default: return false;
    }
}

static int64_t floor_div(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Frames in one hour of labels: 29.97 drop-frame skips labels 00 and 01 of every minute but
 * each tenth, 108000 - 108 = 107892. */
static int64_t frames_per_hour(const ltc_rate *rate) {
    return rate->drop ? 107892 : (int64_t)rate->nominal * 3600;
}

typedef struct {
    uint32_t hours, minutes, seconds, frames;
} ltc_label;

/* The label of frame `count` since 00:00:00:00, wrapped at 24 hours. */
static ltc_label label_of(const ltc_rate *rate, int64_t count) {
    const int64_t day = frames_per_hour(rate) * 24;
    count %= day;
    if (count < 0) count += day;
    if (rate->drop) {
        /* Add back the dropped labels: 18 per ten minutes, 2 per minute after the first. */
        const int64_t tens = count / 17982, rest = count % 17982;
        count += 18 * tens + (rest < 2 ? 0 : 2 * ((rest - 2) / 1798));
    }
    const int64_t n = rate->nominal;
    return (ltc_label){(uint32_t)(count / (n * 3600)), (uint32_t)(count / (n * 60) % 60),
                       (uint32_t)(count / n % 60), (uint32_t)(count % n)};
}

static void put_bits(uint8_t *bits, int at, int count, uint32_t value) {
    for (int i = 0; i < count; i++) bits[at + i] = (uint8_t)((value >> i) & 1u);
}

/* The 80 bits of one frame, bit 0 first (user bits zero, sync word 0011111111111101). */
static void frame_bits(const ltc_rate *rate, ltc_label label, uint8_t bits[LTC_BITS]) {
    memset(bits, 0, LTC_BITS);
    put_bits(bits, 0, 4, label.frames % 10);
    put_bits(bits, 8, 2, label.frames / 10);
    bits[10] = rate->drop;
    put_bits(bits, 16, 4, label.seconds % 10);
    put_bits(bits, 24, 3, label.seconds / 10);
    put_bits(bits, 32, 4, label.minutes % 10);
    put_bits(bits, 40, 3, label.minutes / 10);
    put_bits(bits, 48, 4, label.hours % 10);
    put_bits(bits, 56, 2, label.hours / 10);
    static const uint8_t sync[16] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1};
    memcpy(bits + 64, sync, sizeof sync);
    /* Polarity correction: bit 59 at 25 fps, bit 27 otherwise. */
    const int correction = rate->nominal == 25 ? 59 : 27;
    int ones = 0;
    for (int i = 0; i < LTC_BITS; i++) ones += bits[i];
    bits[correction] = (uint8_t)(ones & 1);
}

/* The level (0 low, 1 high) of each half bit: biphase mark, a transition at every bit's start
 * and one more in the middle of a one. */
static void frame_levels(const uint8_t bits[LTC_BITS], uint8_t levels[HALF_BITS]) {
    uint8_t level = 0;
    for (int b = 0; b < LTC_BITS; b++) {
        level ^= 1u;
        levels[2 * b] = level;
        if (bits[b]) level ^= 1u;
        levels[2 * b + 1] = level;
    }
}

SP_API sp_result sp_ltc_render(uint32_t fps_x100, uint32_t hour, int64_t first_frame,
                               uint64_t frames, uint32_t sample_rate, float level,
                               sp_pcm **out_pcm) {
    ltc_rate rate;
    SP_CHECK(out_pcm != NULL && ltc_rate_of(fps_x100, &rate) && hour < 24,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(sample_rate >= 8000 && sample_rate <= 768000, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(level > 0.0f && level <= 1.0f, SP_ERROR_INVALID_ARGUMENT);
    sp_pcm *pcm;
    const sp_result result = sp_pcm_alloc(1, frames, &pcm);
    if (result != SP_OK) return result;

    /* Half bits since the song's first frame: h = floor(s * fps * 160 / rate), exact in
     * integers (s * 30000 * 160 stays far below 2^63 for any song length). */
    const int64_t per_second = (int64_t)rate.num * HALF_BITS;
    const int64_t divisor = (int64_t)sample_rate * rate.den;
    const int64_t hour_start = frames_per_hour(&rate) * hour;
    int64_t current = INT64_MIN;
    uint8_t bits[LTC_BITS], levels[HALF_BITS];
    for (uint64_t i = 0; i < frames; i++) {
        const int64_t half = floor_div((first_frame + (int64_t)i) * per_second, divisor);
        const int64_t frame = floor_div(half, HALF_BITS);
        if (frame != current) {
            current = frame;
            frame_bits(&rate, label_of(&rate, hour_start + frame), bits);
            frame_levels(bits, levels);
        }
        pcm->data[i] = levels[half - frame * HALF_BITS] ? level : -level;
    }
    *out_pcm = pcm;
    return SP_OK;
}

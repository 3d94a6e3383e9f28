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
#include <math.h>
#include <string.h>

#include "timecode.h"

#define LTC_BITS 80
#define HALF_BITS (2 * LTC_BITS)

static void put_bits(uint8_t *bits, int at, int count, uint32_t value) {
    for (int i = 0; i < count; i++) bits[at + i] = (uint8_t)((value >> i) & 1u);
}

/* The 80 bits of one frame, bit 0 first (user bits zero, sync word 0011111111111101). */
static void frame_bits(const sp_tc_rate *rate, sp_tc_label label, uint8_t bits[LTC_BITS]) {
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
    return sp_ltc_render_speed(fps_x100, hour, first_frame, frames, sample_rate, level, 1.0,
                               out_pcm);
}

/* At speed s the track's frames are real time and its codes song time (issue 24): the sample
 * at real frame r carries song frame r * s, so the bit clock runs at s times its rate, as from
 * a tape played at that speed, and a reader sees the recording's seconds of the music it
 * hears. Speed 1 keeps the exact integer path. */
SP_API sp_result sp_ltc_render_speed(uint32_t fps_x100, uint32_t hour, int64_t first_frame,
                                     uint64_t frames, uint32_t sample_rate, float level,
                                     double speed, sp_pcm **out_pcm) {
    sp_tc_rate rate;
    SP_CHECK(out_pcm != NULL && sp_tc_rate_of(fps_x100, &rate) && hour < 24,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(sample_rate >= 8000 && sample_rate <= 768000, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(level > 0.0f && level <= 1.0f, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(speed >= 0.25 && speed <= 4.0, SP_ERROR_INVALID_ARGUMENT);
    sp_pcm *pcm;
    const sp_result result = sp_pcm_alloc(1, frames, &pcm);
    if (result != SP_OK) return result;

    /* Half bits since the song's first frame: h = floor(s * fps * 160 / rate), exact in
     * integers (s * 30000 * 160 stays far below 2^63 for any song length). */
    const int64_t per_second = (int64_t)rate.num * HALF_BITS;
    const int64_t divisor = (int64_t)sample_rate * rate.den;
    const int64_t hour_start = sp_tc_frames_per_hour(&rate) * hour;
    int64_t current = INT64_MIN;
    uint8_t bits[LTC_BITS], levels[HALF_BITS];
    for (uint64_t i = 0; i < frames; i++) {
        const int64_t real = first_frame + (int64_t)i;
        const int64_t half =
            speed == 1.0 ? sp_tc_floor_div(real * per_second, divisor)
                         : (int64_t)floor((double)real * speed * (double)per_second / (double)divisor);
        const int64_t frame = sp_tc_floor_div(half, HALF_BITS);
        if (frame != current) {
            current = frame;
            frame_bits(&rate, sp_tc_label_of(&rate, hour_start + frame), bits);
            frame_levels(bits, levels);
        }
        pcm->data[i] = levels[half - frame * HALF_BITS] ? level : -level;
    }
    *out_pcm = pcm;
    return SP_OK;
}

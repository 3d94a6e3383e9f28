/* click.c: a metronome click rendered into pcm on the control thread, from beat positions the
 * caller computed from the song's tempo map. It plays as an ordinary track, so it has gain,
 * mute and routing like any stem, and the callback needs no click logic of its own. */
#include <math.h>
#include <string.h>

#include "internal.h"

#define CLICK_MS 30.0
#define DECAY_MS 6.0
#define ACCENT_HZ 1760.0
#define BEAT_HZ 1175.0
#define ACCENT_LEVEL 0.8
#define BEAT_LEVEL 0.55

/* A decaying cosine: full level on the beat's own frame, so the onset is that exact frame. */
static void add_click(float *data, uint64_t frames, uint64_t at, bool accent, uint32_t rate) {
    const double hz = accent ? ACCENT_HZ : BEAT_HZ;
    const double level = accent ? ACCENT_LEVEL : BEAT_LEVEL;
    const uint64_t length = (uint64_t)(CLICK_MS * rate / 1000.0);
    const double decay = DECAY_MS * rate / 1000.0;
    for (uint64_t i = 0; i < length && at + i < frames; i++) {
        const double t = (double)i / rate;
        data[at + i] = (float)(level * exp(-(double)i / decay) * cos(2.0 * M_PI * hz * t));
    }
}

SP_API sp_result sp_click_render(const uint64_t *beat_frames, const uint8_t *accents,
                                 uint32_t beats, uint64_t frames, uint32_t sample_rate,
                                 sp_pcm **out_pcm) {
    SP_CHECK(out_pcm != NULL && (beats == 0 || (beat_frames != NULL && accents != NULL)),
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(sample_rate >= 8000 && sample_rate <= 768000, SP_ERROR_INVALID_ARGUMENT);
    sp_pcm *pcm;
    const sp_result result = sp_pcm_alloc(1, frames, &pcm);
    if (result != SP_OK) return result;
    memset(pcm->data, 0, frames * sizeof(float));
    for (uint32_t b = 0; b < beats; b++) {
        if (beat_frames[b] < frames) add_click(pcm->data, frames, beat_frames[b], accents[b], sample_rate);
    }
    *out_pcm = pcm;
    return SP_OK;
}

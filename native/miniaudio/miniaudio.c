/* The one implementation unit of miniaudio. Compiled once into its own object and cached by
 * the header's hash, because it takes about half a minute at -O2.
 *
 * With SP_HAVE_STB_VORBIS (set by ffi/build.ts when a verified stb_vorbis.c is at hand),
 * stb_vorbis is compiled in too, the way miniaudio's documentation asks: its declarations
 * before miniaudio.h, its implementation after. miniaudio then decodes Ogg Vorbis itself. */
#ifdef SP_HAVE_STB_VORBIS
#define STB_VORBIS_HEADER_ONLY
#include "stb_vorbis.c"
#endif

#define MINIAUDIO_IMPLEMENTATION
#include "miniaudio.h"

#ifdef SP_HAVE_STB_VORBIS
#undef STB_VORBIS_HEADER_ONLY
#include "stb_vorbis.c"
#endif

/* dr_wav's parse and raw reader, for native/peaks_wav.c: dr_wav's declarations sit in
 * miniaudio.h's implementation section, so only this unit can call it. Declared in internal.h. */
#include <stdint.h>
#include <stdlib.h>

void *sp_wav_raw_open(const char *path, uint32_t *container_le, uint32_t *format_tag,
                      uint32_t *bits, uint32_t *channels, uint64_t *frames) {
    ma_dr_wav *wav = malloc(sizeof *wav);
    if (wav == NULL) return NULL;
    if (!ma_dr_wav_init_file(wav, path, NULL)) {
        free(wav);
        return NULL;
    }
    *container_le = wav->container == ma_dr_wav_container_riff ||
                    wav->container == ma_dr_wav_container_rf64;
    *format_tag = wav->translatedFormatTag;
    *bits = wav->bitsPerSample;
    *channels = wav->channels == wav->fmt.channels ? wav->channels : 0;
    *frames = wav->totalPCMFrameCount;
    return wav;
}

int sp_wav_raw_seek(void *wav, uint64_t frame) {
    return ma_dr_wav_seek_to_pcm_frame((ma_dr_wav *)wav, frame) ? 1 : 0;
}

/* Frames read as stored (little-endian), at most `frames`. */
uint64_t sp_wav_raw_read(void *wav, uint64_t frames, void *out) {
    return ma_dr_wav_read_pcm_frames_le((ma_dr_wav *)wav, frames, out);
}

void sp_wav_raw_close(void *wav) {
    if (wav == NULL) return;
    ma_dr_wav_uninit((ma_dr_wav *)wav);
    free(wav);
}

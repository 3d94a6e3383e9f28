/* ma_engine_peer.c: miniaudio's own engine mixing the same in-memory data, for comparison.
 * Each stereo track is an ma_sound over an ma_audio_buffer that references (never copies) an
 * interleaved copy of the track. `flags` are the ma_sound flags: 0 for miniaudio's defaults
 * (what ma_sound_init_from_data_source gives a user: pitch and spatialization on), or
 * MA_SOUND_FLAG_NO_PITCH | MA_SOUND_FLAG_NO_SPATIALIZATION, its fastest path. The engine has
 * no device and is pulled with ma_engine_read_pcm_frames, one block at a time like a device
 * would. */
#include <stdint.h>
#include <stdlib.h>

#include "miniaudio.h"

typedef struct peer {
    ma_engine engine;
    uint32_t count;
    ma_audio_buffer *buffers;
    ma_sound *sounds;
} peer;

void peer_free(peer *p) {
    if (p == NULL) return;
    for (uint32_t i = 0; i < p->count; i++) {
        ma_sound_uninit(&p->sounds[i]);
        ma_audio_buffer_uninit(&p->buffers[i]);
    }
    ma_engine_uninit(&p->engine);
    free(p->sounds);
    free(p->buffers);
    free(p);
}

/* interleaved: count pointers to stereo interleaved tracks of `frames` frames each. */
peer *peer_create(uint32_t count, const float *const *interleaved, uint64_t frames,
                  uint32_t sample_rate, float gain, uint32_t flags) {
    peer *p = calloc(1, sizeof(peer));
    if (p == NULL) return NULL;
    p->buffers = calloc(count, sizeof(ma_audio_buffer));
    p->sounds = calloc(count, sizeof(ma_sound));
    if (p->buffers == NULL || p->sounds == NULL) {
        free(p->buffers);
        free(p->sounds);
        free(p);
        return NULL;
    }
    ma_engine_config config = ma_engine_config_init();
    config.noDevice = MA_TRUE;
    config.channels = 2;
    config.sampleRate = sample_rate;
    if (ma_engine_init(&config, &p->engine) != MA_SUCCESS) {
        free(p->buffers);
        free(p->sounds);
        free(p);
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++) {
        ma_audio_buffer_config buffer_config =
            ma_audio_buffer_config_init(ma_format_f32, 2, frames, interleaved[i], NULL);
        buffer_config.sampleRate = sample_rate;
        if (ma_audio_buffer_init(&buffer_config, &p->buffers[i]) != MA_SUCCESS ||
            ma_sound_init_from_data_source(
                &p->engine, &p->buffers[i], flags, NULL, &p->sounds[i]) != MA_SUCCESS) {
            p->count = i;
            peer_free(p);
            return NULL;
        }
        p->count = i + 1;
        ma_sound_set_volume(&p->sounds[i], gain);
        ma_sound_start(&p->sounds[i]);
    }
    return p;
}

int32_t peer_seek(peer *p, uint64_t frame) {
    for (uint32_t i = 0; i < p->count; i++) {
        if (ma_sound_seek_to_pcm_frame(&p->sounds[i], frame) != MA_SUCCESS) return -1;
    }
    return 0;
}

/* Mixes `frames` frames into out (stereo interleaved), `block` frames per engine read. */
int32_t peer_read(peer *p, float *out, uint32_t frames, uint32_t block) {
    while (frames > 0) {
        const uint32_t n = frames < block ? frames : block;
        ma_uint64 read = 0;
        if (ma_engine_read_pcm_frames(&p->engine, out, n, &read) != MA_SUCCESS) return -1;
        if (read != n) return -2;
        out += (size_t)n * 2;
        frames -= n;
    }
    return 0;
}

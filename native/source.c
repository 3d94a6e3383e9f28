/* source.c: where a track's frames come from. The mixer never reads a track's memory itself:
 * it asks its source for a window of frames, which is either there (readable in place) or not
 * ready (the track is silent for the rest of the block). Resident PCM is one kind of source. */
#include "internal.h"

void sp_source_init_memory(sp_source *source, sp_pcm *pcm) {
    source->kind = SP_SOURCE_MEMORY;
    source->pcm = pcm;
    source->channels = pcm->channels;
    source->frames = pcm->frames;
}

void sp_source_free(sp_source *source) {
    if (source->kind == SP_SOURCE_MEMORY) sp_pcm_free(source->pcm);
    source->kind = SP_SOURCE_NONE;
    source->pcm = NULL;
    source->channels = 0;
    source->frames = 0;
}

/* Audio side: no allocation, lock or wait. */
bool sp_source_window(const sp_source *source, uint64_t pos, uint32_t count, sp_window *window) {
    if (source->kind != SP_SOURCE_MEMORY || pos >= source->frames) return false;
    const sp_pcm *pcm = source->pcm;
    const uint64_t left = pcm->frames - pos;
    window->data = pcm->data + pos;
    window->stride = pcm->frames;
    window->frames = left < count ? (uint32_t)left : count;
    /* The rest of the track lies right behind the window, in the same layout. */
    const uint64_t after = left - window->frames;
    window->ahead = after > UINT32_MAX ? UINT32_MAX : (uint32_t)after;
    return true;
}

/* rt/source_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * A track's frames for the mixer: a window readable in place (resident PCM, a ready head, or
 * the ring), or "not ready" (the track is silent for the rest of the block). A streamed track's
 * main voice steers its ring (rt/ring_rt.c). Control-side sources: source.c. */
#include "internal.h"

/* The head that holds pos, is in `state` (SP_HEAD_*) and reaches furthest, or NULL. Heads
 * overlap (a marker's, then a longer one for a short loop there): the first added could end
 * inside the loop, and every pass would leave it for the ring again. */
const sp_head *sp_file_source_head_at(const sp_file_source *file, uint64_t pos, int32_t state) {
    const uint32_t heads = atomic_load_explicit(&file->head_count, memory_order_acquire);
    const sp_head *found = NULL;
    for (uint32_t h = 0; h < heads; h++) {
        const sp_head *head = &file->heads[h];
        if (pos < head->start || pos >= head->start + head->frames) continue;
        if (found != NULL && head->start + head->frames <= found->start + found->frames) continue;
        if (atomic_load_explicit(&head->ready, memory_order_acquire) == state) found = head;
    }
    return found;
}

/* Audio side: frames from a resident head that holds pos; the head, or NULL. */
static const sp_head *head_window(sp_file_source *file, uint64_t pos, uint32_t count,
                                  sp_window *window) {
    const sp_head *head = sp_file_source_head_at(file, pos, SP_HEAD_READY);
    if (head == NULL) return NULL;
    const uint64_t left = head->start + head->frames - pos;
    window->data = head->data + (pos - head->start);
    window->stride = head->frames;
    window->frames = left < count ? (uint32_t)left : count;
    window->ahead = (uint32_t)(left - window->frames);
    return head;
}

/* Whether the reader's last request for this ring failed (its seek): the track stays silent. */
bool sp_file_source_request_failed(sp_file_source *file) {
    return sp_ring_answered(&file->ring) &&
           atomic_load_explicit(&file->failed, memory_order_relaxed) != 0;
}

/* A streamed window for `voice` (see SP_VOICE_*), or false. Only the steering voice moves the
 * ring: one ring serves one position, and two voices of one track (a crossfade within a song)
 * asking for their own would take it from each other. */
static bool stream_window(sp_file_source *file, uint64_t pos, uint32_t count,
                          sp_window *window, int voice, bool offline) {
    if (voice != SP_VOICE_HEADS && sp_ring_window(&file->ring, pos, count, window)) return true;
    /* Offline, the main voice waits for a ring on its way to pos rather than take a head there:
     * a stretched stem's head is another render than its ring's (started earlier), so which
     * one is heard must not depend on which the readers finished first. */
    if (offline && voice == SP_VOICE_MAIN && !sp_file_source_request_failed(file) &&
        sp_ring_will_hold(&file->ring, pos)) {
        return false;
    }
    const sp_head *head = head_window(file, pos, count, window);
    if (head != NULL) {
        /* Playing from a head: the ring goes on from where the head ends, meanwhile. */
        if (voice == SP_VOICE_MAIN) sp_ring_follow(&file->ring, head->start + head->frames);
        return true;
    }
    if (voice == SP_VOICE_MAIN) sp_ring_follow(&file->ring, pos);
    return false;
}

/* Never waits itself. An offline engine's streamed source (never a device's) has an
 * offline_wait, the control side's wait for the reader (offline.c): an offline render runs
 * this code on the caller's thread, and waits so that a render is the same every time. */
bool sp_source_window(sp_source *source, uint64_t pos, uint32_t count, sp_window *window,
                      int voice) {
    if (pos >= source->frames) return false;
    if (source->kind == SP_SOURCE_STREAM) {
        const bool offline = source->offline_wait != NULL;
        if (stream_window(source->file, pos, count, window, voice, offline)) return true;
        while (offline && source->offline_wait(source, pos, voice)) {
            if (stream_window(source->file, pos, count, window, voice, offline)) return true;
        }
        /* Not waiting (any more): a head there plays, as on a device. */
        return offline && stream_window(source->file, pos, count, window, voice, false);
    }
    if (source->kind != SP_SOURCE_MEMORY) return false;
    const sp_pcm *pcm = source->pcm;
    uint64_t end = pcm->frames;
    while (pcm->fill != NULL) { /* still being rendered: only what is written plays */
        end = atomic_load_explicit(&pcm->fill_to, memory_order_acquire);
        if (pos < end && pos >= atomic_load_explicit(&pcm->fill_from, memory_order_acquire)) {
            break;
        }
        if (source->offline_wait == NULL || !source->offline_wait(source, pos, voice)) {
            return false;
        }
    }
    const uint64_t left = end - pos;
    window->data = pcm->data + pos;
    window->stride = pcm->frames;
    window->frames = left < count ? (uint32_t)left : count;
    /* The rest of the track lies right behind the window, in the same layout. */
    const uint64_t after = left - window->frames;
    window->ahead = after > UINT32_MAX ? UINT32_MAX : (uint32_t)after;
    return true;
}

bool sp_source_ready(sp_source *source, uint64_t pos) {
    if (pos >= source->frames) return true;
    if (source->kind == SP_SOURCE_MEMORY && source->pcm->fill != NULL) {
        /* Still being rendered (a key change while playing): a jump there holds, silent and in
         * place, until its frames are written, as a streamed track's does. */
        sp_window window;
        return sp_source_window(source, pos, 1, &window, SP_VOICE_MAIN);
    }
    if (source->kind != SP_SOURCE_STREAM) return true;
    sp_window window;
    if (sp_source_window(source, pos, 1, &window, SP_VOICE_MAIN)) return true;
    /* The reader could not go there (a seek failed): hold no longer; this track is silent. */
    return sp_file_source_request_failed(source->file);
}

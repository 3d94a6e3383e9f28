/* source.c: where a track's frames come from, control side: file sources (open, heads, info,
 * free) and the track sources made of them or of resident PCM. The mixer never reads a track's
 * memory itself: it asks its source for a window of frames (rt/source_rt.c), which is either
 * there (readable in place) or not ready (the track is silent for the rest of the block). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "stretch_api.h"

SP_API sp_result sp_file_source_open(const char *path, uint32_t sample_rate, uint32_t ring_frames,
                                     sp_file_source **out_source, char *detail,
                                     uint32_t detail_capacity) {
    char ignored[8];
    if (detail == NULL || detail_capacity == 0) {
        detail = ignored;
        detail_capacity = sizeof ignored;
    }
    detail[0] = '\0';
    SP_CHECK(path != NULL && out_source != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(sample_rate >= SP_MIN_SAMPLE_RATE && sample_rate <= SP_MAX_SAMPLE_RATE,
             SP_ERROR_INVALID_ARGUMENT);
    /* Its ring's fields are cache-line aligned (sizeof is a multiple of that alignment). */
    sp_file_source *source = aligned_alloc(_Alignof(sp_file_source), sizeof(sp_file_source));
    SP_CHECK(source != NULL, SP_ERROR_OUT_OF_MEMORY);
    memset(source, 0, sizeof *source);
    sp_result result = sp_stream_open(path, sample_rate, &source->stream, detail, detail_capacity);
    if (result == SP_OK && ring_frames == 0) {
        source->ring.channels = sp_stream_channels(source->stream); /* heads only, no ring */
    } else if (result == SP_OK && sp_stream_frames(source->stream) <= ring_frames) {
        /* No longer than its ring would be: resident costs no more, and never waits. */
        snprintf(detail, detail_capacity, "shorter than the look-ahead");
        result = SP_ERROR_FORMAT_UNAVAILABLE;
    } else if (result == SP_OK) {
        result = sp_ring_init(&source->ring, sp_stream_channels(source->stream), ring_frames);
    }
    if (result != SP_OK) {
        sp_file_source_free(source);
        return result;
    }
    *out_source = source;
    return SP_OK;
}

SP_API sp_result sp_file_source_add_head(sp_file_source *source, uint64_t start,
                                         uint32_t frames) {
    SP_CHECK(source != NULL && frames > 0, SP_ERROR_INVALID_ARGUMENT);
    const uint64_t length = sp_stream_frames(source->stream);
    if (start >= length) return SP_OK; /* nothing to play there */
    if (frames > length - start) frames = (uint32_t)(length - start);
    const uint32_t count = atomic_load_explicit(&source->head_count, memory_order_relaxed);
    for (uint32_t h = 0; h < count; h++) {
        sp_head *head = &source->heads[h];
        if (head->start <= start && start + frames <= head->start + head->frames) return SP_OK;
    }
    SP_CHECK(count < SP_MAX_HEADS, SP_ERROR_CAPACITY);
    const uint32_t channels = source->ring.channels;
    sp_head *head = &source->heads[count];
    head->data = malloc((size_t)frames * channels * sizeof(float));
    SP_CHECK(head->data != NULL, SP_ERROR_OUT_OF_MEMORY);
    head->start = start;
    head->frames = frames;
    atomic_store_explicit(&head->ready, SP_HEAD_PENDING, memory_order_relaxed);
    atomic_fetch_add_explicit(&source->head_bytes, (uint64_t)frames * channels * sizeof(float),
                              memory_order_relaxed);
    atomic_store_explicit(&source->head_count, count + 1, memory_order_release);
    return SP_OK;
}

SP_API sp_result sp_file_source_head_state(const sp_file_source *source, uint64_t frame,
                                           int32_t *out_state) {
    SP_CHECK(source != NULL && out_state != NULL, SP_ERROR_INVALID_ARGUMENT);
    /* The audio side's own lookup (atomics only), so "ready" is what a jump there would find. */
    if (frame >= sp_stream_frames(source->stream) ||
        sp_file_source_head_at(source, frame, SP_HEAD_READY) != NULL) {
        *out_state = SP_HEAD_STATE_READY; /* past the end nothing plays: nothing to wait for */
    } else if (sp_file_source_head_at(source, frame, SP_HEAD_PENDING) != NULL) {
        *out_state = SP_HEAD_STATE_PENDING;
    } else {
        *out_state = SP_HEAD_STATE_NONE;
    }
    return SP_OK;
}

SP_API sp_result sp_file_source_want_head(sp_file_source *source, uint64_t frame) {
    SP_CHECK(source != NULL && frame < UINT64_MAX, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&source->wanted_head, frame + 1, memory_order_relaxed);
    return SP_OK;
}

/* The pending head holding frame `wanted`, else the first pending one; count if none. */
static uint32_t next_pending(const sp_file_source *source, uint32_t count, uint64_t wanted) {
    uint32_t first = count;
    for (uint32_t h = 0; h < count; h++) {
        const sp_head *head = &source->heads[h];
        if (atomic_load_explicit(&head->ready, memory_order_relaxed) != SP_HEAD_PENDING) continue;
        if (head->start <= wanted && wanted - head->start < head->frames) return h;
        if (first == count) first = h;
    }
    return first;
}

bool sp_file_source_head_pending(const sp_file_source *source, uint64_t wanted) {
    /* As a jump there would find it: a ready head holding it is played, whatever else is. */
    return sp_file_source_head_at(source, wanted, SP_HEAD_READY) == NULL &&
           sp_file_source_head_at(source, wanted, SP_HEAD_PENDING) != NULL;
}

void sp_file_source_return_to_ring(sp_file_source *source) {
    /* A ring-less source has none. */
    if (source->ring.data != NULL &&
        sp_stream_seek(source->stream, source->ring.butler_write) != SP_OK) {
        atomic_fetch_add_explicit(&source->read_failures, 1, memory_order_relaxed);
        atomic_store_explicit(&source->failed, 1, memory_order_relaxed);
    }
}

bool sp_file_source_decode_next_head(sp_file_source *source, float *chunk, uint64_t wanted) {
    const uint32_t count = atomic_load_explicit(&source->head_count, memory_order_acquire);
    const uint32_t h = next_pending(source, count, wanted);
    if (h < count) {
        sp_head *head = &source->heads[h];
        const uint32_t channels = source->ring.channels;
        uint64_t done = 0;
        /* The render from the head's start, never the ring's stretcher standing there. */
        if (sp_stream_seek_via(source->stream, head->start, head->start) == SP_OK) {
            while (done < head->frames) {
                uint64_t want = head->frames - done;
                if (want > SP_DECODE_CHUNK) want = SP_DECODE_CHUNK;
                const uint32_t got = sp_stream_read(source->stream, chunk, (uint32_t)want);
                if (got == 0) break;
                for (uint32_t c = 0; c < channels; c++) {
                    float *dst = head->data + (size_t)c * head->frames + done;
                    for (uint32_t i = 0; i < got; i++) dst[i] = chunk[(size_t)i * channels + c];
                }
                done += got;
            }
        }
        /* Cut short, or not read whole for any reason (its seek failed: a stretcher Rubber
         * Band could not create, a file that cannot seek there): a read failure, counted. */
        if (done != head->frames || sp_stream_cut_short(source->stream)) {
            atomic_fetch_add_explicit(&source->read_failures, 1, memory_order_relaxed);
        }
        sp_file_source_return_to_ring(source);
        /* A head that cannot be read whole is never played (and never tried again). */
        atomic_store_explicit(&head->ready, done == head->frames ? SP_HEAD_READY : SP_HEAD_FAILED,
                              memory_order_release);
        return true;
    }
    return false;
}

SP_API sp_result sp_file_source_decode_heads(sp_file_source *source) {
    SP_CHECK(source != NULL, SP_ERROR_INVALID_ARGUMENT);
    float *chunk = malloc((size_t)SP_DECODE_CHUNK * SP_MAX_CHANNELS * sizeof(float));
    SP_CHECK(chunk != NULL, SP_ERROR_OUT_OF_MEMORY);
    const uint32_t count = atomic_load_explicit(&source->head_count, memory_order_acquire);
    /* The head added last is the one a caller decodes them for (an armed cue's, a song's
     * start): its stretcher is kept at its end, so the ring after a jump there needs no
     * render (stretch_source.c). Decoded last, so that stretcher is still parked. */
    uint32_t last = count;
    for (uint32_t h = 0; h < count; h++) {
        if (atomic_load_explicit(&source->heads[h].ready, memory_order_relaxed) == SP_HEAD_PENDING) {
            last = h;
        }
    }
    while (sp_file_source_decode_next_head(source, chunk, UINT64_MAX)) {
    }
    free(chunk);
    if (last < count) sp_file_source_keep_voice(source, source->heads[last].start);
    for (uint32_t h = 0; h < count; h++) {
        const int32_t ready = atomic_load_explicit(&source->heads[h].ready, memory_order_acquire);
        if (ready != SP_HEAD_READY) return SP_ERROR_DECODE;
    }
    return SP_OK;
}

SP_API sp_result sp_file_source_copy_heads(sp_file_source *to, const sp_file_source *from) {
    SP_CHECK(to != NULL && from != NULL, SP_ERROR_INVALID_ARGUMENT);
    /* Heads read at the recorded key never go into a track at another (stretch_source.c). */
    if (sp_stream_stretched(to->stream) || sp_stream_stretched(from->stream)) return SP_OK;
    const uint32_t channels = to->ring.channels;
    SP_CHECK(from->ring.channels == channels &&
                 sp_stream_frames(from->stream) == sp_stream_frames(to->stream),
             SP_ERROR_INVALID_ARGUMENT);
    const uint32_t heads = atomic_load_explicit(&from->head_count, memory_order_acquire);
    for (uint32_t h = 0; h < heads; h++) {
        const sp_head *given = &from->heads[h];
        if (atomic_load_explicit(&given->ready, memory_order_acquire) != SP_HEAD_READY) continue;
        const uint32_t count = atomic_load_explicit(&to->head_count, memory_order_relaxed);
        bool covered = false;
        for (uint32_t k = 0; k < count && !covered; k++) {
            const sp_head *own = &to->heads[k];
            covered = atomic_load_explicit(&own->ready, memory_order_relaxed) == SP_HEAD_READY &&
                      own->start <= given->start &&
                      given->start + given->frames <= own->start + own->frames;
        }
        if (covered) continue;
        SP_CHECK(count < SP_MAX_HEADS, SP_ERROR_CAPACITY);
        sp_head *head = &to->heads[count];
        const size_t bytes = (size_t)given->frames * channels * sizeof(float);
        head->data = malloc(bytes);
        SP_CHECK(head->data != NULL, SP_ERROR_OUT_OF_MEMORY);
        memcpy(head->data, given->data, bytes);
        head->start = given->start;
        head->frames = given->frames;
        /* Ready before it is published: whoever sees the count sees the data. */
        atomic_store_explicit(&head->ready, SP_HEAD_READY, memory_order_relaxed);
        atomic_fetch_add_explicit(&to->head_bytes, bytes, memory_order_relaxed);
        atomic_store_explicit(&to->head_count, count + 1, memory_order_release);
    }
    return SP_OK;
}

SP_API void sp_file_source_free(sp_file_source *source) {
    if (source == NULL) return;
    const uint32_t heads = atomic_load_explicit(&source->head_count, memory_order_relaxed);
    for (uint32_t h = 0; h < heads; h++) free(source->heads[h].data);
    sp_stream_free(source->stream);
    sp_ring_free(&source->ring);
    free(source);
}

SP_API sp_result sp_file_source_info(const sp_file_source *source, uint64_t *out) {
    SP_CHECK(source != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    out[SP_FILE_INFO_FRAMES] = sp_stream_frames(source->stream);
    out[SP_FILE_INFO_CHANNELS] = source->ring.channels;
    out[SP_FILE_INFO_RING_BYTES] =
        (uint64_t)source->ring.capacity * source->ring.channels * sizeof(float);
    out[SP_FILE_INFO_SOURCE_RATE] = sp_stream_source_rate(source->stream);
    out[SP_FILE_INFO_HEAD_BYTES] = atomic_load_explicit(&source->head_bytes, memory_order_relaxed);
    return SP_OK;
}

SP_API const char *sp_file_source_format(const sp_file_source *source) {
    return source == NULL ? "" : sp_stream_format(source->stream);
}

SP_API uint32_t sp_file_source_read_failures(const sp_file_source *source) {
    return source == NULL ? 0
                          : atomic_load_explicit(&source->read_failures, memory_order_relaxed);
}

void sp_source_init_memory(sp_source *source, sp_pcm *pcm) {
    source->kind = SP_SOURCE_MEMORY;
    source->pcm = pcm;
    source->channels = pcm->channels;
    source->frames = pcm->frames;
}

void sp_source_init_stream(sp_source *source, sp_file_source *file, bool may_wait) {
    source->kind = SP_SOURCE_STREAM;
    source->pcm = NULL;
    source->file = file;
    source->channels = sp_stream_channels(file->stream);
    source->frames = sp_stream_frames(file->stream);
    /* An offline engine's render waits for the reader (offline.c); a device's never does. */
    source->offline_wait = may_wait ? sp_offline_wait : NULL;
}

void sp_source_free(sp_source *source) {
    if (source->kind == SP_SOURCE_MEMORY) sp_pcm_free(source->pcm);
    if (source->kind == SP_SOURCE_STREAM) sp_file_source_free(source->file);
    source->kind = SP_SOURCE_NONE;
    source->pcm = NULL;
    source->file = NULL;
    source->channels = 0;
    source->frames = 0;
}

/* stretch_source.c: a streamed track at another key and tempo: its file source reads through
 * a stretcher (stretch_reader.c), so the reader thread fills its ring and heads stretched,
 * ahead of the playhead. Control side, before the source is attached or given heads. */
#include "stretch_api.h"

SP_API sp_result sp_file_source_stretch(sp_file_source *source, uint32_t rate, double speed,
                                        double pitch_scale, uint32_t engine) {
    SP_CHECK(source != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(rate >= SP_MIN_SAMPLE_RATE && rate <= SP_MAX_SAMPLE_RATE, SP_ERROR_INVALID_ARGUMENT);
    /* Before any head or ring frame is read: those would be at the recorded key. */
    SP_CHECK(atomic_load_explicit(&source->head_count, memory_order_relaxed) == 0 &&
                 source->ring.butler_write == 0,
             SP_ERROR_INVALID_ARGUMENT);
    return sp_stream_stretch(&source->stream, rate, speed, pitch_scale, engine);
}

SP_API int32_t sp_file_source_stretched(const sp_file_source *source) {
    return source != NULL && sp_stream_stretched(source->stream) ? 1 : 0;
}

sp_result sp_file_source_seek(sp_file_source *source, uint64_t frame) {
    if (!sp_stream_stretched(source->stream)) return sp_stream_seek(source->stream, frame);
    const uint32_t count = atomic_load_explicit(&source->head_count, memory_order_acquire);
    for (uint32_t h = 0; h < count; h++) {
        const sp_head *head = &source->heads[h];
        if (atomic_load_explicit(&head->ready, memory_order_acquire) == SP_HEAD_READY &&
            head->start + head->frames == frame) {
            return sp_stream_seek_via(source->stream, frame, head->start);
        }
    }
    return sp_stream_seek(source->stream, frame);
}

/* The ready head holding `wanted`, on a stretched track with no stretcher kept at its end yet. */
static const sp_head *head_to_keep(const sp_file_source *source, uint64_t wanted) {
    if (!sp_stream_stretched(source->stream)) return NULL;
    const sp_head *head = sp_file_source_head_at(source, wanted, SP_HEAD_READY);
    return head != NULL && !sp_stream_kept(source->stream, head->start + head->frames,
                                           head->start)
               ? head
               : NULL;
}

bool sp_file_source_voice_wanted(const sp_file_source *source, uint64_t wanted) {
    return head_to_keep(source, wanted) != NULL;
}

bool sp_file_source_keep_voice(sp_file_source *source, uint64_t wanted) {
    const sp_head *head = head_to_keep(source, wanted);
    if (head == NULL) return false;
    /* A stretcher that cannot be made is a read failure, as a head's: the jump's ring then
     * renders from the head's start as before, and starts its own. */
    if (sp_stream_keep(source->stream, head->start + head->frames, head->start) != SP_OK) {
        atomic_fetch_add_explicit(&source->read_failures, 1, memory_order_relaxed);
    }
    sp_file_source_return_to_ring(source);
    return true;
}

/* stretch_reader.c: a streamed file at another key and tempo, read the way the reader thread
 * reads any stream (seek, then frames in order), counted on the stretched timeline. The
 * butler fills a track's ring and heads through it, so stretching happens there, ahead of the
 * playhead, never in the audio callback. Reader or loading thread only.
 *
 * Read from frame 0 straight on, it gives the frames of the file decoded whole and stretched
 * (stretch_render.c's loop, fed the same chunks), bit for bit. A seek to stretched frame F
 * starts a stretcher afresh at the recorded frame round(F x speed) with the usual lead-in
 * (SP_STRETCH_LEAD), as a render from that frame does (sp_file_stretch(..., start)): a head
 * at a marker holds exactly that render. The ring that follows a jump to it goes on from the
 * head's end: it is rendered from the head's start again, its output up to the head's end
 * dropped (sp_stretch_reader_seek_via), so it goes on with the very frames the head's render
 * would have given, and the hand-over from head to ring is seamless (a restart at the head's
 * end would change the phase vocoder's phases there: a click). That costs one head's length
 * of stretching per stem per jump, in the reader.
 *
 * The butler seeks away to decode a head and back to where the ring goes on: the stretcher
 * left behind is kept ("parked"), so coming back continues it rather than starting a new one
 * (which would change the ring's frames from there and cost a lead-in). A head, and the ring
 * after a head, take only the render from their start (seek_via): the ring's own stretcher
 * standing exactly there by chance is another render, so it is parked, not used.
 *
 * The armed jump's head gets a third stretcher, "kept" at its end (sp_stretch_reader_keep: the
 * head's own, taken from parked right after its decode, or rendered while the jump waits for
 * its bar): the ring after that jump then goes on from it, and the jump costs no render of the
 * head's length, just when every stem's ring must refill. */
#include <stdlib.h>
#include <string.h>

#include "stretch_api.h"

typedef struct {
    sp_stretcher *stretcher; /* NULL: not started */
    uint64_t position;       /* the stretched frame its next output is */
    uint64_t fed;            /* the recorded frame its next input is */
    uint64_t origin;         /* the stretched frame its render starts at (its output frame 0) */
    bool ended;              /* fed to the file's end */
} stretch_voice;

struct sp_stretch_reader {
    sp_stream *inner; /* the file, decoded and resampled (owned) */
    uint32_t rate, channels, engine;
    double speed, pitch_scale;
    uint64_t recorded; /* the file's length, engine frames */
    uint64_t frames;   /* round(recorded / speed) */
    stretch_voice current, parked, kept;
    /* What keep was last asked for: (frame, from) + 1, 0 when its stretcher has been taken */
    uint64_t keep_frame, keep_from;
    bool cut_short; /* the file ended early on the last read; until the next seek */
    float *interleaved, *planar_in, *planar_out; /* one chunk each */
};

static void voice_free(stretch_voice *voice) {
    sp_stretcher_free(voice->stretcher);
    memset(voice, 0, sizeof *voice);
}

sp_result sp_stretch_reader_create(sp_stream *inner, uint32_t rate, double speed,
                                   double pitch_scale, uint32_t engine,
                                   sp_stretch_reader **out) {
    SP_CHECK(inner != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(speed >= 0.5 && speed <= 2.0 && pitch_scale >= 0.5 && pitch_scale <= 2.0,
             SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(engine == SP_STRETCH_FINER || engine == SP_STRETCH_FASTER, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(sp_stretch_api_get() != NULL, SP_ERROR_NO_BACKEND);
    sp_stretch_reader *reader = calloc(1, sizeof *reader);
    SP_CHECK(reader != NULL, SP_ERROR_OUT_OF_MEMORY);
    reader->rate = rate;
    reader->channels = sp_stream_channels(inner);
    reader->engine = engine;
    reader->speed = speed;
    reader->pitch_scale = pitch_scale;
    reader->recorded = sp_stream_frames(inner);
    /* Song time to real time, as every render and the timeline count it. */
    reader->frames = (uint64_t)((double)reader->recorded / speed + 0.5);
    const size_t chunk = (size_t)SP_STRETCH_CHUNK * reader->channels;
    reader->interleaved = malloc(chunk * sizeof(float));
    reader->planar_in = malloc(chunk * sizeof(float));
    reader->planar_out = malloc(chunk * sizeof(float));
    if (reader->interleaved == NULL || reader->planar_in == NULL || reader->planar_out == NULL) {
        sp_stretch_reader_free(reader);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    reader->inner = inner; /* owned from here on (not on failure) */
    *out = reader;
    return SP_OK;
}

void sp_stretch_reader_free(sp_stretch_reader *reader) {
    if (reader == NULL) return;
    voice_free(&reader->current);
    voice_free(&reader->parked);
    voice_free(&reader->kept);
    sp_stream_free(reader->inner);
    free(reader->interleaved);
    free(reader->planar_in);
    free(reader->planar_out);
    free(reader);
}

uint64_t sp_stretch_reader_frames(const sp_stretch_reader *reader) { return reader->frames; }

bool sp_stretch_reader_cut_short(const sp_stretch_reader *reader) { return reader->cut_short; }

/* A new stretcher whose output frame 0 is stretched frame `from`: fed from the recorded frame
 * it maps to, less the lead-in, whose output is dropped (as stretch_render.c does); its output
 * up to `frame` is dropped too. */
static sp_result voice_start(sp_stretch_reader *reader, stretch_voice *voice, uint64_t frame,
                             uint64_t from) {
    uint64_t start = (uint64_t)((double)from * reader->speed + 0.5);
    if (start > reader->recorded) start = reader->recorded;
    const uint64_t lead = start < SP_STRETCH_LEAD ? start : SP_STRETCH_LEAD;
    sp_stretcher *stretcher = NULL;
    sp_result result = sp_stretcher_create(reader->rate, reader->channels, reader->engine,
                                           reader->speed, reader->pitch_scale, &stretcher);
    if (result == SP_OK) result = sp_stream_seek(reader->inner, start - lead);
    if (result != SP_OK) {
        sp_stretcher_free(stretcher);
        return result;
    }
    sp_stretcher_skip(stretcher, (uint64_t)((double)lead / reader->speed + 0.5) + (frame - from));
    voice->stretcher = stretcher;
    voice->origin = from;
    voice->position = frame;
    voice->fed = start - lead;
    voice->ended = voice->fed == reader->recorded;
    return SP_OK;
}

/* Whether `voice` may serve a seek to `frame`: it stands there and, when the seek asks for the
 * render from `from` (exact), it is that render. */
static bool voice_serves(const stretch_voice *voice, uint64_t frame, uint64_t from, bool exact) {
    return voice->stretcher != NULL && voice->position == frame &&
           (!exact || voice->origin == from);
}

/* A seek to `frame`. Not exact (the ring going on where it stood), any voice standing there
 * goes on. Exact (a head, or the ring after a head), only the render from `from`: the ring's
 * own voice standing there by chance gives another render's frames (a click at a head's end,
 * and a head that is not the render from its start), so it is parked instead. */
static sp_result seek_voice(sp_stretch_reader *reader, uint64_t frame, uint64_t from,
                            bool exact) {
    if (frame > reader->frames) frame = reader->frames;
    if (from > frame) from = frame;
    reader->cut_short = false;
    stretch_voice *current = &reader->current;
    if (voice_serves(current, frame, from, exact)) {
        return sp_stream_seek(reader->inner, current->fed); /* where its input goes on */
    }
    if (voice_serves(&reader->parked, frame, from, exact)) {
        const stretch_voice back = reader->parked;
        reader->parked = *current;
        *current = back;
        return sp_stream_seek(reader->inner, current->fed);
    }
    if (voice_serves(&reader->kept, frame, from, exact)) {
        voice_free(&reader->parked);
        reader->parked = *current;
        *current = reader->kept;
        memset(&reader->kept, 0, sizeof reader->kept);
        reader->keep_frame = 0; /* taken: a jump there again (a loop) keeps another */
        return sp_stream_seek(reader->inner, current->fed);
    }
    voice_free(&reader->parked);
    reader->parked = *current;
    memset(current, 0, sizeof *current);
    return voice_start(reader, current, frame, from);
}

sp_result sp_stretch_reader_seek_via(sp_stretch_reader *reader, uint64_t frame, uint64_t from) {
    return seek_voice(reader, frame, from, true);
}

sp_result sp_stretch_reader_seek(sp_stretch_reader *reader, uint64_t frame) {
    return seek_voice(reader, frame, frame, false);
}

static bool feed(sp_stretch_reader *reader, stretch_voice *voice);

sp_result sp_stretch_reader_keep(sp_stretch_reader *reader, uint64_t frame, uint64_t from) {
    if (frame > reader->frames) frame = reader->frames;
    if (from > frame) from = frame;
    if (sp_stretch_reader_kept(reader, frame, from)) return SP_OK;
    reader->keep_frame = frame + 1; /* asked once: a failure below is not tried again */
    reader->keep_from = from + 1;
    voice_free(&reader->kept);
    if (voice_serves(&reader->parked, frame, from, true)) {
        reader->kept = reader->parked;
        memset(&reader->parked, 0, sizeof reader->parked);
        return SP_OK;
    }
    stretch_voice *voice = &reader->kept;
    sp_result result = voice_start(reader, voice, frame, from);
    /* Through the output it drops (the lead-in and the head), so the jump finds it ready. */
    while (result == SP_OK && sp_stretcher_drop(voice->stretcher) > 0 && !voice->ended) {
        if (!feed(reader, voice)) result = SP_ERROR_DECODE;
    }
    if (result != SP_OK) voice_free(voice);
    return result;
}

bool sp_stretch_reader_kept(const sp_stretch_reader *reader, uint64_t frame, uint64_t from) {
    if (frame > reader->frames) frame = reader->frames;
    if (from > frame) from = frame;
    return reader->keep_frame == frame + 1 && reader->keep_from == from + 1;
}

/* Feeds the stretcher the next chunk of the file; false when the file ends early. */
static bool feed(sp_stretch_reader *reader, stretch_voice *voice) {
    const uint64_t left = reader->recorded - voice->fed;
    const uint32_t n = left < SP_STRETCH_CHUNK ? (uint32_t)left : SP_STRETCH_CHUNK;
    if (sp_stream_read(reader->inner, reader->interleaved, n) != n) return false;
    const float *lanes[SP_MAX_CHANNELS];
    for (uint32_t c = 0; c < reader->channels; c++) {
        float *lane = reader->planar_in + (size_t)c * SP_STRETCH_CHUNK;
        for (uint32_t i = 0; i < n; i++) {
            lane[i] = reader->interleaved[(size_t)i * reader->channels + c];
        }
        lanes[c] = lane;
    }
    voice->fed += n;
    voice->ended = voice->fed == reader->recorded;
    sp_stretcher_feed(voice->stretcher, lanes, n, voice->ended);
    return true;
}

uint32_t sp_stretch_reader_read(sp_stretch_reader *reader, float *out, uint32_t want) {
    stretch_voice *voice = &reader->current;
    if (voice->stretcher == NULL && sp_stretch_reader_seek(reader, 0) != SP_OK) {
        reader->cut_short = true;
        return 0;
    }
    if (reader->cut_short || voice->position >= reader->frames) return 0;
    if (want > reader->frames - voice->position) {
        want = (uint32_t)(reader->frames - voice->position);
    }
    const uint32_t channels = reader->channels;
    float *lanes[SP_MAX_CHANNELS];
    for (uint32_t c = 0; c < channels; c++) {
        lanes[c] = reader->planar_out + (size_t)c * SP_STRETCH_CHUNK;
    }
    uint32_t done = 0;
    while (done < want) {
        const uint32_t n = want - done < SP_STRETCH_CHUNK ? want - done : SP_STRETCH_CHUNK;
        uint32_t got = sp_stretcher_take(voice->stretcher, lanes, n);
        if (got == 0 && !voice->ended) {
            if (!feed(reader, voice)) {
                reader->cut_short = true; /* the track starves from here, as unstretched */
                break;
            }
            continue;
        }
        if (got == 0) { /* drained: silence to the length, as a render pads */
            for (uint32_t c = 0; c < channels; c++) memset(lanes[c], 0, n * sizeof(float));
            got = n;
        }
        for (uint32_t i = 0; i < got; i++) {
            for (uint32_t c = 0; c < channels; c++) {
                out[(size_t)(done + i) * channels + c] = lanes[c][i];
            }
        }
        done += got;
        voice->position += got;
    }
    return done;
}

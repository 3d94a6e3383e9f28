/* stretch_reader_check.c: a streamed file read through a stretcher (stretch_reader.c,
 * stretch_source.c) on its own, built with AddressSanitizer and UndefinedBehaviorSanitizer
 * (and ThreadSanitizer), over Rubber Band loaded at run time. For both engines, 1 and 2
 * channels, speeds at and inside the limits, pitch scales 1 and +2 semitones, it reads the
 * file the way the reader thread does and checks:
 *
 * - read from 0 in uneven pieces, it is bit for bit the file stretched whole (sp_file_stretch);
 * - heads decoded between the ring's reads (seek away, read, seek back) hold the render from
 *   their start, and the ring's frames go on bit for bit as if never left (the parked voice);
 * - a seek to a head's end (sp_file_source_seek) goes on with the head's own render, even when
 *   the ring's own stretcher (another render) stands exactly there;
 * - a head decoded exactly where the ring stands is the render from its start, and the ring
 *   still goes on as before;
 * - a seek elsewhere gives the render from that frame;
 * - a stretcher kept at a head's end (an armed jump's) leaves the ring where it was, and the
 *   ring after a jump to the head goes on from it with the head's render;
 * - bad values and a stretch after heads are refused;
 * - a file cut short on disk while it streams: reads past the cut are cut short, a head there
 *   fails (counted), the start still reads, nothing crashes.
 *
 * Usage: stretch_reader_check [failing-create]. Prints "stretch reader: N cases, ok"; exit 5
 * without Rubber Band. With failing-create ($STEMPLAY_RUBBERBAND set to rubberband_fault.c's
 * library) it checks Rubber Band failing to create a stretcher instead. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "stretch_api.h"

#define RATE 48000u
#define FRAMES 40000u

static void fail(const char *what, uint32_t channels, double speed, double scale,
                 uint32_t engine) {
    fprintf(stderr, "stretch reader: %s (%u channels, speed %g, scale %g, engine %u)\n", what,
            channels, speed, scale, engine);
    exit(3);
}

/* A float WAV of a tone with clicks, at RATE. */
static void write_wav(const char *path, uint32_t channels) {
    FILE *file = fopen(path, "wb");
    if (file == NULL) exit(2);
    const uint32_t bytes = FRAMES * channels * 4, riff = 36 + bytes, rate = RATE,
                   byte_rate = RATE * channels * 4, fmt_size = 16;
    const uint16_t format = 3, count = (uint16_t)channels, align = (uint16_t)(channels * 4),
                   bits = 32;
    fwrite("RIFF", 1, 4, file);
    fwrite(&riff, 4, 1, file);
    fwrite("WAVEfmt ", 1, 8, file);
    fwrite(&fmt_size, 4, 1, file);
    fwrite(&format, 2, 1, file);
    fwrite(&count, 2, 1, file);
    fwrite(&rate, 4, 1, file);
    fwrite(&byte_rate, 4, 1, file);
    fwrite(&align, 2, 1, file);
    fwrite(&bits, 2, 1, file);
    fwrite("data", 1, 4, file);
    fwrite(&bytes, 4, 1, file);
    for (uint32_t i = 0; i < FRAMES; i++) {
        for (uint32_t c = 0; c < channels; c++) {
            const double t = (double)i / RATE;
            const float x = (float)(0.3 * sin(2.0 * M_PI * (220.0 + 50.0 * c) * t) +
                                    ((i % 4800) < 30 ? 0.4 : 0.0));
            fwrite(&x, 4, 1, file);
        }
    }
    if (fclose(file) != 0) exit(2);
}

/* Whether `frames` interleaved frames equal the render's frames from `at` on. */
static bool matches(const float *interleaved, uint32_t frames, const sp_pcm *render,
                    uint64_t at) {
    for (uint32_t i = 0; i < frames; i++) {
        for (uint32_t c = 0; c < render->channels; c++) {
            const float expected =
                at + i < render->frames ? render->data[(size_t)c * render->frames + at + i] : 0;
            const float got = interleaved[(size_t)i * render->channels + c];
            if (memcmp(&got, &expected, sizeof got) != 0) return false;
        }
    }
    return true;
}

/* Reads `frames` frames from the stream in pieces of 777 and 4096 and checks them against the
 * render from `at`. */
static bool read_matches(sp_stream *stream, float *buffer, uint64_t frames, const sp_pcm *render,
                         uint64_t at) {
    for (uint64_t done = 0, k = 0; done < frames; k++) {
        uint32_t want = k % 2 ? 4096u : 777u;
        if (want > frames - done) want = (uint32_t)(frames - done);
        if (sp_stream_read(stream, buffer, want) != want) return false;
        if (!matches(buffer, want, render, at + done)) return false;
        done += want;
    }
    return true;
}

static sp_pcm *render_from(const char *path, double speed, double scale, uint32_t engine,
                           uint64_t stretched_frame) {
    sp_pcm *out = NULL;
    const uint64_t start = (uint64_t)((double)stretched_frame * speed + 0.5);
    if (sp_file_stretch(path, RATE, speed, scale, engine, start, &out) != SP_OK) exit(4);
    return out;
}

/* Rubber Band failing to create a stretcher (rubberband_fault.c behind $STEMPLAY_RUBBERBAND):
 * a head that cannot be stretched fails and counts as a read failure while the ring's
 * stretcher, parked meanwhile, goes on; a seek fails and a read then gives nothing. Never a
 * crash, nothing leaked. */
static int check_failing_create(const char *path, float *buffer, float *chunk) {
    void *fault = dlopen(getenv("STEMPLAY_RUBBERBAND"), RTLD_NOW | RTLD_NOLOAD);
    void (*fail_new)(int) =
        fault == NULL ? NULL : (void (*)(int))dlsym(fault, "rubberband_fault_fail_new");
    if (fail_new == NULL) return 2;
    write_wav(path, 2);
    sp_file_source *source = NULL;
    if (sp_file_source_open(path, RATE, 0, &source, NULL, 0) != SP_OK ||
        sp_file_source_stretch(source, RATE, 0.9, 1.0, SP_STRETCH_FASTER) != SP_OK) {
        return 2;
    }
    sp_stream *stream = source->stream;
    const uint64_t length = sp_stream_frames(stream);
    sp_pcm *whole = render_from(path, 0.9, 1.0, SP_STRETCH_FASTER, 0);
    if (!read_matches(stream, buffer, 2000, whole, 0)) fail("no start", 2, 0.9, 1, 1);
    fail_new(1);
    if (sp_file_source_add_head(source, length / 2, 3000) != SP_OK ||
        !sp_file_source_decode_next_head(source, chunk, UINT64_MAX) ||
        atomic_load(&source->heads[0].ready) != SP_HEAD_FAILED) {
        fail("a head without a stretcher did not fail", 2, 0.9, 1, 1);
    }
    if (sp_file_source_read_failures(source) == 0) {
        fail("a head without a stretcher is not counted as a read failure", 2, 0.9, 1, 1);
    }
    fail_new(0);
    if (sp_stream_seek(stream, 2000) != SP_OK ||
        !read_matches(stream, buffer, 3000, whole, 2000)) {
        fail("the ring does not go on after a head that failed", 2, 0.9, 1, 1);
    }
    /* A stretcher kept at a ready head's end that cannot be made: counted, not tried again,
     * and the ring goes on. */
    const uint32_t failures = sp_file_source_read_failures(source);
    if (sp_file_source_add_head(source, length / 4, 3000) != SP_OK ||
        !sp_file_source_decode_next_head(source, chunk, UINT64_MAX)) {
        fail("no second head", 2, 0.9, 1, 1);
    }
    fail_new(1);
    if (!sp_file_source_keep_voice(source, length / 4) ||
        sp_file_source_read_failures(source) != failures + 1 ||
        sp_file_source_keep_voice(source, length / 4)) {
        fail("a stretcher that cannot be kept is not counted once", 2, 0.9, 1, 1);
    }
    fail_new(0);
    if (sp_stream_seek(stream, 5000) != SP_OK ||
        !read_matches(stream, buffer, 3000, whole, 5000)) {
        fail("the ring does not go on after a stretcher that could not be kept", 2, 0.9, 1, 1);
    }
    fail_new(1);
    if (sp_file_source_seek(source, length / 3) == SP_OK) {
        fail("a seek without a stretcher succeeded", 2, 0.9, 1, 1);
    }
    if (sp_stream_read(stream, buffer, 1000) != 0 || !sp_stream_cut_short(stream)) {
        fail("a read after a failed seek gave frames", 2, 0.9, 1, 1);
    }
    fail_new(0);
    sp_pcm_free(whole);
    sp_file_source_free(source);
    printf("stretch reader: a failing create, ok\n");
    return 0;
}

int main(int argc, char **argv) {
    if (!sp_stretch_available()) {
        fprintf(stderr, "stretch reader: librubberband.so.2 is not installed\n");
        return 5;
    }
    static const double SPEEDS[] = {0.5, 0.9, 1.3, 2.0};
    static const double SCALES[] = {1.0, 1.1224620483093730};
    char path[64];
    snprintf(path, sizeof path, "/tmp/stemplay-stretch-reader-XXXXXX");
    const int fd = mkstemp(path);
    if (fd < 0) return 2;
    float *buffer = malloc((size_t)4096 * 2 * sizeof(float));
    float *chunk = malloc((size_t)SP_DECODE_CHUNK * SP_MAX_CHANNELS * sizeof(float));
    if (argc > 1 && strcmp(argv[1], "failing-create") == 0) {
        const int code = check_failing_create(path, buffer, chunk);
        free(buffer);
        free(chunk);
        remove(path);
        return code;
    }
    unsigned cases = 0;
    for (uint32_t channels = 1; channels <= 2; channels++) {
        write_wav(path, channels);
        for (uint32_t k = 0; k < 8; k++) {
            const uint32_t engine = k % 2;
            const double speed = SPEEDS[k / 2], scale = SCALES[(k / 2 + channels) % 2];
            sp_file_source *source = NULL;
            if (sp_file_source_open(path, RATE, 0, &source, NULL, 0) != SP_OK) return 2;
            if (sp_file_source_stretch(source, RATE, 0.49, 1.0, engine) !=
                    SP_ERROR_INVALID_ARGUMENT ||
                sp_file_source_stretch(source, RATE, NAN, 1.0, engine) !=
                    SP_ERROR_INVALID_ARGUMENT ||
                sp_file_source_stretch(source, RATE, 1.0, 1.0, 7) != SP_ERROR_INVALID_ARGUMENT) {
                fail("bad values not refused", channels, speed, scale, engine);
            }
            if (sp_file_source_stretch(source, RATE, speed, scale, engine) != SP_OK) {
                fail("refused", channels, speed, scale, engine);
            }
            sp_stream *stream = source->stream;
            const uint64_t length = sp_stream_frames(stream);
            if (length != (uint64_t)((double)FRAMES / speed + 0.5)) {
                fail("wrong length", channels, speed, scale, engine);
            }
            sp_pcm *whole = render_from(path, speed, scale, engine, 0);
            /* The ring's first frames, then a head decoded, then the ring goes on. */
            const uint64_t ring = 5000 < length ? 5000 : length / 2;
            if (!read_matches(stream, buffer, ring, whole, 0)) {
                fail("the ring's first frames differ from the whole render", channels, speed,
                     scale, engine);
            }
            const uint64_t head_start = length / 2, head_frames = 3000;
            if (sp_file_source_add_head(source, head_start, head_frames) != SP_OK ||
                !sp_file_source_decode_next_head(source, chunk, UINT64_MAX)) {
                fail("no head", channels, speed, scale, engine);
            }
            sp_pcm *from_head = render_from(path, speed, scale, engine, head_start);
            for (uint32_t c = 0; c < channels; c++) {
                if (memcmp(source->heads[0].data + (size_t)c * head_frames,
                           from_head->data + (size_t)c * from_head->frames,
                           head_frames * sizeof(float)) != 0) {
                    fail("the head is not the render from its start", channels, speed, scale,
                         engine);
                }
            }
            if (sp_stream_seek(stream, ring) != SP_OK ||
                !read_matches(stream, buffer, 6000, whole, ring)) {
                fail("the ring does not go on as before the head", channels, speed, scale,
                     engine);
            }
            /* A ring that follows a jump to the head goes on with the head's render. */
            if (sp_file_source_seek(source, head_start + head_frames) != SP_OK ||
                !read_matches(stream, buffer, 5000, from_head, head_frames)) {
                fail("the ring after the head does not continue it", channels, speed, scale,
                     engine);
            }
            /* A seek elsewhere: the render from there. */
            const uint64_t elsewhere = length / 5;
            sp_pcm *from_elsewhere = render_from(path, speed, scale, engine, elsewhere);
            if (sp_file_source_seek(source, elsewhere) != SP_OK ||
                !read_matches(stream, buffer, 5000, from_elsewhere, 0)) {
                fail("a seek is not the render from there", channels, speed, scale, engine);
            }
            /* A stretcher kept at the head's end (an armed jump's) while the ring plays
             * elsewhere: the ring goes on as it was, and the ring after the jump goes on with
             * the head's render from the kept stretcher, which is then taken. */
            if (!sp_file_source_keep_voice(source, head_start) ||
                sp_file_source_keep_voice(source, head_start) ||
                sp_stream_seek(stream, elsewhere + 5000) != SP_OK ||
                !read_matches(stream, buffer, 3000, from_elsewhere, 5000)) {
                fail("keeping a stretcher moved the ring", channels, speed, scale, engine);
            }
            if (sp_file_source_seek(source, head_start + head_frames) != SP_OK ||
                !read_matches(stream, buffer, 5000, from_head, head_frames) ||
                !sp_file_source_voice_wanted(source, head_start)) {
                fail("the kept stretcher does not continue the head", channels, speed, scale,
                     engine);
            }
            /* To the end: silence past the stretcher's output, then nothing. */
            if (sp_stream_seek(stream, length - 10) != SP_OK ||
                sp_stream_read(stream, buffer, 100) != 10 || sp_stream_read(stream, buffer, 1)) {
                fail("the end is wrong", channels, speed, scale, engine);
            }
            /* The ring's own stretcher (started at 0) standing exactly at a head's end when a
             * jump plays that head: the ring must go on with the head's render, not with its
             * own frames there (another render: a click at the seam). */
            const uint64_t stand = head_start + head_frames;
            if (sp_stream_seek(stream, 0) != SP_OK ||
                !read_matches(stream, buffer, stand, whole, 0)) {
                fail("the ring from the top differs from the whole render", channels, speed,
                     scale, engine);
            }
            if (sp_file_source_seek(source, stand) != SP_OK ||
                !read_matches(stream, buffer, 2000, from_head, head_frames)) {
                fail("the ring standing at a head's end does not continue the head", channels,
                     speed, scale, engine);
            }
            /* Back where the ring stood (parked), then a head decoded exactly where it stands
             * now: the head is the render from its start, and the ring goes on as before. */
            const uint64_t again = stand + 1000;
            if (sp_stream_seek(stream, stand) != SP_OK ||
                !read_matches(stream, buffer, again - stand, whole, stand)) {
                fail("the parked ring does not go on", channels, speed, scale, engine);
            }
            if (sp_file_source_add_head(source, again, head_frames) != SP_OK ||
                !sp_file_source_decode_next_head(source, chunk, UINT64_MAX)) {
                fail("no second head", channels, speed, scale, engine);
            }
            sp_pcm *from_again = render_from(path, speed, scale, engine, again);
            for (uint32_t c = 0; c < channels; c++) {
                if (memcmp(source->heads[1].data + (size_t)c * head_frames,
                           from_again->data + (size_t)c * from_again->frames,
                           head_frames * sizeof(float)) != 0) {
                    fail("a head where the ring stands is not the render from its start",
                         channels, speed, scale, engine);
                }
            }
            if (sp_stream_seek(stream, again) != SP_OK ||
                !read_matches(stream, buffer, 3000, whole, again)) {
                fail("the ring does not go on after a head decoded where it stood", channels,
                     speed, scale, engine);
            }
            sp_pcm_free(from_again);
            if (sp_file_source_stretch(source, RATE, speed, scale, engine) !=
                SP_ERROR_INVALID_ARGUMENT) {
                fail("stretched twice", channels, speed, scale, engine);
            }
            sp_pcm_free(whole);
            sp_pcm_free(from_head);
            sp_pcm_free(from_elsewhere);
            sp_file_source_free(source);
            cases++;
        }
    }
    /* The file cut short on disk while it streams (a stick pulled, a file replaced): a read
     * past the cut gives what there is and says so (or the seek there fails), a head there
     * fails and counts as a read failure, and the file's start still reads: never a crash. */
    write_wav(path, 2);
    sp_file_source *cut = NULL;
    if (sp_file_source_open(path, RATE, 0, &cut, NULL, 0) != SP_OK ||
        sp_file_source_stretch(cut, RATE, 0.9, SCALES[1], SP_STRETCH_FASTER) != SP_OK) {
        return 2;
    }
    const uint64_t cut_length = sp_stream_frames(cut->stream);
    if (sp_stream_read(cut->stream, buffer, 2000) != 2000) fail("no start", 2, 0.9, 1, 1);
    if (truncate(path, 44 + (off_t)FRAMES / 4 * 2 * 4) != 0) return 2;
    const bool seek_failed = sp_stream_seek(cut->stream, cut_length * 3 / 4) != SP_OK;
    if (!seek_failed && (sp_stream_read(cut->stream, buffer, 4096) == 4096 ||
                         !sp_stream_cut_short(cut->stream))) {
        fail("a read past the cut is not cut short", 2, 0.9, 1, 1);
    }
    printf("stretch reader: a seek past the cut %s\n", seek_failed ? "fails" : "is cut short");
    if (sp_file_source_add_head(cut, cut_length / 2, 3000) != SP_OK ||
        !sp_file_source_decode_next_head(cut, chunk, UINT64_MAX) ||
        atomic_load(&cut->heads[0].ready) != SP_HEAD_FAILED ||
        sp_file_source_read_failures(cut) == 0) {
        fail("a head past the cut is not a counted failure", 2, 0.9, 1, 1);
    }
    if (sp_stream_seek(cut->stream, 0) != SP_OK ||
        sp_stream_read(cut->stream, buffer, 3000) != 3000) {
        fail("the start no longer reads after the cut", 2, 0.9, 1, 1);
    }
    sp_file_source_free(cut);
    cases++;
    free(buffer);
    free(chunk);
    remove(path);
    printf("stretch reader: %u cases, ok\n", cases);
    return 0;
}

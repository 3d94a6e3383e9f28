/* stream_cut_check.c: a FLAC cut short on disk after it was opened to stream (stream.c), built
 * with AddressSanitizer and UndefinedBehaviorSanitizer.
 *
 * dr_flac (miniaudio 0.11.25) seeks backwards inside the FLAC frame it stands in without
 * decoding again, even when that frame's decode failed at the cut: a subframe's sample pointer
 * is left NULL, and the next read dereferences NULL plus a few KB (a reader thread's crash in
 * tests/streaming_test.ts's FLAC cut short on disk: 0x34d4 = 4 x 3381, and 3381 = 23 x 147 is
 * where the 44.1 -> 48 kHz resampler's seek to frame 4096 starts). For every cut across the
 * file's second and third FLAC frames (4096 frames each), and each frame boundary k:
 *
 * - a seek whose resampler look-ahead reads into frame k, then a seek back into frame k-1;
 * - a read from frame k-1 into frame k, then a seek back into frame k-1;
 *
 * and what is read after the seek back is the intact file's frames, bit for bit (fewer only
 * where the cut took them).
 *
 * Usage: stream_cut_check FLAC (at most 48000 Hz, 1 s or more). It writes FLAC.cut beside it.
 * Prints "stream cut: N rounds, M read whole, ok" (M: the seek back's frames all there).
 *
 * stream_cut_check FLAC OTHER (OTHER: the same format at another rate): FLAC cut on disk while
 * it streams, read into the cut, then OTHER written in its place (a stem exported again over
 * the loaded one). The decoder opened again before the next seek must not be taken for the
 * song: at OTHER's rate its frames would play at the wrong speed and key. Prints "stream cut:
 * replaced, refused" when the seek fails and nothing is read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define RATE 48000u
#define BLOCK 4096u /* flac's block size at 44.1 and 48 kHz */
#define WANT 512u   /* frames read after the seek back */
#define FIRST_CUT 8192l
#define LAST_CUT (FIRST_CUT + 3l * 16600l) /* 16-bit stereo noise: about 16.5 KB a frame */
#define CUT_STEP 211l

static unsigned char *intact;
static size_t intact_size;
static char cut_path[4096];
static uint32_t source_rate;
static uint64_t rounds, whole; /* whole: rounds that read all WANT frames after the seek back */

static void fail(const char *what, long cut, uint32_t k) {
    fprintf(stderr, "stream cut: %s (cut at byte %ld, boundary %u)\n", what, cut, k);
    exit(3);
}

static void read_whole(const char *path) {
    FILE *file = fopen(path, "rb");
    if (file == NULL || fseek(file, 0, SEEK_END) != 0) exit(2);
    intact_size = (size_t)ftell(file);
    intact = malloc(intact_size);
    rewind(file);
    if (intact == NULL || fread(intact, 1, intact_size, file) != intact_size) exit(2);
    fclose(file);
}

/* The output frame of input frame `in` (at the file's rate). */
static uint64_t out_frame(uint64_t in) { return in * RATE / source_rate; }

static sp_stream *open_stream(const char *path) {
    char detail[256] = "";
    sp_stream *stream = NULL;
    if (sp_stream_open(path, RATE, &stream, detail, sizeof detail) != SP_OK) {
        fprintf(stderr, "stream cut: cannot open %s: %s\n", path, detail);
        exit(2);
    }
    return stream;
}

/* WANT frames from `frame` of the intact file. */
static void reference(const char *path, uint64_t frame, float *out) {
    sp_stream *stream = open_stream(path);
    if (sp_stream_seek(stream, frame) != SP_OK || sp_stream_read(stream, out, WANT) != WANT) {
        fprintf(stderr, "stream cut: the intact file does not read at %llu\n",
                (unsigned long long)frame);
        exit(2);
    }
    sp_stream_free(stream);
}

/* A stream opened on the intact file, which is then cut at `cut` bytes on disk. */
static sp_stream *open_then_cut(long cut) {
    FILE *file = fopen(cut_path, "wb");
    if (file == NULL || fwrite(intact, 1, intact_size, file) != intact_size) exit(2);
    fclose(file);
    sp_stream *stream = open_stream(cut_path);
    if (truncate(cut_path, cut) != 0) exit(2);
    return stream;
}

/* After the seek back to `frame`: what it reads is the intact file's, bit for bit. */
static void check_back(sp_stream *stream, uint64_t frame, const float *expected, long cut,
                       uint32_t k, const char *what) {
    float got_frames[WANT * SP_MAX_CHANNELS];
    const uint32_t channels = sp_stream_channels(stream);
    if (sp_stream_seek(stream, frame) == SP_OK) {
        const uint32_t got = sp_stream_read(stream, got_frames, WANT);
        if (got < WANT && !sp_stream_cut_short(stream)) fail("a short read not cut short", cut, k);
        if (memcmp(got_frames, expected, (size_t)got * channels * sizeof(float)) != 0) {
            fail(what, cut, k);
        }
        whole += got == WANT;
    }
    sp_stream_free(stream);
    rounds++;
}

/* FLAC cut while it streams, then `other` (a file of `size` bytes) written over it. */
static int check_replaced(const char *other_path) {
    FILE *file = fopen(other_path, "rb");
    if (file == NULL || fseek(file, 0, SEEK_END) != 0) return 2;
    const size_t size = (size_t)ftell(file);
    unsigned char *other = malloc(size);
    rewind(file);
    if (other == NULL || fread(other, 1, size, file) != size) return 2;
    fclose(file);
    sp_stream *stream = open_then_cut((long)intact_size / 3);
    float chunk[1024 * SP_MAX_CHANNELS];
    while (sp_stream_read(stream, chunk, 1024) == 1024) {}
    if (!sp_stream_cut_short(stream)) fail("a read into the cut is not cut short", 0, 0);
    file = fopen(cut_path, "wb");
    if (file == NULL || fwrite(other, 1, size, file) != size) return 2;
    fclose(file);
    const sp_result sought = sp_stream_seek(stream, 1000);
    const uint32_t got = sought == SP_OK ? sp_stream_read(stream, chunk, 1024) : 0;
    sp_stream_free(stream);
    unlink(cut_path);
    free(other);
    free(intact);
    if (sought == SP_OK || got > 0) {
        fprintf(stderr, "stream cut: the file replaced by one at another rate: seek %d, %u "
                        "frames read from it as if at the song's rate\n", (int)sought, got);
        return 3;
    }
    printf("stream cut: replaced, refused\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: stream_cut_check FLAC [OTHER]\n");
        return 2;
    }
    read_whole(argv[1]);
    snprintf(cut_path, sizeof cut_path, "%s.cut", argv[1]);
    if (argc == 3) return check_replaced(argv[2]);
    sp_stream *probe = open_stream(argv[1]);
    source_rate = sp_stream_source_rate(probe);
    const uint32_t channels = sp_stream_channels(probe);
    sp_stream_free(probe);
    if (source_rate > RATE || channels > SP_MAX_CHANNELS) return 2;

    for (uint32_t k = 1; k <= 2; k++) {
        /* A seek a little past the boundary: the resampler starts before it, and its
         * look-ahead reads into frame k (at 48 kHz the seek itself decodes frame k). */
        const uint64_t across = out_frame(k * BLOCK + 16);
        /* Back into frame k-1, near its end and near its start, away from the resampler's
         * margin (a few hundred frames) so the decoder's own seek lands in that frame too. */
        const uint64_t backs[2] = {out_frame(k * BLOCK - 700), out_frame((k - 1) * BLOCK + 700)};
        float expected[2][WANT * SP_MAX_CHANNELS];
        for (int b = 0; b < 2; b++) reference(argv[1], backs[b], expected[b]);
        for (long cut = FIRST_CUT; cut < LAST_CUT && cut < (long)intact_size; cut += CUT_STEP) {
            for (int b = 0; b < 2; b++) {
                sp_stream *stream = open_then_cut(cut);
                sp_stream_seek(stream, across); /* fails where the cut took the frame: fine */
                check_back(stream, backs[b], expected[b], cut, k,
                           "a seek into the cut, then back: not the intact frames");
            }
            /* Read from frame k-1 on into frame k, then back. */
            sp_stream *stream = open_then_cut(cut);
            float chunk[1024 * SP_MAX_CHANNELS];
            if (sp_stream_seek(stream, backs[1]) == SP_OK) {
                for (uint64_t read = 0; read < 3 * BLOCK;) {
                    const uint32_t got = sp_stream_read(stream, chunk, 1024);
                    read += got;
                    if (got < 1024) break;
                }
            }
            check_back(stream, backs[0], expected[0], cut, k,
                       "a read into the cut, then a seek back: not the intact frames");
        }
    }
    unlink(cut_path);
    free(intact);
    printf("stream cut: %llu rounds, %llu read whole, ok\n", (unsigned long long)rounds,
           (unsigned long long)whole);
    return 0;
}

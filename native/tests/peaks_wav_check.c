/* Attack checks on sp_peaks_file's direct WAV path (native/peaks_wav.c), built with the shim
 * under ASan+UBSan (see tests/peaks_wav_attack_test.ts). Usage: peaks_wav_check DIR CASE */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stemplay.h"

static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static void put16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }

/* A 16-bit stereo 48 kHz WAV of `frames` frames of noise. */
static void write_wav(const char *path, uint32_t frames) {
    const uint32_t data = frames * 4;
    unsigned char *b = calloc(1, 44 + data);
    memcpy(b, "RIFF", 4); put32(b + 4, 36 + data); memcpy(b + 8, "WAVEfmt ", 8);
    put32(b + 16, 16); put16(b + 20, 1); put16(b + 22, 2); put32(b + 24, 48000);
    put32(b + 28, 48000 * 4); put16(b + 32, 4); put16(b + 34, 16);
    memcpy(b + 36, "data", 4); put32(b + 40, data);
    uint32_t x = 1;
    for (uint32_t i = 0; i < data; i++) b[44 + i] = (unsigned char)((x = x * 1103515245u + 12345u) >> 16);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, 44 + data, f);
    fclose(f);
    free(b);
}

static float out[2 * 32 * 4096];

static sp_result peaks(const char *path, double start, double end, uint32_t points) {
    uint64_t info[3];
    char detail[256];
    return sp_peaks_file(path, start, end, points, 32, out, info, detail, sizeof detail);
}

static const char *file;
static volatile int stop;
static void *reader(void *arg) {
    (void)arg;
    for (int i = 0; i < 200; i++) peaks(file, 0, 1, 64);
    stop = 1;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    static char path[4096];
    snprintf(path, sizeof path, "%s/check.wav", argv[1]);
    write_wav(path, argc > 3 ? (uint32_t)atoi(argv[3]) : 100000);
    file = path;
    const char *c = argv[2];
    sp_result r = SP_OK;
    if (strcmp(c, "huge-end") == 0) {
        /* A finite end the console lets through (?end=1e300): (uint64_t)ceil(end * rate) */
        r = peaks(path, 0, 1e300, 100);
    } else if (strcmp(c, "huge-start") == 0) {
        r = peaks(path, 1e300, 2e300, 100);
    } else if (strcmp(c, "far-window") == 0) {
        /* A window wholly past the end (4e14 s, finite, within double): must be silent */
        r = peaks(path, 4e14, 5e14, 16);
        for (int i = 0; i < 2 * 2 * 16; i++) {
            if (out[i] != 0) {
                printf("far-window: value %d is %g, not silence\n", i, out[i]);
                return 4;
            }
        }
    } else if (strcmp(c, "head") == 0) {
        /* songPeaks' and the console library's one-point head read: 48 frames */
        r = peaks(path, 0, 1e-3, 1);
    } else if (strcmp(c, "env-race") == 0) {
        /* Two peaks at once while the environment changes (what tests do with
         * Deno.env.set around an outstanding nonblocking call) */
        pthread_t t[2];
        for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, reader, NULL);
        char name[64];
        for (int i = 0; !stop; i++) {
            snprintf(name, sizeof name, "STEMPLAY_ATTACK_%d", i);
            setenv(name, "1", 1);
            setenv("STEMPLAY_PEAKS_DECODER", "1", 1);
            unsetenv("STEMPLAY_PEAKS_DECODER");
        }
        for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    }
    printf("%s: result %d\n", c, r);
    return 0;
}

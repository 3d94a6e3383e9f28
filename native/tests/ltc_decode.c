/* ltc_decode.c: an independent check of stemplay's LTC. Decodes raw mono float32 samples with
 * libltc (Debian libltc-dev) and prints one line per decoded frame:
 *   <off_start> <off_end> <hours> <minutes> <seconds> <frames> <drop-frame bit>
 * Build: cc -O2 ltc_decode.c -lltc -o ltc_decode
 * Usage: ltc_decode <file.f32> <sample rate> <frames per second, e.g. 25 or 29.97> */
#include <ltc.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s <file.f32> <sample rate> <fps>\n", argv[0]);
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 1;
    }
    const double rate = atof(argv[2]), fps = atof(argv[3]);
    LTCDecoder *decoder = ltc_decoder_create((int)(rate / fps), 32);
    if (!decoder) return 1;
    float buffer[1024];
    ltc_off_t position = 0;
    size_t got;
    LTCFrameExt frame;
    SMPTETimecode time;
    while ((got = fread(buffer, sizeof(float), 1024, file)) > 0) {
        ltc_decoder_write_float(decoder, buffer, got, position);
        position += (ltc_off_t)got;
        while (ltc_decoder_read(decoder, &frame)) {
            ltc_frame_to_time(&time, &frame.ltc, 0);
            printf("%lld %lld %d %d %d %d %d\n", (long long)frame.off_start,
                   (long long)frame.off_end, time.hours, time.mins, time.secs, time.frame,
                   (int)frame.ltc.dfbit);
        }
    }
    fclose(file);
    ltc_decoder_free(decoder);
    return 0;
}

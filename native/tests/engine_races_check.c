/* engine_races_check.c: two control-side races, under ThreadSanitizer (tests/engine_races_test.ts).
 *
 * 1. A MIDI port's close waits for the engine's callback (sp_engine_wait_for_callback) on a
 *    worker thread of its own, while another thread swaps the engine's device (an open, a reopen,
 *    a loss: sp_engine_set_output). The pointer must be read atomically there.
 * 2. The screens read MIDI out's last message and the song frame it belongs to while the audio
 *    thread writes them (sp_midi_out_note_last): the pair must come out whole, never the message
 *    of one write with the frame of another.
 * Each check prints "ok" or "FAILED"; the last line counts the failures. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../engine_output.h"
#include "../engine_port.h"
#include "../midi_out.h"

static int failures;
static _Atomic int done;

static void report(const char *name, bool ok, const char *detail) {
    printf("%s: %s (%s)\n", name, ok ? "ok" : "FAILED", detail);
    if (!ok) failures++;
}

/* ---- 1. The device swapped while a close waits for its callback. */
static sp_engine *engine;
static sp_output outputs[2];

static void *swap_devices(void *arg) {
    (void)arg;
    for (unsigned i = 0; !atomic_load(&done); i++) {
        sp_engine_set_output(engine, i % 3 == 2 ? NULL : &outputs[i % 3]);
    }
    return NULL;
}

static void check_wait_for_callback(void) {
    engine = calloc(1, sizeof *engine);
    atomic_store(&done, 0);
    pthread_t swapper;
    pthread_create(&swapper, NULL, swap_devices, NULL);
    for (int i = 0; i < 200000; i++) sp_engine_wait_for_callback(engine);
    atomic_store(&done, 1);
    pthread_join(swapper, NULL);
    report("wait for the callback while the device is swapped", true,
           "ThreadSanitizer reports a plain read of the device");
    free(engine);
}

/* ---- 2. MIDI out's last message and its frame, read whole. The writer's frame is a function
 * of its message (the two data bytes, 14 bits), so a torn pair shows. */
static sp_midi_out *out;

static void *send_messages(void *arg) {
    (void)arg;
    for (uint32_t i = 1; !atomic_load(&done); i++) {
        const uint32_t value = i & 0x3FFF;
        const uint32_t packed = 3u << 24 | 0xB0u << 16 | (value >> 7) << 8 | (value & 127);
        sp_midi_out_note_last(out, packed, (int64_t)value * 1000);
    }
    return NULL;
}

static void check_last_event(void) {
    out = calloc(1, sizeof *out);
    atomic_store(&done, 0);
    pthread_t sender;
    pthread_create(&sender, NULL, send_messages, NULL);
    unsigned torn = 0, read = 0;
    for (int i = 0; i < 200000; i++) {
        int64_t last[2];
        if (sp_midi_out_last(out, last) != SP_OK) {
            torn++;
            continue;
        }
        const uint32_t packed = (uint32_t)last[0];
        const int64_t frame = last[1];
        if (packed == 0) continue; /* nothing sent yet */
        read++;
        const int64_t value = ((packed >> 8) & 127) << 7 | (packed & 127);
        if (frame != value * 1000) torn++;
    }
    atomic_store(&done, 1);
    pthread_join(sender, NULL);
    char detail[96];
    snprintf(detail, sizeof detail, "%u of %u reads torn", torn, read);
    report("last message and its frame read whole", torn == 0 && read > 0, detail);
    free(out);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    check_wait_for_callback();
    check_last_event();
    printf("engine_races_check: %d failed\n", failures);
    return failures ? 1 : 0;
}

/* output_lifetime_check.c: the engine's device freed under a MIDI port's control side, under
 * AddressSanitizer (tests/output_lifetime_test.ts).
 *
 * A reopen (a worker thread: sp_engine_reopen is a nonblocking FFI call) detaches the engine's
 * device and hands it to a teardown thread that frees it, while a MIDI port's close or open (on
 * another worker thread, or the JS thread) asks the engine for its JACK client
 * (sp_engine_jack_client) and waits for its callback (sp_engine_wait_for_callback). Reading the
 * pointer atomically is not enough: what it points to must not be freed while it is used.
 * Each check prints "ok" or "FAILED"; the last line counts the failures. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../engine_output.h"
#include "../engine_port.h"

static int failures;
static _Atomic int done;
static sp_engine *engine;
static _Atomic unsigned reopens;

static void report(const char *name, bool ok, const char *detail) {
    printf("%s: %s (%s)\n", name, ok ? "ok" : "FAILED", detail);
    if (!ok) failures++;
}

/* A reopen's device swap as engine.c does it: bind a new output, whose callback runs a while
 * (a waiter sees it running and waits), detach it once the callback is out (cut_off), free it
 * (the teardown thread's close_output). */
static void *reopen_devices(void *arg) {
    (void)arg;
    while (!atomic_load(&done)) {
        sp_output *output = calloc(1, sizeof *output);
        sp_engine_set_output(engine, output);
        atomic_store(&output->in_callback, 1);
        nanosleep(&(struct timespec){.tv_nsec = 200000}, NULL);
        atomic_store(&output->in_callback, 0);
        sp_engine_set_output(engine, NULL);
        free(output);
        atomic_fetch_add(&reopens, 1);
    }
    return NULL;
}

/* Runs use() for a second against the reopens. */
static void run_against_reopens(void (*use)(void), const char *name) {
    engine = calloc(1, sizeof *engine);
    atomic_store(&done, 0);
    pthread_t reopener;
    pthread_create(&reopener, NULL, reopen_devices, NULL);
    while (atomic_load(&reopens) == 0) sched_yield();
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        for (int i = 0; i < 100; i++) use();
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < 1);
    atomic_store(&done, 1);
    pthread_join(reopener, NULL);
    char detail[96];
    snprintf(detail, sizeof detail, "%u reopens; AddressSanitizer reports a use of the freed device",
             atomic_exchange(&reopens, 0));
    report(name, true, detail);
    free(engine);
}

static void wait_for_callback(void) { sp_engine_wait_for_callback(engine); }
static void ask_for_client(void) { (void)sp_engine_jack_client(engine); }

int main(void) {
    run_against_reopens(wait_for_callback, "wait for the callback while the device is reopened");
    run_against_reopens(ask_for_client, "ask for the JACK client while the device is reopened");
    printf("output_lifetime_check: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}

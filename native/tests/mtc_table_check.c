/* mtc_table_check.c: MTC's group table (mtc.h), written by the control side
 * (sp_mtc_map_song_speed) and read by the JACK or audio thread (rt/mtc_rt.c), against the cases a
 * review of song time found broken: a slot reused while a reader reads it (a hour or speed of
 * another song), the group no slot can name (UINT32_MAX), and bad speeds. No JACK: the table
 * only. Each check prints "ok" or "FAILED"; the last line counts the failures.
 * Run by tests/mtc_table_native_test.ts under ASan/UBSan and TSan. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../internal.h"
#include "../mtc.h"

static int failures;

static void report(const char *name, bool ok, const char *detail) {
    printf("%s: %s (%s)\n", name, ok ? "ok" : "FAILED", detail);
    if (!ok) failures++;
}

/* Every group g is mapped with these, so a reader knows what it must see for g. */
static uint32_t hour_for(uint32_t group) { return group % 24; }
static double speed_for(uint32_t group) { return 0.55 + (double)(group % 7) * 0.25; /* never 1 */ }

#define WRITES 400000u
#define WINDOW 24u /* the reader asks for the last few groups mapped: some evicted, some reused */

static _Atomic uint32_t latest; /* the group mapped last, +1 (0: none yet) */
static _Atomic bool writing;

static void *writer(void *arg) {
    struct sp_mtc *mtc = arg;
    for (uint32_t g = 1; g <= WRITES; g++) {
        sp_mtc_map_song_speed(mtc, g, hour_for(g), speed_for(g));
        atomic_store_explicit(&latest, g + 1, memory_order_release);
    }
    atomic_store_explicit(&writing, false, memory_order_release);
    return NULL;
}

int main(void) {
    struct sp_mtc *mtc = calloc(1, sizeof *mtc);
    if (!mtc || !sp_tc_rate_of(3000, &mtc->rate)) return 2;
    mtc->sample_rate = 48000;
    mtc->speed = 1.0;

    /* The group whose +1 wraps to 0 (an empty slot's mark) is refused, and never found. */
    report("group UINT32_MAX refused",
           sp_mtc_map_song_speed(mtc, UINT32_MAX, 3, 1.0) == SP_ERROR_INVALID_ARGUMENT,
           "its +1 is an empty slot's mark");
    int64_t hour;
    double speed;
    report("group UINT32_MAX not found in an empty table",
           !sp_mtc_song_of(mtc, UINT32_MAX, &hour, &speed), "an empty slot is no song");

    /* Bad speeds are refused and leave the group's mapping as it was. */
    sp_mtc_map_song_speed(mtc, 5, 7, 0.9);
    const double bad[] = {NAN, 0.0, -1.0, 0.2, 4.5, INFINITY, -INFINITY};
    bool refused = true;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refused = refused && sp_mtc_map_song_speed(mtc, 5, 3, bad[i]) == SP_ERROR_INVALID_ARGUMENT;
    }
    report("bad speeds refused, the mapping untouched",
           refused && sp_mtc_song_of(mtc, 5, &hour, &speed) && hour == 7 &&
               fabs(speed - 0.9) < 1e-7,
           "NaN, 0, -1, 0.2, 4.5, +-inf");
    report("an unmapped group has no hour", !sp_mtc_song_of(mtc, 6, &hour, &speed), "group 6");

    /* A reader on another thread while the control side maps group after group (each slot
     * reused every 16): whatever it finds for g must be g's own hour and speed. */
    atomic_store(&writing, true);
    pthread_t thread;
    if (pthread_create(&thread, NULL, writer, mtc) != 0) return 2;
    uint64_t reads = 0, found = 0, torn_hours = 0, torn_speeds = 0, torn_pairs = 0;
    while (atomic_load_explicit(&writing, memory_order_acquire)) {
        const uint32_t newest = atomic_load_explicit(&latest, memory_order_acquire);
        if (newest == 0) continue;
        for (uint32_t back = 0; back < WINDOW && back < newest - 1; back++) {
            const uint32_t g = newest - 1 - back;
            /* what a restart reads: the hour and the speed of the song it plays */
            hour = -1;
            speed = 1.0;
            const bool mapped = sp_mtc_song_of(mtc, g, &hour, &speed);
            reads++;
            if (mapped) {
                found++;
                if (hour != (int64_t)hour_for(g)) torn_hours++;
                if (speed == 1.0) torn_pairs++; /* an hour without its speed */
                else if (fabs(speed - speed_for(g)) > 1e-7) torn_speeds++;
            }
        }
    }
    pthread_join(thread, NULL);
    char detail[160];
    snprintf(detail, sizeof detail, "%llu reads, %llu found, %llu hours and %llu speeds of another group, %llu hours "
             "without their speed",
             (unsigned long long)reads, (unsigned long long)found,
             (unsigned long long)torn_hours, (unsigned long long)torn_speeds,
             (unsigned long long)torn_pairs);
    report("a slot reused while read gives no other group's hour or speed",
           torn_hours == 0 && torn_speeds == 0 && torn_pairs == 0 && found > 0, detail);

    free(mtc);
    printf("mtc_table_check: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}

/* cue_hint_check.c: the readers' hint of where the last armed cue lands (engine->cue_head_frame,
 * butler.c: its head decoded first, a stretcher kept at its end) survives a one-off cue firing
 * to the same frame while the next one is on its way: armed from the control thread during the
 * drain of the block the first fires in (the drain hook), the second is taken only by the next
 * block. Clearing the hint when a one-off cue fires (rt/show_rt.c) must not clear the hint of
 * a cue armed after it. Offline engine, block by block; prints "cue hint: ... ok|FAILED" and
 * exits with the number of failures. */
#include <stdio.h>
#include <stdlib.h>

#include "../internal.h"

#define RATE 48000u
#define BLOCK 256u
#define TARGET 1000u

#define CHECK(call) \
    do { \
        const sp_result r_ = (call); \
        if (r_ != SP_OK) { \
            fprintf(stderr, "cue hint: %s failed at line %d: %s\n", #call, __LINE__, \
                    sp_result_string(r_)); \
            exit(100); \
        } \
    } while (0)

static int armed_in_drain = 0;
/* The operator arms the same jump again while the callback drains its commands. */
static void arm_again(sp_engine *engine) {
    if (armed_in_drain == 0 && sp_transport_cue(engine, 40000, 0, TARGET, 0, 0) == SP_OK) {
        armed_in_drain = 1;
    }
}

int main(void) {
    sp_engine *engine;
    sp_engine_config config = sp_engine_config_init();
    config.backend = "offline";
    config.sample_rate = RATE;
    config.channels = 2;
    config.block_frames = BLOCK;
    config.track_capacity = 4;
    CHECK(sp_engine_init(&config, &engine));
    float *samples = calloc(RATE * 2u, sizeof(float));
    sp_pcm *pcm; /* the track owns it */
    CHECK(sp_pcm_from_planar(samples, 1, RATE * 2u, &pcm));
    free(samples);
    uint32_t slot;
    CHECK(sp_track_attach(engine, pcm, 0, &slot));
    CHECK(sp_track_activate(engine, slot));
    float *out = malloc(sizeof(float) * BLOCK * 2u);
    CHECK(sp_transport_play(engine));
    CHECK(sp_render(engine, out, BLOCK));
    /* A one-off jump to TARGET, due in the next block. */
    CHECK(sp_transport_cue(engine, 2 * BLOCK + 10, 0, TARGET, 0, 0));
    CHECK(sp_render(engine, out, BLOCK));
#ifdef SP_TEST_HOOKS
    /* A command for the drain to pop (the hook runs after each), then the block it fires in. */
    CHECK(sp_transport_play(engine));
    engine->drain_hook = arm_again;
    CHECK(sp_render(engine, out, BLOCK));
    engine->drain_hook = NULL;
    CHECK(sp_render(engine, out, BLOCK)); /* takes the jump armed again */
    const uint64_t hint = sp_butler_cue_head(engine, 0); /* what the readers see */
    int ok = armed_in_drain == 1 && engine->show.cue_armed &&
             engine->show.cue_target_frame == TARGET && hint == TARGET;
    printf("cue hint: a jump armed again to the same frame while the first fires keeps its "
           "hint %s (armed in the drain: %d, armed: %d, hint %llu, want %u)\n",
           ok ? "... ok" : "FAILED", armed_in_drain, (int)engine->show.cue_armed,
           (unsigned long long)hint, TARGET);
    /* Once that one fires too, its hint is void: nothing is kept for a jump made. */
    for (int i = 0; i < 200 && engine->show.cue_armed; i++) CHECK(sp_render(engine, out, BLOCK));
    const int void_after = !engine->show.cue_armed && sp_butler_cue_head(engine, 0) == UINT64_MAX;
    printf("cue hint: a one-off jump made voids its hint %s\n", void_after ? "... ok" : "FAILED");
    ok = ok && void_after;
#else
    const int ok = 0;
    printf("cue hint: FAILED: built without -DSP_TEST_HOOKS\n");
#endif
    free(out);
    CHECK(sp_engine_destroy(engine));
    return ok ? 0 : 1;
}

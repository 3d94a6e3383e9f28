/* harness_retimes.h: part of harness.c (included once, after its songs, routes and waits): key
 * and tempo changes while playing (SP_COMMAND_RETIME), the callback switching onto stems still
 * being rendered by their own threads (stretch_fill.c). */
#ifndef STEMPLAY_HARNESS_RETIMES_H
#define STEMPLAY_HARNESS_RETIMES_H

/* The song again at another key and tempo (SP_COMMAND_RETIME's target): each stem a pcm still
 * being rendered by a thread of its own (stretch_fill.c) from `start` on, then the part before,
 * while the callback plays it and the reader may free it. */
static void load_retimed(song *s, uint32_t group, uint32_t count, double speed, uint64_t start) {
    s->group = group;
    s->count = count;
    for (uint32_t t = 0; t < count; t++) {
        const uint32_t channels = t % 2 == 0 ? 1 : 2;
        sp_pcm *out;
        CHECK(sp_pcm_stretch_progressive(make_pcm(channels, RATE, t + group * 100u), RATE, speed,
                                         t % 2 == 0 ? 1.122 : 1.0, 1, start, &out));
        CHECK(attach_waiting(out, NULL, group, &s->slots[t]));
        s->channels[t] = channels;
        random_route(s->slots[t], channels);
        CHECK(sp_track_activate(engine, s->slots[t]));
    }
}

/* Key and tempo changes while playing: the callback switches at once, onto frames still being
 * written (it plays only [fill_from, fill_to)), a seek lands before the part rendered, a second
 * change follows, and the first retimed song is freed while its renders may still run. */
static void retimes(song *a, song *b) {
    EXPECT(sp_stretch_available() == 1); /* .ci/run installs librubberband2 */
    load_retimed(b, 3, 4, 0.8, RATE / 2);
    CHECK(sp_transport_retime(engine, 3, 1.0, 0.8, 2400));
    while (status_of(SP_STATUS_GROUP) != 3) wait_blocks(1);
    retire_song(a);
    CHECK(sp_transport_seek(engine, RATE / 8));
    wait_blocks(8);
    load_retimed(a, 4, 4, 1.25, RATE / 4);
    CHECK(sp_transport_retime(engine, 4, 0.8, 1.25, 2400));
    while (status_of(SP_STATUS_GROUP) != 4) wait_blocks(1);
    retire_song(b);
    wait_blocks(4);
    printf("harness: retimes done\n");
}

#endif

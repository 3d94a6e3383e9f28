/* mtc.h: MIDI timecode out, shared by mtc.c (control side, and the JACK process callback of
 * MTC's own client when the engine does not play on JACK) and rt/mtc_rt.c (the audio thread
 * writes the port on the engine's own client, on the exact frame of the audio). Not part of the
 * ABI. */
#ifndef STEMPLAY_MTC_H
#define STEMPLAY_MTC_H

#include "engine_port.h"
#include "jack_api.h"
#include "timecode.h"

#define MTC_SONGS 16u /* group -> hour slots, a ring written by the control side */

#ifdef __linux__
struct sp_mtc {
    sp_jack_api api;
    /* Its own client (the engine not on JACK), or NULL; else on_engine and engine_port. */
    jack_client_t *client;
    jack_port_t *port;
    bool on_engine;
    sp_engine_port engine_port;
    const sp_engine *engine;
    sp_tc_rate rate;
    uint32_t sample_rate;
    /* control -> JACK thread: which group plays which hour at which speed, one word per slot
     * so a reader never sees a slot half rewritten (mtc_slot.h: 0 = empty). The speed is the
     * one its timeline runs at: its quarter frames carry song time, timeline frame f being
     * song frame f * speed (issue 24). */
    _Atomic uint64_t songs[MTC_SONGS];
    uint32_t next_slot; /* control side only */
    _Atomic int64_t offset_frames; /* control -> JACK thread: > 0 late, < 0 early */
    /* JACK thread only */
    bool running;
    uint32_t group;
    uint64_t expected;   /* the position expected next */
    int64_t next_quarter; /* the next quarter frame to send, counted from the song's start */
    int64_t hour_frames;  /* frames before the song's start: hour * frames per hour */
    double speed;         /* the playing group's speed (1: the exact integer path) */
    /* audio thread only, on the engine's client: this cycle's buffer (NULL: none), the
     * current block's first frame in it, its frames, and whether a stretch played in the block */
    void *buffer;
    uint32_t cursor, cycle_frames;
    bool advanced;
    _Atomic uint64_t full_frames, quarter_frames;
};

/* rt/mtc_rt.c: the pieces both writers share (real-time safe). */
int64_t sp_mtc_quarter_start(const struct sp_mtc *mtc, int64_t q);
/* Group `group`'s hour and speed, read together (one load); false: not mapped. */
bool sp_mtc_song_of(struct sp_mtc *mtc, uint32_t group, int64_t *hour, double *speed);
void sp_mtc_write_full_frame(struct sp_mtc *mtc, void *buffer, uint32_t at, int64_t frame);
void sp_mtc_write_quarter(struct sp_mtc *mtc, void *buffer, uint32_t at, int64_t q);
/* A new place (play from a stop, a seek, a jump, a loop seam, a song change): the full frame of
 * timeline frame `position` at `at`, and quarter frames resume with the next group of 8. */
void sp_mtc_restart(struct sp_mtc *mtc, void *buffer, uint32_t at, int64_t position,
                    uint32_t group, int64_t hour, double speed);
#endif

/* rt/mtc_rt.c, the audio thread, for MTC on the engine's own client (no-ops otherwise). */
void sp_mtc_begin_cycle(sp_engine *engine, const ma_device *device, uint32_t frames);
void sp_mtc_segment(sp_engine *engine, uint32_t offset, uint64_t pos, uint32_t count);
void sp_mtc_end_block(sp_engine *engine, uint32_t frames);
void sp_mtc_end_cycle(sp_engine *engine);

#endif

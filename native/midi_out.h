/* midi_out.h: MIDI out on the engine's own JACK client, shared by midi_out.c (control side:
 * open, song maps, close) and rt/midi_out_rt.c (the audio thread writes the port inside the
 * JACK cycle that plays the audio, with frame offsets). Not part of the ABI. */
#ifndef STEMPLAY_MIDI_OUT_H
#define STEMPLAY_MIDI_OUT_H

#include "engine_port.h"
#include "internal.h"
#include "jack_api.h"

#define SP_MIDI_OUT_SONGS 16u     /* group -> tempo map slots, a ring written by the control side */
#define SP_MIDI_OUT_SEGMENTS 4096u /* tempo segments per song, at most */
#define SP_MIDI_OUT_COUNTERS 7u
/* What map_song accepts of a tempo map (see there) */
#define SP_MIDI_OUT_MIN_TICK_SECONDS 1e-4
#define SP_MIDI_OUT_MAX_TICK_SECONDS 100.0
#define SP_MIDI_OUT_MAX_AT 1e6 /* seconds: 11 days */

/* One stretch of constant tempo: clock tick k (k may be negative before the first segment, a
 * pickup) falls on song frame llround((at + k * tick_seconds) * rate), and is tick first_tick + k
 * counted from the song's first downbeat (song position 0). */
/* A song's first segment starts at tick 0 (its first downbeat). A count-in's one segment is
 * numbered as its song's ticks: its first_tick is the song's tick where the count-in hands over
 * (0 from the top, 96 from a marker at bar 2 in 4/4, negative into a pickup); the clock runs
 * without Start until max(0, first_tick), where Start goes (0) or SPP and Continue. */
typedef struct {
    double at, tick_seconds;
    int64_t first_tick;
} sp_midi_segment;

/* A timed message: `size` bytes at `offset` in the song's byte pool, on song frame `frame`. */
typedef struct {
    int64_t frame;
    uint32_t offset, size;
} sp_midi_timed;

typedef struct {
    _Atomic uint32_t group; /* group + 1; 0: empty or being written */
    uint32_t count;
    sp_midi_segment *segments; /* control-owned, like `events` */
    /* The song's messages in frame order (control-owned memory, read by the audio thread while
     * `group` is set; replaced only after a grace period, see midi_out.c) */
    sp_midi_timed *events;
    uint32_t event_count;
    unsigned char *bytes;
    uint64_t mapped_seq; /* control side only: when it was mapped (out->maps) */
} sp_midi_song;

struct sp_midi_out {
#ifdef __linux__
    /* The port `midi_out` on the engine's (miniaudio's) client, as MIDI in's and MTC's are:
     * registered, moved after a reopen and removed by engine_port.c. */
    sp_engine_port jack;
#endif
    sp_engine *engine;
    uint32_t sample_rate;
    /* control -> audio */
    _Atomic int32_t clock_on;
    _Atomic int64_t offset_frames; /* later (> 0) or earlier (< 0) than the audio */
    sp_midi_song songs[SP_MIDI_OUT_SONGS];
    uint64_t maps; /* control side only: maps made, numbering each slot's (mapped_seq) */
    /* audio thread only */
    void *buffer;       /* this JACK cycle's port buffer; NULL outside a cycle or offline */
    uint32_t cursor;    /* the current block's first frame within the cycle */
    uint32_t cycle_frames; /* this JACK cycle's frames: no message goes at or after them */
    void *cycle_client;    /* the JACK client of the last cycle on the port */
    uint32_t cycle_generation; /* and its output's generation (sp_output) */
    bool off_port;         /* this cycle runs on a device the port is not on: nothing is sent */
    bool valid;         /* `group` and `expected` describe the last segment played */
    bool rolling;       /* Start or Continue sent, and no Stop since */
    bool pending_start; /* ticks run toward pending_tick, where Start (or SPP and Continue) goes */
    int64_t pending_tick; /* 0: the first downbeat (Start); a count-in into mid-song: its tick */
    bool advanced;      /* a segment played in the current block */
    uint32_t group;
    uint64_t expected;   /* the song frame the last segment led to */
    uint32_t next_event; /* the next of the song's events to send */
    bool ticked;         /* next_tick is the clock's next tick after the last segment */
    int64_t next_tick;
    uint8_t held[16][128]; /* notes on (sent and not yet ended), by channel and key */
    uint32_t held_count;
    /* audio -> control: messages written, by kind (SP_MIDI_OUT_SENT_*); the last event sent
     * (up to 3 bytes and its length, packed size << 24 | b0 << 16 | b1 << 8 | b2) and the song
     * frame it belongs to, one snapshot behind a seqlock (rt/seqlock.h): last[0], last[1] */
    _Atomic uint64_t sent[SP_MIDI_OUT_COUNTERS];
    _Atomic uint32_t last_seq;
    _Atomic uint64_t last[2];
};

enum {
    SP_MIDI_OUT_SENT_TICKS = 0,
    SP_MIDI_OUT_SENT_STARTS = 1,
    SP_MIDI_OUT_SENT_CONTINUES = 2,
    SP_MIDI_OUT_SENT_STOPS = 3,
    SP_MIDI_OUT_SENT_POSITIONS = 4,
    SP_MIDI_OUT_SENT_DROPPED = 5, /* the port's buffer was full */
    SP_MIDI_OUT_SENT_EVENTS = 6,  /* the songs' own messages (events, MIDI files, note ends) */
};

/* rt/midi_out_rt.c, called from the audio thread only. */
void sp_midi_out_begin_cycle(sp_engine *engine, ma_device *device, uint32_t frames);
void sp_midi_out_segment(sp_engine *engine, uint32_t offset, uint64_t pos, uint32_t count);
void sp_midi_out_end_block(sp_engine *engine, uint32_t frames);
void sp_midi_out_end_cycle(sp_engine *engine);
/* The last song message sent (packed as `last` says) and the song frame it belongs to,
 * for the screens: one snapshot, read whole by sp_midi_out_last. */
void sp_midi_out_note_last(sp_midi_out *out, uint32_t packed, int64_t song_frame);

#endif

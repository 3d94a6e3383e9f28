/* rt/midi_out_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * MIDI clock out, written into the engine's own JACK MIDI port inside the JACK cycle whose
 * audio it belongs to (the device runs without miniaudio's fixed-size buffering on JACK, so the
 * data callback is JACK's process callback). render_block reports each stretch of song frames
 * it plays (sp_midi_out_segment); every clock tick whose frame (shifted by the offset) falls in
 * it is written at its exact frame in the cycle. A stretch that does not follow on from the last
 * one (a seek, a jump, a loop pass, a song change, play after a stop) first sends where the
 * song is: Start at the first downbeat when it plays from there (ticks before it run without
 * Start: a count-in, a pickup), else a Song Position Pointer and Continue (or just the pointer
 * while it already rolls). A block where the transport stands still sends Stop.
 * Real-time safe: atomics, arithmetic and jack_midi_event_write only. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "midi_out.h"

#define RELAXED memory_order_relaxed

enum { MIDI_CLOCK = 0xF8, MIDI_START = 0xFA, MIDI_CONTINUE = 0xFB, MIDI_STOP = 0xFC };

/* Writes a message at frame `at` of the cycle; false when the port refused it (full). Without a
 * port buffer (an offline render) it only counts. */
static bool write_message(sp_midi_out *out, uint32_t at, const unsigned char *bytes, size_t size,
                          int kind) {
#ifdef __linux__
    /* The engine may render more frames than the cycle has (varispeed): JACK refuses a
     * message at or after the cycle's end, so a late one goes on its last frame. */
    if (out->cycle_frames > 0 && at >= out->cycle_frames) at = out->cycle_frames - 1;
    if (out->buffer != NULL && out->jack.api.midi_event_write(out->buffer, at, bytes, size) != 0) {
        atomic_fetch_add_explicit(&out->sent[SP_MIDI_OUT_SENT_DROPPED], 1, RELAXED);
        return false;
    }
#else
    (void)at, (void)bytes, (void)size;
#endif
    atomic_fetch_add_explicit(&out->sent[kind], 1, RELAXED);
    return true;
}

static void write_byte(sp_midi_out *out, uint32_t at, unsigned char byte, int kind) {
    write_message(out, at, &byte, 1, kind);
}

/* The song position pointer: sixteenth notes (6 ticks) from the first downbeat. */
static void write_position(sp_midi_out *out, uint32_t at, int64_t tick) {
    int64_t sixteenths = tick <= 0 ? 0 : tick / 6;
    if (sixteenths > 16383) sixteenths = 16383; /* 14 bits */
    const unsigned char bytes[3] = {0xF2, (unsigned char)(sixteenths & 127),
                                    (unsigned char)(sixteenths >> 7)};
    write_message(out, at, bytes, sizeof bytes, SP_MIDI_OUT_SENT_POSITIONS);
}

static const sp_midi_song *song_of(const sp_midi_out *out, uint32_t group) {
    for (uint32_t i = 0; i < SP_MIDI_OUT_SONGS; i++) {
        if (atomic_load_explicit(&out->songs[i].group, memory_order_acquire) == group + 1) {
            return &out->songs[i];
        }
    }
    return NULL;
}

/* The segment that tick `tick` (from the first downbeat) belongs to: the last one starting at
 * or before it; the first one for a pickup. */
static const sp_midi_segment *segment_of_tick(const sp_midi_song *song, int64_t tick) {
    uint32_t s = 0;
    while (s + 1 < song->count && song->segments[s + 1].first_tick <= tick) s++;
    return &song->segments[s];
}

static int64_t tick_frame(const sp_midi_out *out, const sp_midi_song *song, int64_t tick) {
    const sp_midi_segment *segment = segment_of_tick(song, tick);
    const double seconds =
        segment->at + (double)(tick - segment->first_tick) * segment->tick_seconds;
    const double frame = round(seconds * (double)out->sample_rate);
    if (!(frame < 9e18)) return INT64_MAX; /* past any song (and llround's range) */
    if (frame < -9e18) return -INT64_MAX;
    return (int64_t)frame;
}

/* The first tick whose frame is at or after `frame`. */
static int64_t first_tick_from(const sp_midi_out *out, const sp_midi_song *song, int64_t frame) {
    uint32_t s = 0;
    const double seconds = (double)frame / (double)out->sample_rate;
    while (s + 1 < song->count && song->segments[s + 1].at <= seconds) s++;
    const sp_midi_segment *segment = &song->segments[s];
    const double estimate = floor((seconds - segment->at) / segment->tick_seconds);
    int64_t tick = segment->first_tick + (int64_t)fmax(fmin(estimate, 1e15), -1e15);
    /* Rounding either way: a step or two, capped for a map past map_song's checks. */
    for (int step = 0; step < 64 && tick_frame(out, song, tick) >= frame; step++) tick--;
    for (int step = 0; step < 64 && tick_frame(out, song, tick) < frame; step++) tick++;
    return tick;
}

/* Where the clock's lead-in ends and the device is told to roll: a song's first downbeat (0), or
 * for a count-in into mid-song the song's tick it hands over at (midi_out.h). */
static int64_t lead_in_end(const sp_midi_song *song) {
    const int64_t first = song->segments[0].first_tick;
    return first > 0 ? first : 0;
}

/* Ticks run without Start until `tick`, where it (or SPP and Continue) goes. */
static void await_tick(sp_midi_out *out, int64_t tick) {
    out->rolling = false;
    out->pending_start = true;
    out->pending_tick = tick;
}

/* What was sent through the port is gone with it: nothing rolls, nothing is held. */
static void forget_port(sp_midi_out *out) {
    out->valid = out->rolling = out->pending_start = false;
    if (out->held_count > 0) memset(out->held, 0, sizeof out->held);
    out->held_count = 0;
}

void sp_midi_out_begin_cycle(sp_engine *engine, ma_device *device, uint32_t frames) {
    sp_midi_out *out = atomic_load_explicit(&engine->midi_out, memory_order_seq_cst);
    if (out == NULL) return;
    out->cursor = 0;
    out->buffer = NULL;
    out->cycle_frames = 0;
    /* A device without a backend (a test's stand-in) runs the logic and counts, like an
     * offline render; a real one without the port sends nothing. */
    out->off_port = device->pContext != NULL;
#ifdef __linux__
    const sp_output *output = device->pUserData;
    if (device->pContext != NULL) out->buffer = sp_engine_port_buffer(&out->jack, device, frames);
    if (out->buffer != NULL) {
        out->jack.api.midi_clear_buffer(out->buffer);
        out->cycle_frames = frames;
        out->off_port = false;
    }
    /* A reopened device (a new client, the port not yet on it, or just moved there): the
     * receiver heard nothing since, so the first cycle on the port says where the song is
     * (SPP and Continue, or Start) and the notes held on the old port are forgotten. */
    if (out->buffer == NULL) {
        if (out->off_port) forget_port(out);
    } else if (device->jack.pClient != out->cycle_client ||
               output->generation != out->cycle_generation) {
        forget_port(out);
        out->cycle_client = device->jack.pClient;
        out->cycle_generation = output->generation;
    }
#else
    (void)device, (void)frames;
    out->off_port = false;
#endif
}

/* The first of the song's events at or after `frame`. */
static uint32_t first_event_from(const sp_midi_song *song, int64_t frame) {
    uint32_t low = 0, high = song->event_count;
    while (low < high) {
        const uint32_t mid = low + (high - low) / 2;
        if (song->events[mid].frame < frame) low = mid + 1;
        else high = mid;
    }
    return low;
}

/* Keeps count of the notes on, so that a jump or a stop can end them. */
static void track_notes(sp_midi_out *out, const unsigned char *bytes, uint32_t size) {
    for (uint32_t i = 0; i + 2 < size; i++) {
        const unsigned char status = bytes[i] & 0xF0;
        if (status != 0x90 && status != 0x80) continue; /* data bytes are < 0x80 */
        uint8_t *held = &out->held[bytes[i] & 15][bytes[i + 1] & 127];
        const bool on = status == 0x90 && bytes[i + 2] != 0;
        if (on && !*held) out->held_count++;
        if (!on && *held) out->held_count--;
        *held = on;
        i += 2;
    }
}

void sp_midi_out_note_last(sp_midi_out *out, uint32_t packed, int64_t song_frame) {
    const uint64_t last[2] = {packed, (uint64_t)song_frame};
    sp_seqlock_write(&out->last_seq, out->last, last, 2);
}

/* `song_frame`: where in the song the message belongs (the screens show it). */
static void write_event(sp_midi_out *out, uint32_t at, const unsigned char *bytes, uint32_t size,
                        int64_t song_frame) {
    /* A refused note-off leaves its note held, to be ended at the next jump or stop. */
    if (!write_message(out, at, bytes, size, SP_MIDI_OUT_SENT_EVENTS)) return;
    track_notes(out, bytes, size);
    const uint32_t packed = (size < 3 ? size : 3) << 24 | (uint32_t)bytes[0] << 16 |
                            (size > 1 ? (uint32_t)bytes[1] << 8 : 0) | (size > 2 ? bytes[2] : 0);
    sp_midi_out_note_last(out, packed, song_frame);
}

/* Note offs for every note on: playback left the place that would have ended them. */
static void end_held_notes(sp_midi_out *out, uint32_t at) {
    for (uint32_t channel = 0; channel < 16 && out->held_count > 0; channel++) {
        for (uint32_t key = 0; key < 128; key++) {
            if (!out->held[channel][key]) continue;
            const unsigned char off[3] = {(unsigned char)(0x80 | channel), (unsigned char)key, 0};
            write_event(out, at, off, 3, (int64_t)out->expected); /* where playback left */
        }
    }
}

/* Stop to a rolling device and the held notes ended: the transport left this song's time. */
static void halt(sp_midi_out *out, uint32_t at) {
    if (out->rolling) write_byte(out, at, MIDI_STOP, SP_MIDI_OUT_SENT_STOPS);
    end_held_notes(out, at);
    out->rolling = out->pending_start = false;
    out->valid = false;
}

void sp_midi_out_segment(sp_engine *engine, uint32_t offset, uint64_t pos, uint32_t count) {
    sp_midi_out *out = atomic_load_explicit(&engine->midi_out, memory_order_seq_cst);
    if (out == NULL || out->off_port) return; /* no port to send to: the next one starts over */
    out->advanced = true;
    const uint32_t group = engine->group;
    const bool follows = out->valid && group == out->group && pos == out->expected;
    const sp_midi_song *song = song_of(out, group);
    const uint32_t base = out->cursor + offset;
    if (song == NULL) {
        halt(out, base); /* a song MIDI out knows nothing of (a count-in, a bare track) */
        return;
    }
    const bool clock = song->count > 0 && atomic_load_explicit(&out->clock_on, RELAXED);
    /* A message at song frame f goes out with the audio of song frame f + shift. */
    const int64_t shift = atomic_load_explicit(&out->offset_frames, RELAXED);
    const int64_t start = (int64_t)pos - shift;
    /* From a jump with a negative offset, the messages between the new position and the
     * shifted one are already due: they go out at once, at the block's frame. */
    const int64_t from = !follows && shift < 0 ? (int64_t)pos : start;
    int64_t tick = clock ? first_tick_from(out, song, from) : 0;
    /* Another group whose clock goes on from the tick the last one stopped before: a
     * count-in handing over to its song. With a negative offset the count-in has already sent
     * the song's first ticks (and Start): the clock runs on, no Stop, no second Start. */
    const bool hand_over = !follows && clock && out->valid && out->ticked && group != out->group &&
                           first_tick_from(out, song, start) == out->next_tick;
    if (hand_over) {
        /* The last group sent everything before `start` (with a negative offset, what was
         * due early too): its events go on from there, not again. */
        end_held_notes(out, base);
        out->next_event = first_event_from(song, start);
        tick = out->next_tick;
    } else if (!follows) {
        end_held_notes(out, base);
        out->next_event = first_event_from(song, from);
        if (!clock) {
            if (out->rolling) write_byte(out, base, MIDI_STOP, SP_MIDI_OUT_SENT_STOPS);
            out->rolling = out->pending_start = false;
        } else if (tick <= lead_in_end(song)) {
            /* From the beginning (or a count-in's start): Start comes on the first downbeat, or
             * SPP and Continue where a count-in into mid-song hands over. */
            if (out->rolling) {
                write_byte(out, base, MIDI_STOP, SP_MIDI_OUT_SENT_STOPS);
                if (lead_in_end(song) == 0) write_position(out, base, 0);
            }
            await_tick(out, lead_in_end(song));
        } else {
            write_position(out, base, tick);
            if (!out->rolling) write_byte(out, base, MIDI_CONTINUE, SP_MIDI_OUT_SENT_CONTINUES);
            out->rolling = true;
            out->pending_start = false;
        }
    } else if (!clock && out->rolling) {
        write_byte(out, base, MIDI_STOP, SP_MIDI_OUT_SENT_STOPS); /* the clock was turned off */
        out->rolling = out->pending_start = false;
    } else if (clock && !out->rolling && !out->pending_start) {
        /* The clock turned on again mid-song: the device is told where the song is. */
        if (tick <= lead_in_end(song)) {
            await_tick(out, lead_in_end(song));
        } else {
            write_position(out, base, tick);
            write_byte(out, base, MIDI_CONTINUE, SP_MIDI_OUT_SENT_CONTINUES);
            out->rolling = true;
        }
    }
    out->valid = true;
    out->group = group;
    out->expected = pos + count;
    const int64_t end = start + count;
    /* Ticks and events merged in frame order (JACK wants them so); at one frame the clock
     * first, so a device has Start before the events of the downbeat. Capped: no more ticks
     * than frames (+ 2), whatever the map says; events end with the song's list. */
    for (uint64_t ticks = 0; ticks <= (uint64_t)count + 2;) {
        const int64_t tick_at = clock ? tick_frame(out, song, tick) : INT64_MAX;
        const int64_t event_at = out->next_event < song->event_count
                                     ? song->events[out->next_event].frame
                                     : INT64_MAX;
        const int64_t frame = tick_at <= event_at ? tick_at : event_at;
        if (frame >= end) break;
        const uint32_t at = frame < start ? base : base + (uint32_t)(frame - start);
        if (tick_at <= event_at) {
            if (out->pending_start && tick >= out->pending_tick) {
                if (out->pending_tick <= 0) {
                    write_byte(out, at, MIDI_START, SP_MIDI_OUT_SENT_STARTS);
                } else {
                    write_position(out, at, tick);
                    write_byte(out, at, MIDI_CONTINUE, SP_MIDI_OUT_SENT_CONTINUES);
                }
                out->pending_start = false;
                out->rolling = true;
            }
            write_byte(out, at, MIDI_CLOCK, SP_MIDI_OUT_SENT_TICKS);
            tick++;
            ticks++;
        } else {
            const sp_midi_timed *event = &song->events[out->next_event++];
            write_event(out, at, song->bytes + event->offset, event->size, event->frame);
        }
    }
    out->ticked = clock;
    out->next_tick = tick;
}

void sp_midi_out_end_block(sp_engine *engine, uint32_t frames) {
    sp_midi_out *out = atomic_load_explicit(&engine->midi_out, memory_order_seq_cst);
    if (out == NULL || out->off_port) return;
    /* Paused, stopped or ended (not a play that waits for its streams): the transport
     * stands. */
    if (!out->advanced && (engine->run != RUN_PLAY || engine->is_ended) && out->valid) {
        halt(out, out->cursor);
    }
    out->advanced = false;
    out->cursor += frames;
}

void sp_midi_out_end_cycle(sp_engine *engine) {
    sp_midi_out *out = atomic_load_explicit(&engine->midi_out, memory_order_seq_cst);
    if (out != NULL) out->buffer = NULL;
}

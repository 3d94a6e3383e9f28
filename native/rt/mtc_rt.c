/* rt/mtc_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * MIDI timecode on the engine's own JACK client: render_block reports each stretch of song
 * frames it plays (sp_mtc_segment, beside MIDI out's), and every quarter frame whose song frame
 * (shifted by the offset) falls in it is written at its exact frame in the cycle, the same JACK
 * cycle as its audio. A stretch that does not follow on from the last one (play from a stop, a
 * seek, a jump, a loop seam, a song change) first sends a full frame of where it starts.
 * Quarter frame q (counted from the hour) belongs on song frame ceil(q * rate / (4 * fps));
 * each group of 8 starts on an even frame and carries that frame's label, as MTC wants.
 * At another speed (issue 24) the frames are the stretched song's timeline and the codes song
 * time: quarter q goes on the timeline frame where song time reaches it (song frame ÷ speed).
 * Real-time safe: atomics, arithmetic and jack_midi_event_write only. */
#include <math.h>

#include "mtc.h"
#include "mtc_slot.h"

#ifdef __linux__
int64_t sp_mtc_quarter_start(const struct sp_mtc *mtc, int64_t q) {
    const int64_t numerator = q * (int64_t)mtc->sample_rate * mtc->rate.den;
    const int64_t divisor = 4 * (int64_t)mtc->rate.num;
    if (mtc->speed == 1.0) return sp_tc_floor_div(numerator + divisor - 1, divisor);
    /* At another speed, the timeline frame where song time reaches quarter q. */
    return (int64_t)ceil((double)numerator / ((double)divisor * mtc->speed));
}

bool sp_mtc_song_of(struct sp_mtc *mtc, uint32_t group, int64_t *hour, double *speed) {
    for (uint32_t i = 0; i < MTC_SONGS; i++) {
        /* one load: the hour and speed of the same mapping (mtc_slot.h) */
        const uint64_t slot = atomic_load_explicit(&mtc->songs[i], memory_order_acquire);
        if (sp_mtc_slot_is(slot, group)) {
            *hour = sp_mtc_slot_hour(slot);
            *speed = sp_mtc_slot_speed(slot);
            return true;
        }
    }
    return false;
}

void sp_mtc_write_full_frame(struct sp_mtc *mtc, void *buffer, uint32_t at, int64_t frame) {
    const sp_tc_label label = sp_tc_label_of(&mtc->rate, mtc->hour_frames + frame);
    const unsigned char message[10] = {
        0xF0, 0x7F, 0x7F, 0x01, 0x01, (unsigned char)((mtc->rate.mtc_code << 5) | label.hours),
        (unsigned char)label.minutes, (unsigned char)label.seconds, (unsigned char)label.frames,
        0xF7};
    if (mtc->api.midi_event_write(buffer, at, message, sizeof message) == 0) {
        atomic_fetch_add_explicit(&mtc->full_frames, 1, memory_order_relaxed);
    }
}

static unsigned char quarter_data(const struct sp_mtc *mtc, int64_t q) {
    const int piece = (int)(q & 7);
    const sp_tc_label label = sp_tc_label_of(&mtc->rate, mtc->hour_frames + ((q / 4) & ~(int64_t)1));
    uint32_t nibble;
    switch (piece) {
    case 0: nibble = label.frames & 15; break;
    case 1: nibble = label.frames >> 4; break;
    case 2: nibble = label.seconds & 15; break;
    case 3: nibble = label.seconds >> 4; break;
    case 4: nibble = label.minutes & 15; break;
    case 5: nibble = label.minutes >> 4; break;
    case 6: nibble = label.hours & 15; break;
    default: nibble = (uint32_t)(mtc->rate.mtc_code << 1) | (label.hours >> 4); break;
    }
    return (unsigned char)((piece << 4) | (nibble & 15));
}

void sp_mtc_write_quarter(struct sp_mtc *mtc, void *buffer, uint32_t at, int64_t q) {
    const unsigned char message[2] = {0xF1, quarter_data(mtc, q)};
    if (mtc->api.midi_event_write(buffer, at, message, 2) == 0) {
        atomic_fetch_add_explicit(&mtc->quarter_frames, 1, memory_order_relaxed);
    }
}

void sp_mtc_restart(struct sp_mtc *mtc, void *buffer, uint32_t at, int64_t position,
                    uint32_t group, int64_t hour, double speed) {
    mtc->running = true;
    mtc->group = group;
    mtc->hour_frames = hour * sp_tc_frames_per_hour(&mtc->rate);
    mtc->speed = speed;
    const int64_t divisor = (int64_t)mtc->sample_rate * mtc->rate.den;
    /* position is a timeline frame; at another speed its song frame is position * speed,
     * rounded as the player reports it (src/model/song_time.ts) */
    const int64_t song =
        mtc->speed == 1.0 ? position : (int64_t)llround((double)position * mtc->speed);
    const int64_t frame = sp_tc_floor_div(song * mtc->rate.num, divisor);
    sp_mtc_write_full_frame(mtc, buffer, at, frame);
    /* Quarter frames resume with the next group of 8, on an even frame. */
    mtc->next_quarter = ((frame + 2) & ~(int64_t)1) * 4;
}

#endif

#ifdef __linux__
static struct sp_mtc *engine_mtc(sp_engine *engine) {
    struct sp_mtc *mtc = atomic_load_explicit(&engine->mtc, memory_order_seq_cst);
    return mtc != NULL && mtc->on_engine ? mtc : NULL;
}
#endif

void sp_mtc_begin_cycle(sp_engine *engine, const ma_device *device, uint32_t frames) {
#ifdef __linux__
    struct sp_mtc *mtc = engine_mtc(engine);
    if (mtc == NULL) return;
    mtc->cursor = 0;
    mtc->cycle_frames = frames;
    mtc->buffer = sp_engine_port_buffer(&mtc->engine_port, device, frames);
    if (mtc->buffer != NULL) mtc->api.midi_clear_buffer(mtc->buffer);
    else mtc->running = false; /* no port: the next cycle on one starts with a full frame */
#else
    (void)engine, (void)device, (void)frames;
#endif
}

void sp_mtc_segment(sp_engine *engine, uint32_t offset, uint64_t pos, uint32_t count) {
#ifdef __linux__
    struct sp_mtc *mtc = engine_mtc(engine);
    if (mtc == NULL || mtc->buffer == NULL) return;
    mtc->advanced = true;
    const uint32_t group = engine->group;
    int64_t hour = -1;
    double speed = 1.0;
    if (!sp_mtc_song_of(mtc, group, &hour, &speed)) hour = -1;
    /* The song frame whose timecode goes with the stretch's first frame of audio. */
    int64_t position = (int64_t)pos - atomic_load_explicit(&mtc->offset_frames, memory_order_relaxed);
    int64_t base = (int64_t)mtc->cursor + offset;
    int64_t length = count;
    if (position < 0) { /* a late offset: nothing until the song's frame 0 is due */
        base -= position;
        length += position;
        position = 0;
    }
    if (hour < 0 || length <= 0) { /* a group without timecode (a count-in), or not yet due */
        mtc->running = false;
        return;
    }
    const int64_t last = mtc->cycle_frames > 0 ? (int64_t)mtc->cycle_frames - 1 : 0;
    /* Varispeed may render more frames than the cycle: a late one goes on its last frame. */
    const uint32_t at = (uint32_t)(base < last ? base : last);
    if (!mtc->running || group != mtc->group || position != (int64_t)mtc->expected) {
        sp_mtc_restart(mtc, mtc->buffer, at, position, group, hour, speed);
    }
    const int64_t end = position + length;
    for (int64_t frame; (frame = sp_mtc_quarter_start(mtc, mtc->next_quarter)) < end;
         mtc->next_quarter++) {
        const int64_t in_cycle = base + (frame > position ? frame - position : 0);
        sp_mtc_write_quarter(mtc, mtc->buffer, (uint32_t)(in_cycle < last ? in_cycle : last),
                             mtc->next_quarter);
    }
    mtc->expected = (uint64_t)end;
#else
    (void)engine, (void)offset, (void)pos, (void)count;
#endif
}

void sp_mtc_end_block(sp_engine *engine, uint32_t frames) {
#ifdef __linux__
    struct sp_mtc *mtc = engine_mtc(engine);
    if (mtc == NULL) return;
    /* Paused, stopped or ended (not a play that waits for its streams): the next play sends a
     * full frame. */
    if (!mtc->advanced && (engine->run != RUN_PLAY || engine->is_ended)) mtc->running = false;
    mtc->advanced = false;
    mtc->cursor += frames;
#else
    (void)engine, (void)frames;
#endif
}

void sp_mtc_end_cycle(sp_engine *engine) {
#ifdef __linux__
    struct sp_mtc *mtc = engine_mtc(engine);
    if (mtc != NULL) mtc->buffer = NULL;
#else
    (void)engine;
#endif
}

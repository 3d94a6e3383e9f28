/* harness_jack.h: part of harness.c (included once, after its audio thread and waits): the
 * device as a stand-in JACK client, so the audio-thread code of MIDI in and MTC on the engine's
 * own client (rt/midi_in_rt.c, rt/mtc_rt.c, rt/engine_port_rt.c) runs under the sanitizers.
 * libjack's port functions are stubs that hand out static buffers and check what is written. */
#ifndef STEMPLAY_HARNESS_JACK_H
#define STEMPLAY_HARNESS_JACK_H

#include "../midi_in_engine.h"
#include "../midi_out.h"
#include "../mtc.h"

/* The port buffers the stand-in hands out (a port is its buffer's address), and what the
 * audio side wrote there: every MIDI message must go inside its cycle, in frame order. */
static unsigned char midi_in_buffer[8], mtc_buffer[8];
static uint32_t mtc_cycle_frames, mtc_last_at;
static uint64_t mtc_writes, mtc_disorders;
static const unsigned char note_on[3] = {0x90, 60, 100};
static ma_context jack_context;
static sp_output reopened_output; /* a later device of the engine (see jack_phase) */
static int jack_client_tag; /* the stand-in client's address */

static void *stub_port_get_buffer(jack_port_t *port, jack_nframes_t frames) {
    if ((void *)port == mtc_buffer) mtc_cycle_frames = frames;
    return port;
}
static void stub_clear_buffer(void *buffer) {
    if (buffer == mtc_buffer) mtc_last_at = 0;
}
static int stub_event_write(void *buffer, jack_nframes_t at, const unsigned char *bytes,
                            size_t size) {
    (void)bytes, (void)size;
    if (buffer != mtc_buffer || at >= mtc_cycle_frames || at < mtc_last_at) mtc_disorders++;
    mtc_last_at = at;
    mtc_writes++;
    return 0;
}
static uint32_t stub_event_count(void *buffer) { return buffer == midi_in_buffer ? 2 : 0; }
static int stub_event_get(jack_midi_event_t *event, void *buffer, uint32_t index) {
    (void)buffer;
    event->time = index * 3;
    event->size = sizeof note_on;
    event->buffer = (unsigned char *)note_on;
    return 0;
}

static void stand_in_port(sp_engine_port *port, void *buffer) {
    port->engine = engine;
    port->api.port_get_buffer = stub_port_get_buffer;
    port->api.midi_clear_buffer = stub_clear_buffer;
    port->api.midi_event_write = stub_event_write;
    port->api.midi_get_event_count = stub_event_count;
    port->api.midi_event_get = stub_event_get;
    atomic_store(&port->port, (jack_port_t *)buffer);
    atomic_store(&port->generation, output.generation); /* registered on this device */
    atomic_store(&port->client, (jack_client_t *)&jack_client_tag);
}

/* The device is a JACK client (the stand-in) while song a plays, seeks and stops: MIDI in
 * reads two notes a cycle into its queue (drained here, as sp_midi_in_wait does), and MTC
 * writes quarter and full frames (rt/midi_in_rt.c, rt/mtc_rt.c, rt/engine_port_rt.c). Runs
 * before the audio thread starts; leaves the device as it found it. */
static void jack_phase(void) {
    jack_context.backend = ma_backend_jack;
    device.pContext = &jack_context;
    device.jack.pClient = &jack_client_tag;
    sp_midi_in *midi_in;
    CHECK(sp_midi_in_alloc(sizeof(sp_midi_in_engine), NULL, &midi_in));
    midi_in->polled = true;
    stand_in_port(&((sp_midi_in_engine *)midi_in->backend)->port, midi_in_buffer);
    struct sp_mtc *mtc = calloc(1, sizeof *mtc);
    EXPECT(mtc != NULL && sp_tc_rate_of(2500, &mtc->rate));
    mtc->engine = engine;
    mtc->sample_rate = RATE;
    mtc->on_engine = true;
    stand_in_port(&mtc->engine_port, mtc_buffer);
    mtc->api = mtc->engine_port.api;
    /* Songs at speed 2 and 0.5 (issue 24: quarter frames on the timeline frame where song
     * time reaches them), remapped and unmapped below while the audio thread reads the table. */
    const double speeds[] = {2.0, 0.5, 0.9, 1.0}; /* song a (group 0) at 2 */
    for (uint32_t group = 0; group < 16; group++) {
        CHECK(sp_mtc_map_song_speed(mtc, group, 1, speeds[group % 4]));
    }
    atomic_store(&engine->midi_in, midi_in);
    atomic_store(&engine->mtc, mtc);

    pthread_t audio;
    EXPECT(pthread_create(&audio, NULL, audio_thread, NULL) == 0);
    sp_midi_event events[64];
    uint32_t received = 0, count;
    CHECK(sp_transport_play(engine));
    wait_state(SP_STATE_PLAYING);
    for (int i = 0; i < 100000 && status_of(SP_STATUS_POSITION) == 0; i++) wait_blocks(1);
    for (int round = 0; round < 40; round++) {
        CHECK(sp_midi_in_wait(midi_in, events, 64, &count));
        received += count;
        if (round == 20) CHECK(sp_transport_seek(engine, RATE / 3));
        /* the control side rewrites other songs' slots while this one plays */
        const uint32_t other = 1u + (uint32_t)round % 15u;
        if (round % 3 == 0) CHECK(sp_mtc_unmap_song(mtc, other));
        else CHECK(sp_mtc_map_song_speed(mtc, other, (uint32_t)round % 24u, speeds[round % 4]));
        wait_blocks(1);
    }
    CHECK(sp_transport_stop(engine));
    wait_state(SP_STATE_STOPPED);
    wait_blocks(4);
    atomic_store_explicit(&audio_running, 0, memory_order_release);
    pthread_join(audio, NULL);
    atomic_store_explicit(&audio_running, 1, memory_order_release);

    uint64_t counters[SP_MIDI_COUNTER_COUNT], timecode[2];
    CHECK(sp_midi_in_counters(midi_in, counters));
    CHECK(sp_mtc_counters(mtc, timecode));
    printf("harness: jack stand-in: midi in %u received (%llu dropped), mtc %llu full frames, "
           "%llu quarter frames\n",
           received, (unsigned long long)counters[SP_MIDI_DROPPED],
           (unsigned long long)timecode[0], (unsigned long long)timecode[1]);
    EXPECT(received > 0 && events[0].size == 3 && events[0].bytes[0] == 0x90);
    EXPECT(timecode[0] >= 2 && timecode[1] > 0); /* play, the seek; the quarter frames */
    EXPECT(mtc_writes == timecode[0] + timecode[1] && mtc_disorders == 0);
    /* A reopened device whose new client has the old one's address (after a lost server,
     * malloc may put it there): the ports registered on the old one give no buffer (in JACK2 a
     * port is an index, which on the new server may name an audio port). */
    reopened_output.generation = output.generation + 1;
    device.pUserData = &reopened_output;
    sp_engine_port *midi_port = &((sp_midi_in_engine *)midi_in->backend)->port;
    EXPECT(sp_engine_port_buffer(midi_port, &device, 64) == NULL);
    EXPECT(sp_engine_port_buffer(&mtc->engine_port, &device, 64) == NULL);
    /* MIDI out (midi_out.c, its port through engine_port.c) on the same stand-in client: no
     * buffer on the reopened device either. */
    sp_midi_out *midi_out = calloc(1, sizeof *midi_out);
    EXPECT(midi_out != NULL);
    midi_out->jack.api = mtc->api;
    atomic_store(&midi_out->jack.port, (jack_port_t *)mtc_buffer);
    atomic_store(&midi_out->jack.generation, output.generation);
    atomic_store(&midi_out->jack.client, (jack_client_t *)&jack_client_tag);
    sp_midi_out *engine_midi_out = atomic_load(&engine->midi_out);
    atomic_store(&engine->midi_out, midi_out);
    sp_midi_out_begin_cycle(engine, &device, 64);
    EXPECT(midi_out->buffer == NULL);
    sp_midi_out_end_cycle(engine);
    device.pUserData = &output;
    sp_midi_out_begin_cycle(engine, &device, 64);
    EXPECT(midi_out->buffer == mtc_buffer);
    sp_midi_out_end_cycle(engine);
    atomic_store(&engine->midi_out, engine_midi_out);
    free(midi_out);
    EXPECT(sp_engine_port_buffer(&mtc->engine_port, &device, 64) == mtc_buffer);
    atomic_store(&engine->midi_in, NULL);
    atomic_store(&engine->mtc, NULL);
    free(midi_in->backend);
    midi_in->backend = NULL;
    sp_midi_in_close(midi_in);
    free(mtc);
    device.pContext = NULL;
    device.jack.pClient = NULL;
}

#endif

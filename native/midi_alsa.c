/* midi_alsa.c: MIDI in through the ALSA sequencer. libasound is loaded at run time (dlopen),
 * as miniaudio loads it. A reader thread (never the audio thread) waits in poll() on the
 * sequencer and a wake pipe, turns each event back into raw bytes (snd_midi_event_decode,
 * without running status) and queues it (midi_in.c).
 *
 * UNTESTED: this machine has no /dev/snd, so the sequencer cannot be opened here; the parsing
 * and mapping it feeds are the ones the JACK tests exercise. See docs/midi.md. */
#include "midi_in.h"

#ifdef __linux__
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* The few ALSA declarations used (alsa/seq.h, alsa/seq_midi_event.h). */
typedef struct snd_seq snd_seq_t;
typedef struct snd_seq_event snd_seq_event_t; /* its first byte is the event type */
typedef struct snd_midi_event snd_midi_event_t;
typedef struct {
    unsigned char client, port;
} snd_seq_addr_t;
enum { SEQ_OPEN_INPUT = 2, SEQ_NONBLOCK = 1 };
enum { PORT_CAP_WRITE = 1u << 1, PORT_CAP_SUBS_WRITE = 1u << 6 };
enum { PORT_TYPE_MIDI_GENERIC = 1u << 1, PORT_TYPE_APPLICATION = 1u << 20 };
enum { SEQ_EVENT_SYSEX = 130 };

typedef struct {
    void *library;
    int (*seq_open)(snd_seq_t **, const char *, int, int);
    int (*seq_close)(snd_seq_t *);
    int (*set_client_name)(snd_seq_t *, const char *);
    int (*create_simple_port)(snd_seq_t *, const char *, unsigned int, unsigned int);
    int (*parse_address)(snd_seq_t *, snd_seq_addr_t *, const char *);
    int (*connect_from)(snd_seq_t *, int, int, int);
    int (*event_input)(snd_seq_t *, snd_seq_event_t **);
    int (*poll_count)(snd_seq_t *, short);
    int (*poll_descriptors)(snd_seq_t *, struct pollfd *, unsigned int, short);
    int (*midi_event_new)(size_t, snd_midi_event_t **);
    void (*midi_event_free)(snd_midi_event_t *);
    void (*midi_event_no_status)(snd_midi_event_t *, int);
    long (*midi_event_decode)(snd_midi_event_t *, unsigned char *, long, const snd_seq_event_t *);
    snd_seq_t *seq;
    snd_midi_event_t *decoder;
    int wake[2];
    pthread_t reader;
    bool reading;
} alsa_midi;

static void *read_events(void *user) {
    sp_midi_in *midi = user;
    sp_thread_name("sp-midi-in");
    alsa_midi *alsa = midi->backend;
    struct pollfd fds[8];
    int count = alsa->poll_count(alsa->seq, POLLIN);
    if (count > 7) count = 7;
    alsa->poll_descriptors(alsa->seq, fds, (unsigned)count, POLLIN);
    fds[count] = (struct pollfd){.fd = alsa->wake[0], .events = POLLIN};
    for (;;) {
        if (poll(fds, (nfds_t)count + 1, -1) < 0 && errno != EINTR) break;
        if (fds[count].revents) break; /* closing */
        const uint32_t before = sp_spsc_written(&midi->ring);
        snd_seq_event_t *event;
        while (alsa->event_input(alsa->seq, &event) >= 0 && event) {
            const uint64_t now = sp_midi_clock_ns();
            unsigned char bytes[16];
            if (*(const unsigned char *)event == SEQ_EVENT_SYSEX) {
                const unsigned char start = 0xF0;
                sp_midi_in_push(midi, &start, 1, now);
                continue;
            }
            const long size = alsa->midi_event_decode(alsa->decoder, bytes, sizeof bytes, event);
            if (size > 0) sp_midi_in_push(midi, bytes, (size_t)size, now);
            else if (size != -ENOENT) sp_midi_in_push(midi, bytes, 0, now); /* undecodable */
        }
        sp_midi_in_signal(midi, before);
    }
    return NULL;
}

static void close_alsa(sp_midi_in *midi) {
    alsa_midi *alsa = midi->backend;
    if (!alsa) return;
    if (alsa->reading) {
        const char stop = 1;
        (void)!write(alsa->wake[1], &stop, 1);
        pthread_join(alsa->reader, NULL);
    }
    if (alsa->wake[0] >= 0) close(alsa->wake[0]);
    if (alsa->wake[1] >= 0) close(alsa->wake[1]);
    if (alsa->decoder) alsa->midi_event_free(alsa->decoder);
    if (alsa->seq) alsa->seq_close(alsa->seq);
    if (alsa->library) dlclose(alsa->library);
    free(alsa);
    midi->backend = NULL;
}

#define LOAD(field, name) \
    if (!(*(void **)&alsa->field = dlsym(alsa->library, name))) goto no_backend

SP_API sp_result sp_midi_in_open_alsa(const char *client_name, const char *port_name,
                                      const char *connect_from, sp_midi_in **out_midi) {
    SP_CHECK(client_name != NULL && port_name != NULL && out_midi != NULL,
             SP_ERROR_INVALID_ARGUMENT);
    sp_midi_in *midi;
    sp_result result = sp_midi_in_alloc(sizeof(alsa_midi), close_alsa, &midi);
    if (result != SP_OK) return result;
    alsa_midi *alsa = midi->backend;
    alsa->wake[0] = alsa->wake[1] = -1;
    alsa->library = dlopen("libasound.so.2", RTLD_NOW);
    if (!alsa->library) goto no_backend;
    LOAD(seq_open, "snd_seq_open");
    LOAD(seq_close, "snd_seq_close");
    LOAD(set_client_name, "snd_seq_set_client_name");
    LOAD(create_simple_port, "snd_seq_create_simple_port");
    LOAD(parse_address, "snd_seq_parse_address");
    LOAD(connect_from, "snd_seq_connect_from");
    LOAD(event_input, "snd_seq_event_input");
    LOAD(poll_count, "snd_seq_poll_descriptors_count");
    LOAD(poll_descriptors, "snd_seq_poll_descriptors");
    LOAD(midi_event_new, "snd_midi_event_new");
    LOAD(midi_event_free, "snd_midi_event_free");
    LOAD(midi_event_no_status, "snd_midi_event_no_status");
    LOAD(midi_event_decode, "snd_midi_event_decode");

    if (alsa->seq_open(&alsa->seq, "default", SEQ_OPEN_INPUT, SEQ_NONBLOCK) < 0) {
        alsa->seq = NULL;
        goto no_backend;
    }
    alsa->set_client_name(alsa->seq, client_name);
    const int port = alsa->create_simple_port(alsa->seq, port_name,
                                              PORT_CAP_WRITE | PORT_CAP_SUBS_WRITE,
                                              PORT_TYPE_MIDI_GENERIC | PORT_TYPE_APPLICATION);
    if (port < 0 || alsa->midi_event_new(16, &alsa->decoder) < 0) goto device_error;
    alsa->midi_event_no_status(alsa->decoder, 1);
    if (connect_from) {
        snd_seq_addr_t from;
        if (alsa->parse_address(alsa->seq, &from, connect_from) < 0 ||
            alsa->connect_from(alsa->seq, port, from.client, from.port) < 0) {
            goto device_error;
        }
    }
    if (pipe(alsa->wake) != 0) goto device_error;
    if (pthread_create(&alsa->reader, NULL, read_events, midi) != 0) goto device_error;
    alsa->reading = true;
    *out_midi = midi;
    return SP_OK;

device_error:
    sp_midi_in_close(midi);
    return SP_ERROR_DEVICE;
no_backend:
    sp_midi_in_close(midi);
    return SP_ERROR_NO_BACKEND;
}

#else

SP_API sp_result sp_midi_in_open_alsa(const char *client_name, const char *port_name,
                                      const char *connect_from, sp_midi_in **out_midi) {
    (void)client_name, (void)port_name, (void)connect_from, (void)out_midi;
    return SP_ERROR_UNSUPPORTED;
}

#endif

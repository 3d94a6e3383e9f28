/* midi_jack.c: MIDI in through JACK. libjack is loaded at run time (dlopen), as miniaudio loads
 * its backends, so the build needs no JACK headers or library. The process callback runs on
 * JACK's real-time thread: it only copies the cycle's events into the queue (midi_in.c) and
 * posts the semaphore once. */
#include "midi_in.h"

#ifdef __linux__
#include <dlfcn.h>
#include <stdlib.h>

/* The few JACK declarations used (jack/jack.h, jack/midiport.h). */
typedef uint32_t jack_nframes_t;
typedef struct jack_client jack_client_t;
typedef struct jack_port jack_port_t;
typedef struct {
    jack_nframes_t time;
    size_t size;
    unsigned char *buffer;
} jack_midi_event_t;
enum { JACK_NO_START_SERVER = 0x01, JACK_USE_EXACT_NAME = 0x02 };
enum { JACK_NAME_NOT_UNIQUE = 0x04 };
enum { JACK_PORT_IS_INPUT = 0x1 };
#define JACK_MIDI_TYPE "8 bit raw midi"

typedef struct {
    void *library;
    jack_client_t *(*client_open)(const char *, int, int *, ...);
    int (*client_close)(jack_client_t *);
    int (*set_process_callback)(jack_client_t *, int (*)(jack_nframes_t, void *), void *);
    jack_port_t *(*port_register)(jack_client_t *, const char *, const char *, unsigned long,
                                  unsigned long);
    int (*activate)(jack_client_t *);
    int (*deactivate)(jack_client_t *);
    void *(*port_get_buffer)(jack_port_t *, jack_nframes_t);
    uint32_t (*midi_get_event_count)(void *);
    int (*midi_event_get)(jack_midi_event_t *, void *, uint32_t);
    int (*connect)(jack_client_t *, const char *, const char *);
    const char *(*port_name)(const jack_port_t *);
    jack_client_t *client;
    jack_port_t *port;
} jack_midi;

static int process(jack_nframes_t frames, void *user) {
    sp_midi_in *midi = user;
    jack_midi *jack = midi->backend;
    void *buffer = jack->port_get_buffer(jack->port, frames);
    const uint32_t before = atomic_load_explicit(&midi->write_index, memory_order_relaxed);
    const uint32_t events = jack->midi_get_event_count(buffer);
    if (events == 0) return 0;
    const uint64_t now = sp_midi_clock_ns();
    for (uint32_t i = 0; i < events; i++) {
        jack_midi_event_t event;
        if (jack->midi_event_get(&event, buffer, i) != 0) continue;
        sp_midi_in_push(midi, event.buffer, event.size, now);
    }
    sp_midi_in_signal(midi, before);
    return 0;
}

static void close_jack(sp_midi_in *midi) {
    jack_midi *jack = midi->backend;
    if (!jack) return;
    if (jack->client) {
        jack->deactivate(jack->client);
        jack->client_close(jack->client);
    }
    dlclose(jack->library);
    free(jack);
    midi->backend = NULL;
}

#define LOAD(field, name) \
    if (!(*(void **)&jack->field = dlsym(jack->library, name))) goto no_backend

SP_API sp_result sp_midi_in_open_jack(const char *client_name, const char *port_name,
                                      const char *connect_from, sp_midi_in **out_midi) {
    SP_CHECK(client_name != NULL && port_name != NULL && out_midi != NULL,
             SP_ERROR_INVALID_ARGUMENT);
    sp_midi_in *midi;
    sp_result result = sp_midi_in_alloc(&midi);
    if (result != SP_OK) return result;
    jack_midi *jack = calloc(1, sizeof *jack);
    if (!jack) {
        sp_midi_in_close(midi);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    midi->backend = jack;
    midi->close_backend = close_jack;
    jack->library = dlopen("libjack.so.0", RTLD_NOW);
    if (!jack->library) jack->library = dlopen("libjack.so", RTLD_NOW);
    if (!jack->library) {
        midi->backend = NULL;
        free(jack);
        sp_midi_in_close(midi);
        return SP_ERROR_NO_BACKEND;
    }
    LOAD(client_open, "jack_client_open");
    LOAD(client_close, "jack_client_close");
    LOAD(set_process_callback, "jack_set_process_callback");
    LOAD(port_register, "jack_port_register");
    LOAD(activate, "jack_activate");
    LOAD(deactivate, "jack_deactivate");
    LOAD(port_get_buffer, "jack_port_get_buffer");
    LOAD(midi_get_event_count, "jack_midi_get_event_count");
    LOAD(midi_event_get, "jack_midi_event_get");
    LOAD(connect, "jack_connect");
    LOAD(port_name, "jack_port_name");

    int status = 0;
    jack->client =
        jack->client_open(client_name, JACK_NO_START_SERVER | JACK_USE_EXACT_NAME, &status);
    if (!jack->client) {
        sp_midi_in_close(midi);
        return (status & JACK_NAME_NOT_UNIQUE) ? SP_ERROR_BUSY : SP_ERROR_NO_BACKEND;
    }
    jack->port = jack->port_register(jack->client, port_name, JACK_MIDI_TYPE, JACK_PORT_IS_INPUT, 0);
    if (!jack->port || jack->set_process_callback(jack->client, process, midi) != 0 ||
        jack->activate(jack->client) != 0) {
        sp_midi_in_close(midi);
        return SP_ERROR_DEVICE;
    }
    if (connect_from && jack->connect(jack->client, connect_from, jack->port_name(jack->port)) != 0) {
        sp_midi_in_close(midi);
        return SP_ERROR_DEVICE;
    }
    *out_midi = midi;
    return SP_OK;

no_backend:
    sp_midi_in_close(midi);
    return SP_ERROR_NO_BACKEND;
}

#else

SP_API sp_result sp_midi_in_open_jack(const char *client_name, const char *port_name,
                                      const char *connect_from, sp_midi_in **out_midi) {
    (void)client_name, (void)port_name, (void)connect_from, (void)out_midi;
    return SP_ERROR_UNSUPPORTED;
}

#endif

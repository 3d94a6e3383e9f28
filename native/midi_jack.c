/* midi_jack.c: MIDI in through JACK. libjack is loaded at run time (dlopen), as miniaudio loads
 * its backends, so the build needs no JACK headers or library. The process callback runs on
 * JACK's real-time thread: it only copies the cycle's events into the queue (midi_in.c) and
 * posts the semaphore once. */
#include "midi_in.h"

#ifdef __linux__
#include <stdio.h>
#include <stdlib.h>

#include "jack_api.h"

typedef struct {
    sp_jack_api api;
    jack_client_t *client;
    jack_port_t *port;
} jack_midi;

static int process(jack_nframes_t frames, void *user) {
    sp_midi_in *midi = user;
    jack_midi *jack = midi->backend;
    void *buffer = jack->api.port_get_buffer(jack->port, frames);
    const uint32_t before = sp_spsc_written(&midi->ring);
    const uint32_t events = jack->api.midi_get_event_count(buffer);
    if (events == 0) return 0;
    const uint64_t now = sp_midi_clock_ns();
    for (uint32_t i = 0; i < events; i++) {
        jack_midi_event_t event;
        if (jack->api.midi_event_get(&event, buffer, i) != 0) continue;
        sp_midi_in_push_at(midi, event.buffer, event.size, now, event.time);
    }
    sp_midi_in_signal(midi, before);
    return 0;
}

static void close_jack(sp_midi_in *midi) {
    jack_midi *jack = midi->backend;
    if (!jack) return;
    if (jack->client) {
        jack->api.deactivate(jack->client);
        jack->api.client_close(jack->client);
    }
    sp_jack_api_unload(&jack->api);
    free(jack);
    midi->backend = NULL;
}

SP_API sp_result sp_midi_in_open_jack(const char *client_name, const char *port_name,
                                      const char *connect_from, sp_midi_in **out_midi) {
    SP_CHECK(client_name != NULL && port_name != NULL && out_midi != NULL,
             SP_ERROR_INVALID_ARGUMENT);
    sp_midi_in *midi;
    sp_result result = sp_midi_in_alloc(sizeof(jack_midi), close_jack, &midi);
    if (result != SP_OK) return result;
    jack_midi *jack = midi->backend;
    if ((result = sp_jack_api_load(&jack->api)) != SP_OK ||
        (result = sp_jack_api_open(&jack->api, client_name, &jack->client)) != SP_OK) {
        sp_midi_in_close(midi);
        return result;
    }
    const sp_jack_api *api = &jack->api;
    jack->port = api->port_register(jack->client, port_name, JACK_MIDI_TYPE, JACK_PORT_IS_INPUT, 0);
    if (!jack->port || api->set_process_callback(jack->client, process, midi) != 0 ||
        api->activate(jack->client) != 0 ||
        (connect_from && api->connect(jack->client, connect_from, api->port_name(jack->port)) != 0)) {
        sp_midi_in_close(midi);
        return SP_ERROR_DEVICE;
    }
    snprintf(midi->port_name, sizeof midi->port_name, "%s", api->port_name(jack->port));
    *out_midi = midi;
    return SP_OK;
}

#else

SP_API sp_result sp_midi_in_open_jack(const char *client_name, const char *port_name,
                                      const char *connect_from, sp_midi_in **out_midi) {
    (void)client_name, (void)port_name, (void)connect_from, (void)out_midi;
    return SP_ERROR_UNSUPPORTED;
}

#endif

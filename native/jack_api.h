/* jack_api.h: the few JACK functions stemplay's MIDI ports use, loaded from libjack at run time
 * (dlopen), as miniaudio loads its backends: the build needs no JACK headers or library. Linux
 * only. Not part of the ABI. */
#ifndef STEMPLAY_JACK_API_H
#define STEMPLAY_JACK_API_H

#include "internal.h"

#ifdef __linux__
typedef uint32_t jack_nframes_t;
typedef struct jack_client jack_client_t;
typedef struct jack_port jack_port_t;
typedef struct {
    jack_nframes_t time;
    size_t size;
    unsigned char *buffer;
} jack_midi_event_t;
enum { JACK_NO_START_SERVER = 0x01, JACK_USE_EXACT_NAME = 0x02 };
enum { JACK_NAME_NOT_UNIQUE = 0x04, JACK_SERVER_FAILED = 0x10, JACK_SERVER_ERROR = 0x20 };
enum { JACK_PORT_IS_INPUT = 0x1, JACK_PORT_IS_OUTPUT = 0x2 };
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
    void (*midi_clear_buffer)(void *);
    int (*midi_event_write)(void *, jack_nframes_t, const unsigned char *, size_t);
    int (*connect)(jack_client_t *, const char *, const char *);
    const char *(*port_name)(const jack_port_t *);
    jack_nframes_t (*get_sample_rate)(jack_client_t *);
    int (*port_unregister)(jack_client_t *, jack_port_t *);
} sp_jack_api;

/* Loads libjack. SP_ERROR_NO_BACKEND when it is missing or lacks a function. */
sp_result sp_jack_api_load(sp_jack_api *api);
/* Opens a client named exactly `name`, never starting a server: SP_ERROR_BUSY when the name is
 * taken, SP_ERROR_NO_BACKEND when no server runs. */
sp_result sp_jack_api_open(sp_jack_api *api, const char *name, jack_client_t **out);
void sp_jack_api_unload(sp_jack_api *api);
#endif

#endif

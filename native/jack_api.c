/* jack_api.c: libjack loaded at run time (see jack_api.h). */
#include "jack_api.h"

#ifdef __linux__
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOAD(field, name) \
    if (!(*(void **)&api->field = dlsym(api->library, name))) goto missing

/* libjack prints its messages with fprintf(stderr), which takes stdio's lock on stderr. In CI
 * that lock was once found held by a thread that no longer existed (a libjack thread ended while
 * it printed, after its server died), and the next client's "cannot connect" message hung the
 * process. Each message goes out in one write(2) instead, which takes no lock. */
static void jack_message(const char *message) {
    char line[512];
    int length = snprintf(line, sizeof line - 1, "%s", message);
    if (length < 0) return;
    if ((size_t)length > sizeof line - 2) length = (int)(sizeof line - 2);
    line[length++] = '\n';
    ssize_t written = write(STDERR_FILENO, line, (size_t)length);
    (void)written; /* nothing to do if stderr is gone */
}

/* Sends libjack's error and info messages through jack_message (for every client in the
 * process, miniaudio's too: the functions are libjack's globals). Optional: an old libjack
 * without them keeps its own printing. */
static void route_messages(void *library) {
    void (*set_error)(void (*)(const char *));
    void (*set_info)(void (*)(const char *));
    *(void **)&set_error = dlsym(library, "jack_set_error_function");
    *(void **)&set_info = dlsym(library, "jack_set_info_function");
    if (set_error) set_error(jack_message);
    if (set_info) set_info(jack_message);
}

sp_result sp_jack_api_load(sp_jack_api *api) {
    memset(api, 0, sizeof *api);
    api->library = dlopen("libjack.so.0", RTLD_NOW);
    if (!api->library) api->library = dlopen("libjack.so", RTLD_NOW);
    if (!api->library) return SP_ERROR_NO_BACKEND;
    LOAD(client_open, "jack_client_open");
    LOAD(client_close, "jack_client_close");
    LOAD(set_process_callback, "jack_set_process_callback");
    LOAD(port_register, "jack_port_register");
    LOAD(activate, "jack_activate");
    LOAD(deactivate, "jack_deactivate");
    LOAD(port_get_buffer, "jack_port_get_buffer");
    LOAD(midi_get_event_count, "jack_midi_get_event_count");
    LOAD(midi_event_get, "jack_midi_event_get");
    LOAD(midi_clear_buffer, "jack_midi_clear_buffer");
    LOAD(midi_event_write, "jack_midi_event_write");
    LOAD(connect, "jack_connect");
    LOAD(port_name, "jack_port_name");
    LOAD(get_sample_rate, "jack_get_sample_rate");
    LOAD(port_unregister, "jack_port_unregister");
    route_messages(api->library);
    return SP_OK;
missing:
    sp_jack_api_unload(api);
    return SP_ERROR_NO_BACKEND;
}

sp_result sp_jack_api_open(sp_jack_api *api, const char *name, jack_client_t **out) {
    int status = 0;
    *out = api->client_open(name, JACK_NO_START_SERVER | JACK_USE_EXACT_NAME, &status);
    if (*out) return SP_OK;
    /* No server: JackServerFailed. A taken exact name: JackNameNotUnique in JACK1; jackd2
     * answers JackServerError from a server that runs (measured: status 0x21). */
    if (status & JACK_SERVER_FAILED) return SP_ERROR_NO_BACKEND;
    return (status & (JACK_NAME_NOT_UNIQUE | JACK_SERVER_ERROR)) ? SP_ERROR_BUSY
                                                                  : SP_ERROR_NO_BACKEND;
}

void sp_jack_api_unload(sp_jack_api *api) {
    if (api->library) dlclose(api->library);
    api->library = NULL;
}
#endif

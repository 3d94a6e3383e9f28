/* engine_port.c: a MIDI port on the engine's own JACK client, control side (see engine_port.h). */
#include "engine_port.h"
#include "engine_output.h"

#ifdef __linux__
#include <pthread.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t jack_requests = PTHREAD_MUTEX_INITIALIZER;

void sp_engine_jack_lock(void) { pthread_mutex_lock(&jack_requests); }
void sp_engine_jack_unlock(void) { pthread_mutex_unlock(&jack_requests); }

/* The engine's output's generation (0 for none): with the client, what a port belongs to. */
static uint32_t output_generation(const sp_engine *engine) {
    const sp_output *output = sp_engine_output(engine);
    return output != NULL ? output->generation : 0;
}

/* sp_engine_jack_client with the JACK lock held (so the device is not swapped, and not freed,
 * until it is released: engine_output.h). */
static jack_client_t *jack_client_locked(const sp_engine *engine) {
    const sp_output *output = sp_engine_output(engine);
    if (output == NULL || !output->has_device ||
        output->device.pContext->backend != ma_backend_jack ||
        !output->device.noFixedSizedCallback) {
        return NULL;
    }
    return (jack_client_t *)output->device.jack.pClient;
}

/* Whether the port is on the engine's current client: the same address is not enough, a new
 * client after a lost server may be allocated where the old one was. With the JACK lock held. */
static bool on_current_client(sp_engine_port *port) {
    jack_client_t *client = atomic_load(&port->client);
    return client != NULL && client == jack_client_locked(port->engine) &&
           atomic_load(&port->generation) == output_generation(port->engine);
}

jack_client_t *sp_engine_jack_client(const sp_engine *engine) {
    sp_engine_jack_lock();
    jack_client_t *client = jack_client_locked(engine);
    sp_engine_jack_unlock();
    return client;
}

/* Connects the port with `other` (its direction decides which is the source): 0, or -1 when the
 * port is not on the engine's current client (a device lost or reopened since), or libjack's
 * error. */
static int connect_with(sp_engine_port *port, const char *other) {
    sp_engine_jack_lock();
    int result = -1;
    if (on_current_client(port)) {
        jack_client_t *client = atomic_load(&port->client);
        const char *own = port->api.port_name(atomic_load(&port->port));
        result = own == NULL                          ? -1
                 : port->flags == JACK_PORT_IS_INPUT ? port->api.connect(client, other, own)
                                                     : port->api.connect(client, own, other);
    }
    sp_engine_jack_unlock();
    return result == 17 /* EEXIST: already connected */ ? 0 : result;
}

static int connect_port(sp_engine_port *port) {
    return port->connection[0] == '\0' ? 0 : connect_with(port, port->connection);
}

static sp_result register_port(sp_engine_port *port) {
    sp_engine_jack_lock();
    jack_client_t *client = jack_client_locked(port->engine);
    jack_port_t *registered =
        client != NULL
            ? port->api.port_register(client, port->name, JACK_MIDI_TYPE, port->flags, 0)
            : NULL;
    if (registered != NULL) {
        atomic_store_explicit(&port->port, registered, memory_order_release);
        atomic_store_explicit(&port->generation, output_generation(port->engine),
                              memory_order_release);
        atomic_store_explicit(&port->client, client, memory_order_release);
    }
    sp_engine_jack_unlock();
    if (client == NULL) return SP_ERROR_NO_BACKEND;
    return registered != NULL ? SP_OK : SP_ERROR_DEVICE;
}

static void unregister_port(sp_engine_port *port) {
    sp_engine_jack_lock();
    jack_client_t *client = atomic_load(&port->client);
    jack_port_t *registered = atomic_load(&port->port);
    /* A lost device's client is gone, and its ports with it. */
    if (registered != NULL && on_current_client(port)) {
        port->api.port_unregister(client, registered);
    }
    atomic_store(&port->client, NULL);
    atomic_store(&port->port, NULL);
    sp_engine_jack_unlock();
}

sp_result sp_engine_port_open(sp_engine_port *port, sp_engine *engine, const char *name,
                              unsigned long flags, const char *connection) {
    memset(port, 0, sizeof *port);
    SP_CHECK(strlen(name) < sizeof port->name, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(connection == NULL || strlen(connection) < sizeof port->connection,
             SP_ERROR_INVALID_ARGUMENT);
    if (sp_engine_jack_client(engine) == NULL) return SP_ERROR_NO_BACKEND;
    port->engine = engine;
    port->flags = flags;
    strcpy(port->name, name);
    if (connection != NULL) strcpy(port->connection, connection);
    sp_result result = sp_jack_api_load(&port->api);
    if (result != SP_OK) return result;
    result = register_port(port);
    if (result == SP_OK && connect_port(port) != 0) result = SP_ERROR_DEVICE;
    if (result != SP_OK) {
        unregister_port(port);
        sp_jack_api_unload(&port->api);
    }
    return result;
}

sp_result sp_engine_port_reattach(sp_engine_port *port) {
    sp_engine_jack_lock();
    const bool current = on_current_client(port);
    const bool on_jack = jack_client_locked(port->engine) != NULL;
    if (!current && !on_jack) {
        /* Off JACK: the old client is gone with its port. Forget it, so that a new client at
         * the same address later is not taken for it. */
        atomic_store(&port->client, NULL);
        atomic_store(&port->port, NULL);
    }
    sp_engine_jack_unlock();
    if (current) return SP_OK;
    if (!on_jack) return SP_ERROR_NO_BACKEND;
    const sp_result result = register_port(port);
    if (result != SP_OK) return result;
    connect_port(port); /* a port that went away with the old device stays unconnected */
    return SP_OK;
}

sp_result sp_engine_port_connect(sp_engine_port *port, const char *other) {
    return connect_with(port, other) == 0 ? SP_OK : SP_ERROR_DEVICE;
}

void sp_engine_port_full_name(const sp_engine_port *port, char *name, uint32_t capacity) {
    sp_engine_jack_lock();
    jack_port_t *registered = atomic_load(&((sp_engine_port *)port)->port);
    /* libjack answers NULL when it has no client left to ask (a lost server's) */
    const char *full = registered != NULL ? port->api.port_name(registered) : NULL;
    if (full == NULL) full = "";
    uint32_t i = 0;
    for (; full[i] != '\0' && i + 1 < capacity; i++) name[i] = full[i];
    name[i] = '\0';
    sp_engine_jack_unlock();
}

void sp_engine_port_close(sp_engine_port *port) {
    if (port->api.library == NULL) return;
    unregister_port(port);
    sp_jack_api_unload(&port->api);
}

void sp_engine_wait_for_callback(const sp_engine *engine) {
    /* The engine's count, not its device's flag: a reopen may free the device meanwhile. */
    _Atomic uint32_t *inside = &((sp_engine *)engine)->callbacks_inside;
    while (atomic_load_explicit(inside, memory_order_seq_cst) != 0) {
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
}
#endif

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

/* Whether the port is on the engine's current client: the same address is not enough, a new
 * client after a lost server may be allocated where the old one was. */
static bool on_current_client(sp_engine_port *port) {
    jack_client_t *client = atomic_load(&port->client);
    return client != NULL && client == sp_engine_jack_client(port->engine) &&
           atomic_load(&port->generation) == output_generation(port->engine);
}

jack_client_t *sp_engine_jack_client(const sp_engine *engine) {
    const sp_output *output = sp_engine_output(engine);
    if (output == NULL || !output->has_device ||
        output->device.pContext->backend != ma_backend_jack ||
        !output->device.noFixedSizedCallback) {
        return NULL;
    }
    return (jack_client_t *)output->device.jack.pClient;
}

static int connect_port(sp_engine_port *port) {
    if (port->connection[0] == '\0') return 0;
    jack_client_t *client = atomic_load(&port->client);
    const char *own = port->api.port_name(atomic_load(&port->port));
    sp_engine_jack_lock();
    const int result = port->flags == JACK_PORT_IS_INPUT
                           ? port->api.connect(client, port->connection, own)
                           : port->api.connect(client, own, port->connection);
    sp_engine_jack_unlock();
    return result == 17 /* EEXIST: already connected */ ? 0 : result;
}

static sp_result register_port(sp_engine_port *port) {
    jack_client_t *client = sp_engine_jack_client(port->engine);
    if (client == NULL) return SP_ERROR_NO_BACKEND;
    sp_engine_jack_lock();
    jack_port_t *registered =
        port->api.port_register(client, port->name, JACK_MIDI_TYPE, port->flags, 0);
    sp_engine_jack_unlock();
    if (registered == NULL) return SP_ERROR_DEVICE;
    atomic_store_explicit(&port->port, registered, memory_order_release);
    atomic_store_explicit(&port->generation, output_generation(port->engine),
                          memory_order_release);
    atomic_store_explicit(&port->client, client, memory_order_release);
    return SP_OK;
}

static void unregister_port(sp_engine_port *port) {
    jack_client_t *client = atomic_load(&port->client);
    jack_port_t *registered = atomic_load(&port->port);
    /* A lost device's client is gone, and its ports with it. */
    if (registered != NULL && on_current_client(port)) {
        sp_engine_jack_lock();
        port->api.port_unregister(client, registered);
        sp_engine_jack_unlock();
    }
    atomic_store(&port->client, NULL);
    atomic_store(&port->port, NULL);
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
    if (on_current_client(port)) return SP_OK;
    if (sp_engine_jack_client(port->engine) == NULL) {
        /* Off JACK: the old client is gone with its port. Forget it, so that a new client at
         * the same address later is not taken for it. */
        atomic_store(&port->client, NULL);
        atomic_store(&port->port, NULL);
        return SP_ERROR_NO_BACKEND;
    }
    const sp_result result = register_port(port);
    if (result != SP_OK) return result;
    connect_port(port); /* a port that went away with the old device stays unconnected */
    return SP_OK;
}

void sp_engine_port_full_name(const sp_engine_port *port, char *name, uint32_t capacity) {
    jack_port_t *registered = atomic_load(&((sp_engine_port *)port)->port);
    const char *full = registered != NULL ? port->api.port_name(registered) : "";
    uint32_t i = 0;
    for (; full[i] != '\0' && i + 1 < capacity; i++) name[i] = full[i];
    name[i] = '\0';
}

void sp_engine_port_close(sp_engine_port *port) {
    if (port->api.library == NULL) return;
    unregister_port(port);
    sp_jack_api_unload(&port->api);
}

void sp_engine_wait_for_callback(const sp_engine *engine) {
    const sp_output *output = sp_engine_output(engine);
    while (output != NULL && atomic_load_explicit(&output->in_callback, memory_order_seq_cst)) {
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
}
#endif

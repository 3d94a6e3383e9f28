/* rt/engine_port_rt.c: runs on the audio thread: no allocation, locks, waits or I/O.
 *
 * A port on the engine's own JACK client (engine_port.h): its buffer for this cycle, when the
 * device playing is the port's client. */
#include "engine_port.h"

#ifdef __linux__
void *sp_engine_port_buffer(sp_engine_port *port, const ma_device *device, uint32_t frames) {
    const sp_output *output = device->pUserData;
    if (device->pContext == NULL || device->pContext->backend != ma_backend_jack ||
        device->jack.pClient != atomic_load_explicit(&port->client, memory_order_acquire) ||
        output->generation != atomic_load_explicit(&port->generation, memory_order_acquire)) {
        return NULL; /* another client, or a new one at the old one's address */
    }
    jack_port_t *registered = atomic_load_explicit(&port->port, memory_order_relaxed);
    return registered != NULL ? port->api.port_get_buffer(registered, frames) : NULL;
}
#endif

/* unload.c: engines still open when the library is unloaded, as when a program exits without
 * closing its player. Their threads (the device's, the reader's) run this library's code: left
 * running, they fault once it is unmapped (every such exit did). The library's destructor stops
 * them first; it frees nothing, since the process is going away. */
#include <pthread.h>

#include "internal.h"

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static sp_engine *live_engines; /* linked through live_next */

void sp_live_add(sp_engine *engine) {
    pthread_mutex_lock(&live_lock);
    engine->live_next = live_engines;
    live_engines = engine;
    pthread_mutex_unlock(&live_lock);
}

void sp_live_remove(sp_engine *engine) {
    pthread_mutex_lock(&live_lock);
    for (sp_engine **link = &live_engines; *link != NULL; link = &(*link)->live_next) {
        if (*link == engine) {
            *link = engine->live_next;
            break;
        }
    }
    pthread_mutex_unlock(&live_lock);
}

__attribute__((destructor)) static void stop_live_engines(void) {
    pthread_mutex_lock(&live_lock);
    for (sp_engine *engine = live_engines; engine != NULL; engine = engine->live_next) {
        sp_engine_stop_threads(engine);
    }
    live_engines = NULL;
    pthread_mutex_unlock(&live_lock);
}

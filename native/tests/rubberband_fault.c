/* rubberband_fault.c: the real librubberband.so.2 behind its C functions, with one fault a
 * test can switch on: rubberband_new returns NULL (Rubber Band failing to create a stretcher,
 * as it does when memory runs out). Loaded by the shim through $STEMPLAY_RUBBERBAND; the test
 * finds the switch with dlsym (rubberband_fault_fail_new). Test only: never shipped. */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef void *state;
static atomic_int fail_new;

void rubberband_fault_fail_new(int on) { atomic_store(&fail_new, on); }

static void *real(const char *name) {
    static void *library;
    if (library == NULL) library = dlopen("librubberband.so.2", RTLD_NOW | RTLD_LOCAL);
    void *function = library == NULL ? NULL : dlsym(library, name);
    if (function == NULL) abort(); /* the test needs the real library under this one */
    return function;
}

state rubberband_new(unsigned rate, unsigned channels, int options, double time, double pitch) {
    if (atomic_load(&fail_new)) return NULL;
    return ((state(*)(unsigned, unsigned, int, double, double))real("rubberband_new"))(
        rate, channels, options, time, pitch);
}
void rubberband_delete(state s) { ((void (*)(state))real("rubberband_delete"))(s); }
unsigned rubberband_get_preferred_start_pad(const state s) {
    return ((unsigned (*)(const state))real("rubberband_get_preferred_start_pad"))(s);
}
unsigned rubberband_get_start_delay(const state s) {
    return ((unsigned (*)(const state))real("rubberband_get_start_delay"))(s);
}
void rubberband_set_max_process_size(state s, unsigned frames) {
    ((void (*)(state, unsigned))real("rubberband_set_max_process_size"))(s, frames);
}
void rubberband_process(state s, const float *const *in, unsigned frames, int final) {
    ((void (*)(state, const float *const *, unsigned, int))real("rubberband_process"))(
        s, in, frames, final);
}
int rubberband_available(const state s) {
    return ((int (*)(const state))real("rubberband_available"))(s);
}
unsigned rubberband_retrieve(const state s, float *const *out, unsigned frames) {
    return ((unsigned (*)(const state, float *const *, unsigned))real("rubberband_retrieve"))(
        s, out, frames);
}

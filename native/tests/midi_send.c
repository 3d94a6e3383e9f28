/* midi_send.c: an independent JACK MIDI source for the MIDI tests. A JACK client "midisend"
 * with an output port "out"; each line on stdin is one message in hex ("90 3c 7f"), written to
 * the port in the next process cycle. Several messages on one line, separated by "|", go out in
 * the same cycle, each at the frame offset of an optional "+N" before its bytes
 * ("90 3c 7f | +62 90 3c 7f": a contact bounce 62 frames later). It prints "ready" once active
 * and "sent <n>" after the cycle that wrote its n-th line.
 * Build: cc -O2 midi_send.c -l:libjack.so.0 -lpthread -o midi_send (no JACK headers needed). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint32_t jack_nframes_t;
typedef struct jack_client jack_client_t;
typedef struct jack_port jack_port_t;
jack_client_t *jack_client_open(const char *, int, int *, ...);
int jack_client_close(jack_client_t *);
int jack_set_process_callback(jack_client_t *, int (*)(jack_nframes_t, void *), void *);
jack_port_t *jack_port_register(jack_client_t *, const char *, const char *, unsigned long,
                                unsigned long);
int jack_activate(jack_client_t *);
void *jack_port_get_buffer(jack_port_t *, jack_nframes_t);
void jack_midi_clear_buffer(void *);
int jack_midi_event_write(void *, jack_nframes_t, const unsigned char *, size_t);

#define QUEUE 256
static struct {
    unsigned char bytes[64];
    size_t size;
    jack_nframes_t offset;
} queue[QUEUE];
static volatile unsigned queued, written; /* test tool: a mutex guards both */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static jack_port_t *port;

static int process(jack_nframes_t frames, void *user) {
    (void)user;
    void *buffer = jack_port_get_buffer(port, frames);
    jack_midi_clear_buffer(buffer);
    if (pthread_mutex_trylock(&lock) != 0) return 0;
    while (written < queued) {
        const jack_nframes_t offset = queue[written % QUEUE].offset;
        jack_midi_event_write(buffer, offset < frames ? offset : frames - 1,
                              queue[written % QUEUE].bytes, queue[written % QUEUE].size);
        written++;
    }
    pthread_mutex_unlock(&lock);
    return 0;
}

int main(void) {
    int status;
    jack_client_t *client = jack_client_open("midisend", 0x01, &status);
    if (!client) {
        fprintf(stderr, "midi_send: no JACK server (status %d)\n", status);
        return 1;
    }
    port = jack_port_register(client, "out", "8 bit raw midi", 0x2, 0);
    if (!port || jack_set_process_callback(client, process, NULL) || jack_activate(client)) {
        fprintf(stderr, "midi_send: cannot register or activate\n");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    char line[512];
    unsigned reported = 0;
    while (fgets(line, sizeof line, stdin)) {
        unsigned messages = 0;
        pthread_mutex_lock(&lock);
        for (char *part = strtok(line, "|"); part; part = strtok(NULL, "|")) {
            unsigned char bytes[64];
            size_t size = 0;
            jack_nframes_t offset = 0;
            char *at = part, *end;
            while (*at == ' ' || *at == '\t') at++;
            if (*at == '+') offset = (jack_nframes_t)strtoul(at + 1, &at, 10);
            for (long value; size < sizeof bytes && (value = strtol(at, &end, 16), end != at);
                 at = end) {
                bytes[size++] = (unsigned char)value;
            }
            if (size == 0) continue;
            memcpy(queue[queued % QUEUE].bytes, bytes, size);
            queue[queued % QUEUE].size = size;
            queue[queued % QUEUE].offset = offset;
            queued++;
            messages++;
        }
        const unsigned target = queued;
        pthread_mutex_unlock(&lock);
        if (messages == 0) continue;
        while (written < target) usleep(200);
        printf("sent %u\n", ++reported);
        fflush(stdout);
    }
    jack_client_close(client);
    return 0;
}

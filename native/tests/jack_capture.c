/* jack_capture.c: records one audio port and one MIDI port of a JACK server on one timeline,
 * for the MTC test. A client "capture" with inputs "audio" and "midi"; after "ready" it records
 * <seconds>, then writes the audio as raw float32 to <file> and prints each MIDI event as
 * "<frame> <hex bytes…>", frame counted from the first recorded sample.
 * Build: cc -O2 jack_capture.c -l:libjack.so.0 -o jack_capture (no JACK headers needed). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef uint32_t jack_nframes_t;
typedef struct jack_client jack_client_t;
typedef struct jack_port jack_port_t;
typedef struct {
    jack_nframes_t time;
    size_t size;
    unsigned char *buffer;
} jack_midi_event_t;
jack_client_t *jack_client_open(const char *, int, int *, ...);
int jack_client_close(jack_client_t *);
int jack_deactivate(jack_client_t *);
int jack_set_process_callback(jack_client_t *, int (*)(jack_nframes_t, void *), void *);
jack_port_t *jack_port_register(jack_client_t *, const char *, const char *, unsigned long,
                                unsigned long);
int jack_activate(jack_client_t *);
void *jack_port_get_buffer(jack_port_t *, jack_nframes_t);
uint32_t jack_midi_get_event_count(void *);
int jack_midi_event_get(jack_midi_event_t *, void *, uint32_t);
jack_nframes_t jack_get_sample_rate(jack_client_t *);

#define MAX_EVENTS 100000
static jack_port_t *audio_port, *midi_port;
static float *audio;
static size_t capacity, recorded;
static struct {
    size_t frame;
    unsigned char size, bytes[12];
} events[MAX_EVENTS];
static size_t event_count;

static int process(jack_nframes_t frames, void *user) {
    (void)user;
    const float *in = jack_port_get_buffer(audio_port, frames);
    void *midi = jack_port_get_buffer(midi_port, frames);
    const uint32_t count = jack_midi_get_event_count(midi);
    for (uint32_t i = 0; i < count && event_count < MAX_EVENTS && recorded < capacity; i++) {
        jack_midi_event_t event;
        if (jack_midi_event_get(&event, midi, i) != 0) continue;
        events[event_count].frame = recorded + event.time;
        events[event_count].size = (unsigned char)(event.size < 12 ? event.size : 12);
        for (size_t b = 0; b < events[event_count].size; b++) events[event_count].bytes[b] = event.buffer[b];
        event_count++;
    }
    for (jack_nframes_t i = 0; i < frames && recorded < capacity; i++) audio[recorded++] = in[i];
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s <file.f32> <seconds>\n", argv[0]);
        return 2;
    }
    int status;
    jack_client_t *client = jack_client_open("capture", 0x01, &status);
    if (!client) {
        fprintf(stderr, "jack_capture: no JACK server\n");
        return 1;
    }
    capacity = (size_t)(atof(argv[2]) * jack_get_sample_rate(client));
    audio = calloc(capacity, sizeof *audio);
    audio_port = jack_port_register(client, "audio", "32 bit float mono audio", 0x1, 0);
    midi_port = jack_port_register(client, "midi", "8 bit raw midi", 0x1, 0);
    if (!audio || !audio_port || !midi_port || jack_set_process_callback(client, process, NULL) ||
        jack_activate(client)) {
        fprintf(stderr, "jack_capture: cannot register or activate\n");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    while (recorded < capacity) usleep(10000);
    jack_deactivate(client);
    FILE *file = fopen(argv[1], "wb");
    if (!file || fwrite(audio, sizeof *audio, recorded, file) != recorded) return 1;
    fclose(file);
    for (size_t e = 0; e < event_count; e++) {
        printf("%zu", events[e].frame);
        for (size_t b = 0; b < events[e].size; b++) printf(" %02x", events[e].bytes[b]);
        printf("\n");
    }
    jack_client_close(client);
    return 0;
}

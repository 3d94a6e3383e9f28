/* jack_capture.c: records one audio port and one MIDI port of a JACK server on one timeline,
 * for the MTC and sync tests. A client "capture" with inputs "audio" and "midi"; after "ready"
 * it records <seconds>, then writes the audio as raw float32 to <file> and prints each MIDI event
 * as "<frame> <hex bytes…>", frame counted from the first recorded sample.
 *
 * With a third argument <times.txt>, it also writes one line per period:
 * "<capture frame> <JACK frame> <µs> <µs now>": the capture frame of the period's first sample,
 * the server's frame counter then (jack_last_frame_time; a gap is a stall of the graph), the
 * time of that frame as the server's clock filter estimates it (jack_frames_to_time) and the
 * time this process callback ran (jack_get_time). Both are µs of one clock (Debian's JACK2 reads
 * CLOCK_MONOTONIC_RAW), the same for every server of the machine: captures from two servers are
 * on one timeline, and a test of two rigs compares where each one's music was at one moment.
 *
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
jack_nframes_t jack_last_frame_time(const jack_client_t *);
uint64_t jack_frames_to_time(const jack_client_t *, jack_nframes_t);
uint64_t jack_get_time(void);

#define MAX_EVENTS 100000
static jack_port_t *audio_port, *midi_port;
static float *audio;
static size_t capacity, recorded;
static struct {
    size_t frame;
    unsigned char size, bytes[12];
} events[MAX_EVENTS];
static size_t event_count;
/* One stamp per period, preallocated: the process callback only fills it. */
static struct {
    size_t frame;
    jack_nframes_t jack_frame;
    uint64_t usecs, now;
} *stamps;
static size_t stamp_capacity, stamp_count;
static jack_client_t *client;

static int process(jack_nframes_t frames, void *user) {
    (void)user;
    if (stamps && stamp_count < stamp_capacity && recorded < capacity) {
        const jack_nframes_t first = jack_last_frame_time(client);
        stamps[stamp_count].frame = recorded;
        stamps[stamp_count].jack_frame = first;
        stamps[stamp_count].usecs = jack_frames_to_time(client, first);
        stamps[stamp_count].now = jack_get_time();
        stamp_count++;
    }
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
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s <file.f32> <seconds> [<times.txt>]\n", argv[0]);
        return 2;
    }
    int status;
    client = jack_client_open("capture", 0x01, &status);
    if (!client) {
        fprintf(stderr, "jack_capture: no JACK server\n");
        return 1;
    }
    capacity = (size_t)(atof(argv[2]) * jack_get_sample_rate(client));
    audio = calloc(capacity, sizeof *audio);
    if (argc == 4) {
        /* Periods can change size; 16 frames is JACK's smallest. */
        stamp_capacity = capacity / 16 + 2;
        stamps = calloc(stamp_capacity, sizeof *stamps);
        if (!stamps) return 1;
    }
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
    if (stamps) {
        FILE *times = fopen(argv[3], "w");
        if (!times) return 1;
        for (size_t i = 0; i < stamp_count; i++) {
            fprintf(times, "%zu %u %llu %llu\n", stamps[i].frame, stamps[i].jack_frame,
                    (unsigned long long)stamps[i].usecs, (unsigned long long)stamps[i].now);
        }
        if (fclose(times) != 0) return 1;
    }
    for (size_t e = 0; e < event_count; e++) {
        printf("%zu", events[e].frame);
        for (size_t b = 0; b < events[e].size; b++) printf(" %02x", events[e].bytes[b]);
        printf("\n");
    }
    jack_client_close(client);
    return 0;
}

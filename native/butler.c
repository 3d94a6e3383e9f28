/* butler.c: the engine's reader threads (Ardour's "butler"), a pool of 1 to SP_MAX_READERS
 * (sp_engine_set_readers; SP_DEFAULT_READERS). They keep every streamed track's ring (ring.c)
 * filled ahead of the playhead from its file (stream.c), stretched where the stem is at another
 * key (stretch_reader.c), and start a ring again from wherever the audio side asks (a seek, a
 * jump), decode heads, and free the tracks the control side retired once the audio side has left
 * them (sp_track_release hands them over, so JS never polls). Never the audio thread: they may
 * read files, allocate and sleep. Started with the engine's first streamed track, or its first
 * retired track.
 *
 * The lock is between the control thread (attaching and freeing streamed tracks) and the readers
 * only, and held only to look at or change a slot's source: a reader reads and decodes with the
 * slot marked busy, and a free of that slot waits for its turn to end. Every reader scans every
 * slot and skips one another reader has (busy), so the work balances by itself and one stem is
 * never serviced by two threads at once: its stream, stretcher, heads and the producer side of
 * its ring are touched only inside a busy window, and the lock's release (busy cleared) and
 * acquire (busy set by the next reader) order one reader's turn before the next one's. The audio
 * side never takes the lock and only touches the rings' atomics. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"
#include "stretch_api.h"

#define BUTLER_IDLE_NS 2000000L /* when every ring is full: look again in 2 ms */

typedef struct sp_reader {
    pthread_t thread;
    sp_butler *butler;
    float *chunk; /* SP_DECODE_CHUNK x SP_MAX_CHANNELS, interleaved: this thread's own */
    uint32_t next_turn; /* the slot its next turn that is not urgent starts looking from */
} sp_reader;

struct sp_butler {
    pthread_mutex_t lock;
    pthread_cond_t idle; /* a slot's source is no longer busy */
    _Atomic int32_t quit;
    _Atomic uint64_t busy_ns; /* time spent reading and decoding (every reader's CPU time) */
    sp_engine *engine;
    uint32_t count; /* readers running */
    sp_reader readers[SP_MAX_READERS];
};

static uint64_t thread_cpu_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/* Whether a track's ring holds less than `quarters` quarters of its capacity, or has a
 * request waiting. Less than half (urgent) is served before any head: a head is one long turn
 * (a second of audio, stretched perhaps: 50 to 150 ms of Rubber Band), and other tracks' rings
 * must not run dry meanwhile (a key change's new rings filling while the song playing has heads
 * still to stretch). The armed cue's head alone goes before a sounding ring that holds a
 * quarter or more: a jump to a head not ready holds silent, and after a key change the
 * readers, busy keeping every stem's ring above half, left it for seconds. So do the rings a
 * key change's switch waits for: the song playing holds at least a quarter of its look-ahead
 * meanwhile, and at 24 stretched stems the readers, keeping both songs' rings above half, fell
 * behind the playhead with the new ones (a change heard after 3 to 7 s). */
static bool below(const sp_file_source *source, uint32_t quarters, uint64_t until) {
    const sp_ring *ring = &source->ring;
    uint32_t seq;
    uint64_t frame;
    if (sp_ring_take_request(ring, &seq, &frame)) return true;
    if (atomic_load_explicit(&source->failed, memory_order_relaxed)) return false;
    return sp_ring_space(ring) > ring->capacity / 4 * (4 - quarters) &&
           sp_stream_frames(source->stream) != ring->butler_write && ring->butler_write < until;
}

/* The frame from which `slot`'s ring is not heard: where the armed jump leaves the song
 * playing (sp_show_heard_until), else UINT64_MAX. Its ring is filled up to there only: past it
 * each frame (stretched perhaps) is work the jump's own heads wait for. */
static uint64_t heard_until(sp_engine *engine, const sp_slot *slot) {
    const uint64_t until = atomic_load_explicit(&engine->sounding_until, memory_order_relaxed);
    if (until == 0 ||
        slot->group != atomic_load_explicit(&engine->sounding_group, memory_order_relaxed)) {
        return UINT64_MAX;
    }
    return until - 1;
}

/* The frame of `slot`'s song the last armed cue lands on; UINT64_MAX when it lands in
 * another song, or none was armed. */
static uint64_t cue_head(sp_engine *engine, const sp_slot *slot) {
    return sp_butler_cue_head(engine, slot->group);
}

uint64_t sp_butler_cue_head(sp_engine *engine, uint32_t group) {
    const uint64_t frame = atomic_load_explicit(&engine->cue_head_frame, memory_order_relaxed);
    const uint32_t seq = atomic_load_explicit(&engine->cue_head_seq, memory_order_relaxed);
    const bool fired = seq == atomic_load_explicit(&engine->cue_fired_seq, memory_order_relaxed);
    return frame == 0 || fired ||
                   group != atomic_load_explicit(&engine->cue_head_group, memory_order_relaxed)
               ? UINT64_MAX
               : frame - 1;
}

/* The frame whose head `slot`'s file decodes first: the armed cue's, else the one a switch
 * waits for (sp_file_source_want_head: the cue's target in a song prepared, not armed in it
 * yet); UINT64_MAX: none. */
static uint64_t first_head(sp_engine *engine, const sp_slot *slot) {
    const uint64_t cue = cue_head(engine, slot);
    const sp_file_source *file = slot->source.file;
    if (sp_file_source_head_pending(file, cue)) return cue;
    const uint64_t wanted = atomic_load_explicit(&file->wanted_head, memory_order_relaxed);
    return wanted == 0 ? UINT64_MAX : wanted - 1;
}

/* Whether the audio side played `group` in its last block: the playing group or a crossfade
 * tail's (a ring the audio side reads must not run dry for one that only delays a switch). */
static bool sounding(sp_engine *engine, uint32_t group) {
    if (group == atomic_load_explicit(&engine->sounding_group, memory_order_relaxed)) return true;
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        if (atomic_load_explicit(&engine->sounding_tails[t], memory_order_relaxed) == group + 1) {
            return true;
        }
    }
    return false;
}

/* The passes of a reader's scan, in order. */
enum { PASS_LOW, PASS_CUE, PASS_SWITCH, PASS_PLAYING, PASS_RINGS, PASS_ALL };

/* Whether a pass gives every track with work a turn (a chunk each), rather than stop at the
 * first (the cue's head) or at the first head. */
static bool sweeps(int pass) { return pass != PASS_CUE && pass != PASS_ALL; }

/* Whether `slot`'s streamed track has work in `pass`: a sounding ring below a quarter, the
 * head to decode first pending (first_head: the armed cue's, or the one a switch waits for) or
 * the cue's stretcher to keep, a ring a switch waits for not full yet, a sounding ring below
 * half, any ring below half, or anything. */
static bool wanted_in(int pass, sp_engine *engine, const sp_slot *slot) {
    const sp_file_source *file = slot->source.file;
    const uint64_t until = heard_until(engine, slot);
    if (pass == PASS_LOW) return sounding(engine, slot->group) && below(file, 1, until);
    if (pass == PASS_SWITCH) {
        return file->switch_waits && !sounding(engine, slot->group) && below(file, 4, until);
    }
    if (pass == PASS_PLAYING) return sounding(engine, slot->group) && below(file, 2, until);
    if (pass == PASS_RINGS) return below(file, 2, until);
    if (pass == PASS_CUE) {
        /* The head a switch waits for only while its song is not sounding yet: once it plays
         * (the wait ended on its ring), no switch waits for it, and its rings come first. */
        const uint64_t cue = cue_head(engine, slot);
        const uint64_t first = sounding(engine, slot->group) ? cue : first_head(engine, slot);
        return sp_file_source_head_pending(file, first) || sp_file_source_voice_wanted(file, cue);
    }
    return true;
}

/* One turn for one streamed track (in `pass`): a new position first, then a chunk if its
 * ring is less than half full (unless the turn is the cue's, PASS_CUE; a ring a switch waits
 * for, PASS_SWITCH, until it is full: the switch waits for it, not for heads), else a head
 * (frame `first` first: first_head; UINT64_MAX: none) or, at another key, the stretcher kept
 * at the end of the armed cue's head (frame `cue`), else a chunk if there is room. The ring is
 * filled up to frame `until` only (heard_until). Returns whether it did anything; *head: a
 * head or a kept stretcher (a long turn). */
static bool service(float *chunk, sp_file_source *source, uint64_t first, uint64_t cue,
                    uint64_t until, int pass, bool *head) {
    sp_ring *ring = &source->ring;
    bool worked = false;
    uint32_t seq;
    uint64_t frame;
    if (sp_ring_take_request(ring, &seq, &frame)) {
        const bool failed = sp_file_source_seek(source, frame) != SP_OK;
        if (failed) atomic_fetch_add_explicit(&source->read_failures, 1, memory_order_relaxed);
        atomic_store_explicit(&source->failed, failed ? 1 : 0, memory_order_relaxed);
        sp_ring_restart(ring, seq, frame); /* publishes failed with the request it answers */
        worked = true;
    }
    if (atomic_load_explicit(&source->failed, memory_order_relaxed)) {
        /* The ring stays where it stopped: silence, counted as starved. Heads asked for since
         * (an armed loop's start, a marker) may lie where the file still holds audio: they are
         * decoded all the same, so a planned jump there does not wait on the ring, and the
         * armed cue's stretcher kept first, as below: left undone, it stayed the cue pass's
         * work, whose every turn then stretched this file's other heads before the playing
         * rings' half. */
        *head = sp_file_source_keep_voice(source, cue) ||
                sp_file_source_decode_next_head(source, chunk, first);
        return *head || worked;
    }
    uint32_t room = sp_ring_space(ring);
    const bool to_jump = ring->butler_write >= until; /* holds all heard before the jump */
    /* A ring at least half full can wait while a head is decoded (a quarter, for the cue's). */
    const bool cue_turn = pass == PASS_CUE, ring_first = pass == PASS_SWITCH && room > 0;
    if (cue_turn || (room <= ring->capacity / 2 && !ring_first) || to_jump ||
        sp_stream_frames(source->stream) == ring->butler_write) {
        /* The cue's stretcher once its head is ready (right after its decode it is parked:
         * free), before the other heads: the jump may come at the next bar. */
        *head = sp_file_source_keep_voice(source, cue) ||
                sp_file_source_decode_next_head(source, chunk, first);
        if (*head) return true;
    }
    if (to_jump) return worked;
    if (room > SP_DECODE_CHUNK) room = SP_DECODE_CHUNK;
    if (until - ring->butler_write < room) room = (uint32_t)(until - ring->butler_write);
    if (room == 0) return worked;
    const uint32_t got = sp_stream_read(source->stream, chunk, room);
    if (got > 0) sp_ring_write(ring, chunk, got);
    if (sp_stream_cut_short(source->stream)) {
        /* The file ends early (cut on disk) or cannot be read: the ring stops here, the track
         * starves (counted) and the reader leaves this file alone until the next request,
         * rather than read the same end again every turn. */
        atomic_fetch_add_explicit(&source->read_failures, 1, memory_order_relaxed);
        atomic_store_explicit(&source->failed, 1, memory_order_relaxed);
        return true;
    }
    return worked || got > 0;
}

/* A ring a switch waited for is an ordinary one once its song sounds: switched to, it never
 * goes first again (a song that has stopped sounding, its crossfade tail played, is not
 * filled before the song playing while it waits to be freed). Under the readers' lock: only
 * readers touch the flag once the source is attached. */
static void forget_switch(sp_engine *engine, const sp_slot *slot) {
    if (slot->source.file->switch_waits && sounding(engine, slot->group)) {
        slot->source.file->switch_waits = false;
    }
}

/* Slot s's turn for this reader: a deferred free, or file work when the slot is a streamed
 * track with work in `pass`. Returns whether it did anything; *head: a head was decoded. */
static bool turn(sp_reader *reader, uint32_t s, int pass, bool *head) {
    sp_butler *butler = reader->butler;
    sp_engine *engine = butler->engine;
    bool worked = false;
    pthread_mutex_lock(&butler->lock);
    sp_slot *slot = &engine->slots[s];
    sp_source *source = &slot->source;
    int32_t handed = SP_HANDED_YES;
    *head = false;
    if (!source->busy && source->kind == SP_SOURCE_STREAM) forget_switch(engine, slot);
    if (source->busy) {
        /* Another reader has it: its next turn is another thread's, or this one's on the next
         * scan. Not a free either, until that turn ends. */
    } else if (atomic_load_explicit(&slot->released, memory_order_acquire) &&
               atomic_compare_exchange_strong(&slot->handed, &handed, SP_HANDED_CLAIMED)) {
        /* A deferred free: the audio side has left the slot. */
        sp_source_free(source);
        atomic_store_explicit(&slot->handed, SP_HANDED_FREED, memory_order_release);
        worked = true;
    } else if (source->kind == SP_SOURCE_STREAM && wanted_in(pass, engine, slot)) {
        /* File work outside the lock: the control side waits for this slot only (to free it),
         * and the other readers skip it, never waiting for this turn. */
        sp_file_source *file = source->file;
        const uint64_t first = first_head(engine, slot);
        const uint64_t cue = cue_head(engine, slot);
        source->busy = true;
        pthread_mutex_unlock(&butler->lock);
        const uint64_t until = heard_until(engine, slot);
        worked = service(reader->chunk, file, first, cue, until, pass, head);
        pthread_mutex_lock(&butler->lock);
        source->busy = false;
        pthread_cond_broadcast(&butler->idle);
    }
    pthread_mutex_unlock(&butler->lock);
    return worked;
}

static void *run(void *arg) {
    sp_reader *reader = arg;
    sp_butler *butler = reader->butler;
    sp_thread_name("sp-reader");
    sp_engine *engine = butler->engine;
    while (!atomic_load_explicit(&butler->quit, memory_order_acquire)) {
        const uint64_t start = thread_cpu_ns();
        bool worked = false;
        bool step = false; /* a paused reader's round a test asked for (one reader) */
#ifdef SP_TEST_HOOKS
        step = atomic_load_explicit(&engine->butler_steps, memory_order_acquire) > 0;
#endif
        if (step || !atomic_load_explicit(&engine->butler_paused, memory_order_relaxed)) {
            /* The first pass with work, then a new scan (below() says why this order): a
             * sounding ring (the playing song's, a crossfade tail's) below a quarter, each a
             * chunk a turn; the armed cue's head, one stem a scan (a jump to a head not decoded yet
             * holds silent); the rings a key change's switch waits for, until full; the
             * sounding rings below half; any ring below half (a song being prepared: the
             * setlist's next, while a ring the audio side reads must not run dry); else the
             * other turns (rings topped up, heads), once round the tracks from where this
             * reader left off, up to the first head. A head is one long turn, and a pass of
             * them, one per track, ran dry the rings it passed; a top-up is a short one, and
             * looking at every ring again after each doubled the readers' CPU (24 streams at
             * the recorded key: 45 ms a second against 25). */
            bool head = false;
            for (int pass = PASS_LOW; pass <= PASS_ALL && !worked; pass++) {
                for (uint32_t i = 0; i < engine->capacity; i++) {
                    if (sweeps(pass)) {
                        worked |= turn(reader, i, pass, &head);
                        continue;
                    }
                    const uint32_t s = (reader->next_turn + i) % engine->capacity;
                    if (!turn(reader, s, pass, &head)) continue;
                    worked = true;
                    if (pass == PASS_CUE || head) {
                        reader->next_turn = s + 1;
                        break;
                    }
                }
            }
        }
        if (step) atomic_fetch_sub_explicit(&engine->butler_steps, 1, memory_order_release);
        atomic_fetch_add_explicit(&butler->busy_ns, thread_cpu_ns() - start,
                                  memory_order_relaxed);
        /* Nothing done by this thread (every ring full, or every stem with work another
         * reader's): sleep rather than spin on the busy ones. */
        if (!worked) {
            const struct timespec idle = {0, BUTLER_IDLE_NS};
            nanosleep(&idle, NULL);
        }
    }
    return NULL;
}

/* Stops and joins the first `count` readers and frees the pool. Returns the CPU time they
 * used, read once they are joined (each adds its last scan's on its way out). */
static uint64_t stop_pool(sp_butler *butler, uint32_t count) {
    atomic_store_explicit(&butler->quit, 1, memory_order_release);
    for (uint32_t i = 0; i < count; i++) pthread_join(butler->readers[i].thread, NULL);
    const uint64_t busy_ns = atomic_load(&butler->busy_ns);
    for (uint32_t i = 0; i < SP_MAX_READERS; i++) free(butler->readers[i].chunk);
    pthread_cond_destroy(&butler->idle);
    pthread_mutex_destroy(&butler->lock);
    free(butler);
    return busy_ns;
}

sp_result sp_butler_start(sp_engine *engine) {
    if (engine->butler != NULL) return SP_OK;
    const uint32_t count = engine->reader_count == 0 ? SP_DEFAULT_READERS : engine->reader_count;
    sp_butler *butler = calloc(1, sizeof(sp_butler));
    SP_CHECK(butler != NULL, SP_ERROR_OUT_OF_MEMORY);
    butler->engine = engine;
    pthread_mutex_init(&butler->lock, NULL);
    pthread_cond_init(&butler->idle, NULL);
    for (uint32_t i = 0; i < count; i++) {
        sp_reader *reader = &butler->readers[i];
        reader->butler = butler;
        reader->chunk = malloc((size_t)SP_DECODE_CHUNK * SP_MAX_CHANNELS * sizeof(float));
        if (reader->chunk == NULL || pthread_create(&reader->thread, NULL, run, reader) != 0) {
            stop_pool(butler, i); /* all or none */
            return SP_ERROR_OUT_OF_MEMORY;
        }
#if defined(__linux__)
        /* Named here too, not only by the thread itself: named once the pool has started. */
        pthread_setname_np(reader->thread, "sp-reader");
#endif
    }
    butler->count = count;
    engine->butler = butler;
    return SP_OK;
}

void sp_butler_stop(sp_engine *engine) {
    sp_butler *butler = engine->butler;
    if (butler == NULL) return;
    stop_pool(butler, butler->count);
    engine->butler = NULL;
}

SP_API sp_result sp_engine_set_readers(sp_engine *engine, uint32_t count) {
    SP_CHECK(engine != NULL && count >= 1 && count <= SP_MAX_READERS, SP_ERROR_INVALID_ARGUMENT);
    engine->reader_count = count;
    if (engine->butler == NULL || engine->butler->count == count) return SP_OK;
    /* Running with another count: every reader's state is in the slots' sources, not in the
     * threads, so a new pool takes over where the old one stopped. */
    const uint64_t busy_ns = stop_pool(engine->butler, engine->butler->count);
    engine->butler = NULL;
    const sp_result result = sp_butler_start(engine);
    if (result == SP_OK) atomic_store(&engine->butler->busy_ns, busy_ns);
    return result;
}

sp_result sp_butler_attach(sp_engine *engine, sp_source *slot_source, const sp_source *source) {
    if (source->kind == SP_SOURCE_STREAM) {
        const sp_result result = sp_butler_start(engine);
        if (result != SP_OK) return result;
    }
    if (engine->butler == NULL) {
        *slot_source = *source; /* no reader thread to race with */
        return SP_OK;
    }
    sp_butler *butler = engine->butler;
    pthread_mutex_lock(&butler->lock);
    while (slot_source->busy) pthread_cond_wait(&butler->idle, &butler->lock);
    *slot_source = *source;
    pthread_mutex_unlock(&butler->lock);
    return SP_OK;
}

void sp_butler_free_source(sp_engine *engine, sp_source *source) {
    if (engine->butler == NULL) {
        sp_source_free(source);
        return;
    }
    sp_butler *butler = engine->butler;
    pthread_mutex_lock(&butler->lock);
    while (source->busy) pthread_cond_wait(&butler->idle, &butler->lock); /* its turn ends */
    sp_source_free(source);
    pthread_mutex_unlock(&butler->lock);
}

SP_API sp_result sp_test_set_streaming(sp_engine *engine, int32_t reader_paused,
                                       int32_t offline_waits) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
#ifdef SP_TEST_HOOKS
    atomic_store(&engine->butler_paused, reader_paused ? 1 : 0);
    atomic_store(&sp_test_no_wait, offline_waits ? 0 : 1);
    return SP_OK;
#else
    (void)reader_paused;
    (void)offline_waits;
    return SP_ERROR_UNSUPPORTED;
#endif
}

SP_API sp_result sp_test_reader_steps(sp_engine *engine, int32_t add, int32_t *out_left) {
    SP_CHECK(engine != NULL && add >= 0 && out_left != NULL, SP_ERROR_INVALID_ARGUMENT);
#ifdef SP_TEST_HOOKS
    *out_left = atomic_fetch_add(&engine->butler_steps, add) + add;
    return SP_OK;
#else
    return SP_ERROR_UNSUPPORTED;
#endif
}

void sp_butler_lock(sp_engine *engine) {
    if (engine->butler != NULL) pthread_mutex_lock(&engine->butler->lock);
}

void sp_butler_unlock(sp_engine *engine) {
    if (engine->butler != NULL) pthread_mutex_unlock(&engine->butler->lock);
}

uint64_t sp_butler_busy_ns(const sp_engine *engine) {
    return engine->butler == NULL
               ? 0
               : atomic_load_explicit(&engine->butler->busy_ns, memory_order_relaxed);
}

/* Whether the playing song's streamed track in `slot` holds less than `quarters` quarters of
 * its ring past where it is read, short of what it must hold (as below()), or waits for its
 * ring to be started somewhere: from the published atomics, on the control thread. A request
 * made while the frames are read counts as waiting (its read_frame is not this fill's). */
static bool ring_low(sp_engine *engine, const sp_slot *slot, uint32_t quarters) {
    const sp_file_source *file = slot->source.file;
    const sp_ring *ring = &file->ring;
    if (ring->data == NULL) return false; /* heads only */
    const uint32_t asked = atomic_load_explicit(&ring->request_seq, memory_order_acquire);
    if (atomic_load_explicit(&ring->fill_seq, memory_order_acquire) != asked) return true;
    if (atomic_load_explicit(&file->failed, memory_order_relaxed)) return false;
    const uint64_t read = atomic_load_explicit(&ring->read_frame, memory_order_acquire);
    const uint64_t written = atomic_load_explicit(&ring->write_frame, memory_order_acquire);
    if (atomic_load_explicit(&ring->request_seq, memory_order_acquire) != asked) return true;
    return written < read + ring->capacity / 4 * quarters &&
           written != sp_stream_frames(file->stream) && written < heard_until(engine, slot);
}

SP_API sp_result sp_engine_rings_low(sp_engine *engine, uint32_t quarters, uint32_t *out_count) {
    SP_CHECK(engine != NULL && quarters <= 4 && out_count != NULL, SP_ERROR_INVALID_ARGUMENT);
    const uint32_t group = atomic_load_explicit(&engine->sounding_group, memory_order_relaxed);
    uint32_t low = 0;
    sp_butler_lock(engine); /* the slots' sources stay attached while they are looked at */
    for (uint32_t i = 0; i < engine->capacity; i++) {
        const sp_slot *slot = &engine->slots[i];
        if (slot->lifecycle == SLOT_FREE || slot->source.kind != SP_SOURCE_STREAM ||
            slot->group != group) {
            continue;
        }
        if (ring_low(engine, slot, quarters)) low++;
    }
    sp_butler_unlock(engine);
    *out_count = low;
    return SP_OK;
}

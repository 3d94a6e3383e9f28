/* engine.c: engine life cycle, the device, and the offline render entry (control side; the
 * device's callback is rt/device_rt.c). */
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "engine_output.h"

#define OFFLINE_RATE 48000u
#define OFFLINE_CHANNELS 2u
#define MAX_BLOCK_FRAMES 65536u
#define MAX_CAPACITY 4096u

sp_result sp_backend_from_name(const char *name, ma_backend *backend, bool *is_auto);

void sp_engine_free_memory(sp_engine *engine) {
    sp_butler_stop(engine); /* before the slots it reads go */
    if (engine->slots != NULL) {
        for (uint32_t i = 0; i < engine->capacity; i++) {
            sp_slot *s = &engine->slots[i];
            sp_source_free(&s->source);
            free((void *)s->route);
            free(s->applied);
            free(s->target);
        }
    }
    free(engine->slots);
    free(engine->mix);
    free(engine->show.tail_mix);
    sp_varispeed_free(engine);
    sp_output_delays_free(engine);
    free(engine);
}

static sp_result allocate_tables(sp_engine *engine) {
    const size_t cells = (size_t)SP_MAX_CHANNELS * engine->channels;
    engine->slots = calloc(engine->capacity, sizeof(sp_slot));
    engine->mix = calloc((size_t)engine->block_frames * engine->channels, sizeof(float));
    const size_t tail_floats = (size_t)engine->block_frames * engine->channels;
    engine->show.tail_mix = calloc(tail_floats * SP_MAX_TAILS, sizeof(float));
    SP_CHECK(engine->slots != NULL && engine->mix != NULL && engine->show.tail_mix != NULL,
             SP_ERROR_OUT_OF_MEMORY);
    SP_CHECK(sp_varispeed_allocate(engine) == SP_OK, SP_ERROR_OUT_OF_MEMORY);
    for (uint32_t t = 0; t < SP_MAX_TAILS; t++) {
        engine->show.tails[t].mix = engine->show.tail_mix + tail_floats * t;
    }
    for (uint32_t i = 0; i < engine->capacity; i++) {
        sp_slot *s = &engine->slots[i];
        s->route = calloc(cells, sizeof(float));
        s->applied = calloc(cells, sizeof(float));
        s->target = calloc(cells, sizeof(float));
        SP_CHECK(s->route != NULL && s->applied != NULL && s->target != NULL,
                 SP_ERROR_OUT_OF_MEMORY);
    }
    return SP_OK;
}

static void close_output(sp_output *output) {
    if (output == NULL) return;
    if (output->has_device) ma_device_uninit(&output->device);
    if (output->has_context) ma_context_uninit(&output->context);
    free(output);
}

/* What a device open needs, copied: the helper thread may outlive the caller's strings. */
typedef struct {
    char backend[64];
    char device_name[MA_MAX_DEVICE_NAME_LENGTH + 1];
    int32_t device_index;
    uint32_t sample_rate, channels, block_frames; /* 0: the device's */
    sp_output *output;                            /* the result */
} open_request;

/* The device to open: by exact name, by index, or NULL for the default. */
static sp_result find_device_id(sp_output *output, const open_request *request,
                                const ma_device_id **out_id) {
    *out_id = NULL;
    if (request->device_name[0] == '\0' && request->device_index < 0) return SP_OK;
    ma_device_info *devices = NULL;
    ma_uint32 count = 0;
    if (ma_context_get_devices(&output->context, &devices, &count, NULL, NULL) != MA_SUCCESS) {
        return SP_ERROR_NO_SUCH_DEVICE;
    }
    if (request->device_name[0] != '\0') {
        for (ma_uint32 i = 0; i < count; i++) {
            if (strcmp(devices[i].name, request->device_name) == 0) {
                *out_id = &devices[i].id;
                return SP_OK;
            }
        }
        return SP_ERROR_NO_SUCH_DEVICE;
    }
    SP_CHECK((uint32_t)request->device_index < count, SP_ERROR_NO_SUCH_DEVICE);
    *out_id = &devices[request->device_index].id;
    return SP_OK;
}

/* Opens (does not start) a device. */
static sp_result open_output_into(sp_output *output, const open_request *request) {
    ma_backend backend;
    bool is_auto;
    sp_result result = sp_backend_from_name(request->backend, &backend, &is_auto);
    if (result != SP_OK) return result;
    /* Live audio asks for real-time scheduling (SCHED_FIFO) of the callback's thread, so that
     * no busy thread (JS, V8's GC helpers, another program) can preempt a block. miniaudio
     * falls back to normal priority where that is not permitted. */
    ma_context_config context_config = ma_context_config_init();
    context_config.threadPriority = ma_thread_priority_realtime;
    /* On JACK, one client `stemplay` carries the audio, midi_in, midi_out and mtc_out
     * (engine_port.h); JACK renames a second rig's client on the same server. */
    context_config.jack.pClientName = "stemplay";
    if (ma_context_init(is_auto ? NULL : &backend, is_auto ? 0 : 1, &context_config,
                        &output->context) !=
        MA_SUCCESS) {
        return SP_ERROR_NO_BACKEND;
    }
    output->has_context = true;

    const ma_device_id *device_id = NULL;
    result = find_device_id(output, request, &device_id);
    if (result != SP_OK) return result;

    ma_device_config config = ma_device_config_init(ma_device_type_playback);
    config.playback.pDeviceID = device_id;
    config.playback.format = ma_format_f32;
    config.playback.channels = request->channels; /* 0: the device's */
    config.sampleRate = request->sample_rate;     /* 0: the device's */
    config.periodSizeInFrames = request->block_frames;
    config.dataCallback = sp_data_callback;
    config.pUserData = output;
    config.noPreSilencedOutputBuffer = MA_TRUE; /* every frame is written by the engine */
    config.noClip = MA_TRUE; /* clipping is the interface's business, not a hidden stage */
    /* On JACK the data callback runs inside JACK's process callback, one call per cycle, so
     * MIDI out (rt/midi_out_rt.c) writes the same cycle as the audio it belongs to. */
    /* Also when "auto" landed on JACK: the backend is the context's, not the request's. */
    config.noFixedSizedCallback = output->context.backend == ma_backend_jack;
    if (ma_device_init(&output->context, &config, &output->device) != MA_SUCCESS) {
        return SP_ERROR_DEVICE;
    }
    output->has_device = true;
    if (request->channels == 0 && output->device.playback.channels < 2) {
        /* A mono device: ask again for 2 channels and let miniaudio fold them. */
        ma_device_uninit(&output->device);
        output->has_device = false;
        config.playback.channels = 2;
        if (ma_device_init(&output->context, &config, &output->device) != MA_SUCCESS) {
            return SP_ERROR_DEVICE;
        }
        output->has_device = true;
    }
    /* Output n must be channel n of the interface. miniaudio gives the engine side its own
     * standard channel map and shuffles channels by position name into the device's (with
     * PulseAudio's 4-channel map, outputs 2 and 3 swapped). Asking again with the device's map
     * makes the conversion a plain copy. */
    const ma_uint32 opened_channels = output->device.playback.channels;
    if (opened_channels == output->device.playback.internalChannels &&
        !ma_channel_map_is_equal(output->device.playback.channelMap,
                                 output->device.playback.internalChannelMap, opened_channels)) {
        ma_channel device_map[MA_MAX_CHANNELS];
        memcpy(device_map, output->device.playback.internalChannelMap, sizeof device_map);
        ma_device_uninit(&output->device);
        output->has_device = false;
        config.playback.channels = opened_channels;
        config.playback.pChannelMap = device_map;
        if (ma_device_init(&output->context, &config, &output->device) != MA_SUCCESS) {
            return SP_ERROR_DEVICE;
        }
        output->has_device = true;
    }
    output->has_info =
        ma_device_get_info(&output->device, ma_device_type_playback, &output->info) == MA_SUCCESS;
    return SP_OK;
}

static sp_result open_work(void *arg) {
    open_request *request = arg;
    sp_output *output = calloc(1, sizeof(sp_output));
    SP_CHECK(output != NULL, SP_ERROR_OUT_OF_MEMORY);
    const sp_result result = open_output_into(output, request);
    if (result != SP_OK) {
        close_output(output);
        return result;
    }
    request->output = output;
    return SP_OK;
}

static _Atomic uint32_t hanging_opens; /* opens past their deadline that have not returned */

/* An open that came back after its deadline: nobody wants the device any more. */
static void open_late(void *arg) {
    atomic_fetch_sub_explicit(&hanging_opens, 1, memory_order_relaxed);
    open_request *request = arg;
    close_output(request->output);
    free(request);
}

static void count_hanging_open(void *arg) {
    (void)arg;
    atomic_fetch_add_explicit(&hanging_opens, 1, memory_order_relaxed);
}

/* Opens (does not start) a device on a helper thread, waiting at most timeout_ms. */
static sp_result open_output(const sp_engine_config *config, uint32_t sample_rate,
                             uint32_t channels, uint32_t block_frames, sp_output **out_output) {
    open_request *request = calloc(1, sizeof *request);
    SP_CHECK(request != NULL, SP_ERROR_OUT_OF_MEMORY);
    snprintf(request->backend, sizeof request->backend, "%s",
             config->backend != NULL ? config->backend : "");
    snprintf(request->device_name, sizeof request->device_name, "%s",
             config->device_name != NULL ? config->device_name : "");
    request->device_index = config->device_index;
    request->sample_rate = sample_rate;
    request->channels = channels;
    request->block_frames = block_frames;
    const uint32_t timeout_ms =
        config->timeout_ms ? config->timeout_ms : SP_DEFAULT_DEVICE_TIMEOUT_MS;
    const sp_result result =
        sp_run_with_deadline(open_work, count_hanging_open, open_late, request, timeout_ms);
    if (result == SP_ERROR_TIMEOUT) return result; /* the request now belongs to the helper */
    *out_output = request->output;
    free(request);
    return result;
}

/* The channel count the device itself has: a sound server (PulseAudio) takes a stream of any
 * count and remixes it into its sink, so miniaudio's side alone cannot tell. 0: unknown. */
static uint32_t native_channels(const sp_output *output, uint32_t wanted) {
    if (!output->has_info || output->info.nativeDataFormatCount == 0) return 0;
    uint32_t most = 0;
    for (uint32_t i = 0; i < output->info.nativeDataFormatCount; i++) {
        const uint32_t channels = output->info.nativeDataFormats[i].channels;
        if (channels == 0 || channels == wanted) return wanted; /* any count, or this one */
        if (channels > most) most = channels;
    }
    return most;
}

/* The device must play what the engine renders, output n on channel n. A channel count
 * conversion remixes outputs (an in-ear click into front of house), so it is refused, whether
 * miniaudio or the sound server would do it. A rate that miniaudio would convert is refused as
 * well (its resampler is not of playback quality and adds latency); a sound server that
 * resamples streams itself (PulseAudio, PipeWire) is left to do its job. 0 asks for nothing.
 * Writes what the device runs into config's found_ fields. */
static sp_result check_format(const sp_output *output, uint32_t sample_rate, uint32_t channels,
                              sp_engine_config *config) {
    const uint32_t found_rate = output->device.playback.internalSampleRate;
    uint32_t found_channels = output->device.playback.internalChannels;
    if (channels != 0 && found_channels == channels) {
        const uint32_t device_channels = native_channels(output, channels);
        if (device_channels != 0) found_channels = device_channels;
    }
    config->found_sample_rate = found_rate;
    config->found_channels = found_channels;
    if (channels != 0 && found_channels != channels) return SP_ERROR_FORMAT;
    if (sample_rate != 0 && found_rate != sample_rate) return SP_ERROR_FORMAT;
    return SP_OK;
}

static sp_result teardown_work(void *arg) {
    close_output(arg); /* may never return when the server is gone */
    return SP_OK;
}

/* Tears an output down, waiting at most deadline_ms (0: not at all); past that it is left to
 * its thread. If no thread can be made, it is leaked: better than blocking. */
static void teardown_output(sp_output *output, uint32_t deadline_ms) {
    if (output != NULL) sp_run_with_deadline(teardown_work, NULL, NULL, output, deadline_ms);
}

/* A start that came back after its deadline: the output was cut off, close it. */
static void start_late(void *arg) {
    close_output(arg);
}

static sp_result start_work(void *arg) {
    sp_output *output = arg;
    return ma_device_start(&output->device) == MA_SUCCESS ? SP_OK : SP_ERROR_DEVICE;
}

/* Takes an output away from the engine's side: once this returns, its callback never touches
 * the engine again (it plays silence if it ever runs). Waits at most for one callback to end. */
static void cut_off(void *arg) {
    sp_output *output = arg;
    atomic_store_explicit(&output->detached, 1, memory_order_seq_cst);
    while (atomic_load_explicit(&output->in_callback, memory_order_seq_cst)) sched_yield();
}

/* A start given up on: the output leaves the engine first (so no port asks for its client), then
 * is cut off; both before the helper may close and free it (start_late). */
static void give_up_start(void *arg) {
    sp_output *output = arg;
    sp_engine_set_output(output->engine, NULL);
    cut_off(output);
}

/* Starts the engine's output, waiting at most timeout_ms. On failure the engine has no device:
 * the output is torn down (on time-out by the helper, once the start returns). */
static sp_result start_output(sp_engine *engine, uint32_t timeout_ms) {
    sp_output *output = engine->output;
    const sp_result result = sp_run_with_deadline(
        start_work, give_up_start, start_late, output,
        timeout_ms ? timeout_ms : SP_DEFAULT_DEVICE_TIMEOUT_MS);
    if (result == SP_OK) return SP_OK;
    sp_engine_set_output(engine, NULL);
    if (result != SP_ERROR_TIMEOUT) {
        cut_off(output);
        teardown_output(output, 0);
    }
    return result;
}

/* Binds an opened output to the engine (names, and the callback's engine pointer). */
static void bind_output(sp_engine *engine, sp_output *output) {
    static _Atomic uint32_t outputs_bound;
    output->generation = atomic_fetch_add(&outputs_bound, 1) + 1;
    output->engine = engine;
    sp_engine_set_output(engine, output);
    snprintf(engine->device_name, sizeof engine->device_name, "%s", output->device.playback.name);
    snprintf(engine->backend_name, sizeof engine->backend_name, "%s",
             ma_get_backend_name(output->context.backend));
}

SP_API sp_engine_config sp_engine_config_init(void) {
    sp_engine_config config;
    memset(&config, 0, sizeof config);
    config.backend = "auto";
    config.device_index = -1;
    config.block_frames = SP_DEFAULT_BLOCK_FRAMES;
    config.track_capacity = SP_DEFAULT_TRACK_CAPACITY;
    config.timeout_ms = SP_DEFAULT_DEVICE_TIMEOUT_MS;
    return config;
}

SP_API sp_result sp_engine_config_layout(uint32_t *out, uint32_t count) {
    SP_CHECK(out != NULL && count >= SP_ENGINE_CONFIG_LAYOUT_COUNT, SP_ERROR_INVALID_ARGUMENT);
    const uint32_t layout[SP_ENGINE_CONFIG_LAYOUT_COUNT] = {
        sizeof(sp_engine_config),
        offsetof(sp_engine_config, backend),
        offsetof(sp_engine_config, device_name),
        offsetof(sp_engine_config, device_index),
        offsetof(sp_engine_config, sample_rate),
        offsetof(sp_engine_config, channels),
        offsetof(sp_engine_config, block_frames),
        offsetof(sp_engine_config, track_capacity),
        offsetof(sp_engine_config, timeout_ms),
        offsetof(sp_engine_config, found_sample_rate),
        offsetof(sp_engine_config, found_channels),
    };
    memcpy(out, layout, sizeof layout);
    return SP_OK;
}

SP_API sp_result sp_engine_init(sp_engine_config *config, sp_engine **out_engine) {
    SP_CHECK(config != NULL && out_engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(config->sample_rate <= 768000u, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(config->channels <= SP_MAX_CHANNELS, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(config->block_frames <= MAX_BLOCK_FRAMES, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(config->track_capacity <= MAX_CAPACITY, SP_ERROR_INVALID_ARGUMENT);
    *out_engine = NULL;
    config->found_sample_rate = 0;
    config->found_channels = 0;

    sp_engine *engine = calloc(1, sizeof(sp_engine));
    SP_CHECK(engine != NULL, SP_ERROR_OUT_OF_MEMORY);
    engine->offline = config->backend != NULL && strcmp(config->backend, "offline") == 0;
    engine->sample_rate = config->sample_rate;
    engine->channels = config->channels;
    engine->block_frames = config->block_frames ? config->block_frames : SP_DEFAULT_BLOCK_FRAMES;
    engine->capacity = config->track_capacity ? config->track_capacity : SP_DEFAULT_TRACK_CAPACITY;
    atomic_store(&engine->master_gain, 1.0f);
    engine->master_applied = 1.0f;
    atomic_store(&engine->heartbeat.output, -1);
    sp_buses_init(engine);
    sp_commands_init(engine);
    engine->show.fade_level = 1.0f;

    sp_result result = SP_OK;
    sp_output *output = NULL;
    if (engine->offline) {
        if (engine->sample_rate == 0) engine->sample_rate = OFFLINE_RATE;
        if (engine->channels == 0) engine->channels = OFFLINE_CHANNELS;
        snprintf(engine->device_name, sizeof engine->device_name, "offline");
        snprintf(engine->backend_name, sizeof engine->backend_name, "offline");
    } else {
        /* The device fixes rate and channels, which size the tables, so it opens first; it is
         * only started once the tables exist. */
        result = open_output(config, config->sample_rate, config->channels, engine->block_frames,
                             &output);
        if (result == SP_OK) {
            result = check_format(output, config->sample_rate, config->channels, config);
        }
        if (result == SP_OK) {
            engine->channels = output->device.playback.channels;
            engine->sample_rate = output->device.sampleRate;
        }
    }
    if (result == SP_OK && engine->channels > SP_MAX_CHANNELS) result = SP_ERROR_DEVICE;
    if (result == SP_OK) {
        engine->fade_frames = engine->sample_rate * SP_FADE_MS / 1000u;
        if (engine->fade_frames == 0) engine->fade_frames = 1;
        result = allocate_tables(engine);
    }
    if (result == SP_OK && output != NULL) {
        bind_output(engine, output);
        output = NULL; /* the engine's now, and start_output's on failure */
        result = start_output(engine, config->timeout_ms);
    }
    if (result != SP_OK) {
        teardown_output(output, SP_TEARDOWN_TIMEOUT_MS);
        sp_engine_free_memory(engine);
        return result;
    }
    sp_live_add(engine);
    *out_engine = engine;
    return SP_OK;
}

/* Takes the output away from the engine: once this returns, its callback never touches the
 * engine again. */
static sp_output *detach_output(sp_engine *engine) {
    sp_output *output = engine->output;
    if (output == NULL) return NULL;
    cut_off(output);
    sp_engine_set_output(engine, NULL);
    return output;
}

void sp_engine_stop_threads(sp_engine *engine) {
    teardown_output(detach_output(engine), SP_TEARDOWN_TIMEOUT_MS);
    sp_butler_stop(engine);
}

SP_API sp_result sp_engine_destroy(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    sp_live_remove(engine);
    sp_engine_stop_threads(engine);
    sp_engine_free_memory(engine);
    return SP_OK;
}

SP_API sp_result sp_engine_abandon(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    sp_live_remove(engine);
    teardown_output(detach_output(engine), 0);
    sp_engine_free_memory(engine);
    return SP_OK;
}

/* Asks a running device to fade out over its next callback and waits for it, at most a few
 * blocks' time: a lost device never calls back, and is then cut off as it is (silent anyway). */
static void fade_out_output(sp_engine *engine) {
    sp_output *output = engine->output;
    if (output == NULL) return;
    atomic_store_explicit(&output->fade_out, 1, memory_order_release);
    uint64_t wait_ms = 4ull * engine->block_frames * 1000u / engine->sample_rate + 20u;
    if (wait_ms > 500u) wait_ms = 500u;
    const struct timespec one_ms = {0, 1000000};
    for (uint64_t waited = 0; waited < wait_ms; waited++) {
        if (atomic_load_explicit(&output->silent, memory_order_acquire)) return;
        nanosleep(&one_ms, NULL);
    }
}

/* A JACK device its server shut down (miniaudio stops it then; a live engine's device always
 * runs). JACK2's libjack deletes every client of a dead server at the next jack_client_open in
 * the process, so such a device must be closed before a new one opens: closed after, its client
 * is freed twice (a crash on recovery from a killed jackd). */
static bool jack_server_gone(const sp_output *output) {
    return output != NULL && output->has_device && output->context.backend == ma_backend_jack &&
           ma_device_get_state(&output->device) != ma_device_state_started;
}

SP_API sp_result sp_engine_reopen(sp_engine *engine, sp_engine_config *config) {
    SP_CHECK(engine != NULL && !engine->offline && config != NULL, SP_ERROR_INVALID_ARGUMENT);
    config->found_sample_rate = 0;
    config->found_channels = 0;
    if (jack_server_gone(engine->output)) {
        teardown_output(detach_output(engine), SP_TEARDOWN_TIMEOUT_MS);
    }

    /* The new device first: until it is open and runs the engine's format, nothing changes. */
    sp_output *output = NULL;
    sp_result result = open_output(config, engine->sample_rate, engine->channels,
                                   engine->block_frames, &output);
    if (result != SP_OK) return result;
    result = check_format(output, engine->sample_rate, engine->channels, config);
    if (result != SP_OK) {
        teardown_output(output, 0);
        return result;
    }

    fade_out_output(engine);
    teardown_output(detach_output(engine), 0);
    /* No callback runs now, so the audio-owned state is the control side's until the new
     * device starts (its start orders these writes before its first callback): resume where
     * the last block ended, fading in. */
    engine->envelope = 0.0f;
    sp_output_delays_clear(engine); /* bus_delay.c: delayed outputs come back faded in too */
    engine->monitor.last_start_ns = 0;
    bind_output(engine, output);
    return start_output(engine, config->timeout_ms);
}

SP_API uint32_t sp_abandoned_outputs(void) {
    return sp_stuck_threads();
}

SP_API uint32_t sp_hanging_opens(void) {
    return atomic_load_explicit(&hanging_opens, memory_order_relaxed);
}

SP_API sp_result sp_engine_info(const sp_engine *engine, uint32_t *out) {
    SP_CHECK(engine != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    out[SP_INFO_SAMPLE_RATE] = engine->sample_rate;
    out[SP_INFO_CHANNELS] = engine->channels;
    out[SP_INFO_BLOCK_FRAMES] = engine->block_frames;
    out[SP_INFO_TRACK_CAPACITY] = engine->capacity;
    out[SP_INFO_OFFLINE] = engine->offline ? 1 : 0;
#ifdef SP_NO_MONITOR
    out[SP_INFO_MONITOR_BUILT] = 0;
#else
    out[SP_INFO_MONITOR_BUILT] = 1;
#endif
    return SP_OK;
}

static sp_result copy_name(const char *name, char *out, uint32_t capacity) {
    SP_CHECK(out != NULL && capacity > 0, SP_ERROR_INVALID_ARGUMENT);
    snprintf(out, capacity, "%s", name);
    return SP_OK;
}

SP_API sp_result sp_engine_device_name(const sp_engine *engine, char *out, uint32_t capacity) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    return copy_name(engine->device_name, out, capacity);
}

SP_API sp_result sp_engine_backend_name(const sp_engine *engine, char *out, uint32_t capacity) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    return copy_name(engine->backend_name, out, capacity);
}

SP_API sp_result sp_engine_status(const sp_engine *engine, uint64_t *out) {
    SP_CHECK(engine != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    sp_status_read(engine, out); /* one block's snapshot (status.c) */
    out[SP_STATUS_CUE_ARMED] = engine->show.control_cue_seq; /* control-owned: same thread */
    return SP_OK;
}

SP_API sp_result sp_engine_set_master_gain(sp_engine *engine, float gain) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(gain == gain && gain >= 0.0f && gain <= SP_MAX_GAIN, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->master_gain, gain, memory_order_relaxed);
    return SP_OK;
}

SP_API sp_result sp_render(sp_engine *engine, float *out, uint32_t frames) {
    SP_CHECK(engine != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(engine->offline, SP_ERROR_NOT_OFFLINE);
    /* This is the caller's (JS) thread: flush denormals like miniaudio does around its device
     * callback, and give the thread its own state back afterwards. */
    const uint32_t fp_state = sp_denormals_off();
    sp_offline_render(engine, out, frames);
    sp_denormals_restore(fp_state);
    return SP_OK;
}

/* engine.c: engine life cycle, the device, and the offline render entry. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define OFFLINE_RATE 48000u
#define OFFLINE_CHANNELS 2u
#define MAX_BLOCK_FRAMES 65536u
#define MAX_CAPACITY 4096u

sp_result sp_backend_from_name(const char *name, ma_backend *backend, bool *is_auto);

static _Atomic uint32_t abandoned_outputs; /* teardown threads that have not returned */

/* Renders `frames` frames block by block: the mix buffer holds one block, and a device or a
 * render call may ask for more. */
static void render_blocks(sp_engine *engine, float *out, uint32_t frames) {
    while (frames > 0) {
        const uint32_t n = frames < engine->block_frames ? frames : engine->block_frames;
        sp_process_block(engine, out, n);
        out += (size_t)n * engine->channels;
        frames -= n;
    }
}

/* miniaudio's data callback: the device's thread enters the engine here. */
static void data_callback(ma_device *device, void *buffer, const void *input, ma_uint32 frames) {
    (void)input;
    sp_output *output = device->pUserData;
    float *out = buffer;
    /* Handshake with detach_output(): either it sees in_callback and waits for this callback to
     * end, or this callback sees detached and leaves the engine alone (seq_cst on both). */
    atomic_store_explicit(&output->in_callback, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&output->detached, memory_order_seq_cst)) {
        atomic_store_explicit(&output->in_callback, 0, memory_order_release);
        memset(out, 0, (size_t)frames * device->playback.channels * sizeof(float));
        return;
    }
    render_blocks(output->engine, out, frames);
    atomic_store_explicit(&output->in_callback, 0, memory_order_release);
}

void sp_engine_free_memory(sp_engine *engine) {
    if (engine->slots != NULL) {
        for (uint32_t i = 0; i < engine->capacity; i++) {
            sp_slot *s = &engine->slots[i];
            sp_pcm_free(s->pcm);
            free((void *)s->route);
            free(s->applied);
            free(s->target);
        }
    }
    free(engine->slots);
    free(engine->mix);
    free(engine->show.tail_mix);
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

/* Opens (does not start) a device. sample_rate, channels: 0 for the device's. */
static sp_result open_output_into(sp_output *output, const char *backend_name,
                                  int32_t device_index, uint32_t sample_rate, uint32_t channels,
                                  uint32_t block_frames) {
    ma_backend backend;
    bool is_auto;
    sp_result result = sp_backend_from_name(backend_name, &backend, &is_auto);
    if (result != SP_OK) return result;
    /* Live audio asks for real-time scheduling (SCHED_FIFO) of the callback's thread, so that
     * no busy thread (JS, V8's GC helpers, another program) can preempt a block. miniaudio
     * falls back to normal priority where that is not permitted. */
    ma_context_config context_config = ma_context_config_init();
    context_config.threadPriority = ma_thread_priority_realtime;
    if (ma_context_init(is_auto ? NULL : &backend, is_auto ? 0 : 1, &context_config,
                        &output->context) !=
        MA_SUCCESS) {
        return SP_ERROR_NO_BACKEND;
    }
    output->has_context = true;

    ma_device_info *devices = NULL;
    ma_uint32 device_count = 0;
    const ma_device_id *device_id = NULL;
    if (device_index >= 0) {
        if (ma_context_get_devices(&output->context, &devices, &device_count, NULL, NULL) !=
                MA_SUCCESS ||
            (uint32_t)device_index >= device_count) {
            return SP_ERROR_NO_SUCH_DEVICE;
        }
        device_id = &devices[device_index].id;
    }

    ma_device_config config = ma_device_config_init(ma_device_type_playback);
    config.playback.pDeviceID = device_id;
    config.playback.format = ma_format_f32;
    config.playback.channels = channels; /* 0: the device's */
    config.sampleRate = sample_rate;     /* 0: the device's */
    config.periodSizeInFrames = block_frames;
    config.dataCallback = data_callback;
    config.pUserData = output;
    config.noPreSilencedOutputBuffer = MA_TRUE; /* every frame is written by the engine */
    config.noClip = MA_TRUE; /* clipping is the interface's business, not a hidden stage */
    if (ma_device_init(&output->context, &config, &output->device) != MA_SUCCESS) {
        return SP_ERROR_DEVICE;
    }
    output->has_device = true;
    if (channels == 0 && output->device.playback.channels < 2) {
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
    return SP_OK;
}

static sp_result open_output(const char *backend_name, int32_t device_index,
                             uint32_t sample_rate, uint32_t channels, uint32_t block_frames,
                             sp_output **out_output) {
    sp_output *output = calloc(1, sizeof(sp_output));
    SP_CHECK(output != NULL, SP_ERROR_OUT_OF_MEMORY);
    const sp_result result = open_output_into(output, backend_name, device_index, sample_rate,
                                              channels, block_frames);
    if (result != SP_OK) {
        close_output(output);
        return result;
    }
    *out_output = output;
    return SP_OK;
}

/* Binds an opened output to the engine (names, and the callback's engine pointer). */
static void bind_output(sp_engine *engine, sp_output *output) {
    output->engine = engine;
    engine->output = output;
    snprintf(engine->device_name, sizeof engine->device_name, "%s", output->device.playback.name);
    snprintf(engine->backend_name, sizeof engine->backend_name, "%s",
             ma_get_backend_name(output->context.backend));
}

static void close_device(sp_engine *engine) {
    close_output(engine->output);
    engine->output = NULL;
}

SP_API sp_result sp_engine_create(const char *backend, int32_t device_index, uint32_t sample_rate,
                                  uint32_t channels, uint32_t block_frames,
                                  uint32_t track_capacity, sp_engine **out_engine) {
    SP_CHECK(out_engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(sample_rate <= 768000u, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(channels <= SP_MAX_CHANNELS, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(block_frames <= MAX_BLOCK_FRAMES, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(track_capacity <= MAX_CAPACITY, SP_ERROR_INVALID_ARGUMENT);
    *out_engine = NULL;

    sp_engine *engine = calloc(1, sizeof(sp_engine));
    SP_CHECK(engine != NULL, SP_ERROR_OUT_OF_MEMORY);
    engine->offline = backend != NULL && strcmp(backend, "offline") == 0;
    engine->sample_rate = sample_rate;
    engine->channels = channels;
    engine->block_frames = block_frames ? block_frames : SP_DEFAULT_BLOCK_FRAMES;
    engine->capacity = track_capacity ? track_capacity : SP_DEFAULT_TRACK_CAPACITY;
    atomic_store(&engine->master_gain, 1.0f);
    engine->master_applied = 1.0f;
    sp_buses_init(engine);
    engine->show.fade_level = 1.0f;

    sp_result result = SP_OK;
    if (engine->offline) {
        if (engine->sample_rate == 0) engine->sample_rate = OFFLINE_RATE;
        if (engine->channels == 0) engine->channels = OFFLINE_CHANNELS;
        snprintf(engine->device_name, sizeof engine->device_name, "offline");
        snprintf(engine->backend_name, sizeof engine->backend_name, "offline");
    } else {
        /* The device fixes rate and channels, which size the tables, so it opens first; it is
         * only started once the tables exist. */
        sp_output *output = NULL;
        result = open_output(backend, device_index, sample_rate, channels, engine->block_frames,
                             &output);
        if (result == SP_OK) {
            bind_output(engine, output);
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
    if (result == SP_OK && engine->output != NULL &&
        ma_device_start(&engine->output->device) != MA_SUCCESS) {
        result = SP_ERROR_DEVICE;
    }
    if (result != SP_OK) {
        close_device(engine);
        sp_engine_free_memory(engine);
        return result;
    }
    *out_engine = engine;
    return SP_OK;
}

SP_API sp_result sp_engine_destroy(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    close_device(engine);
    sp_engine_free_memory(engine);
    return SP_OK;
}

/* Takes the output away from the engine: once this returns, its callback never touches the
 * engine again (it plays silence if it ever runs). Waits at most for one callback to end. */
static sp_output *detach_output(sp_engine *engine) {
    sp_output *output = engine->output;
    if (output == NULL) return NULL;
    atomic_store_explicit(&output->detached, 1, memory_order_seq_cst);
    while (atomic_load_explicit(&output->in_callback, memory_order_seq_cst)) sched_yield();
    engine->output = NULL;
    return output;
}

static void *teardown_thread(void *arg) {
    close_output(arg); /* may never return when the server is gone */
    atomic_fetch_sub_explicit(&abandoned_outputs, 1, memory_order_relaxed);
    return NULL;
}

/* Tears a detached output down on a thread of its own, never blocking the caller. */
static void abandon_output(sp_output *output) {
    pthread_attr_t attr;
    pthread_t thread;
    atomic_fetch_add_explicit(&abandoned_outputs, 1, memory_order_relaxed);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* If no thread can be made, the dead device is leaked: better than blocking. */
    if (pthread_create(&thread, &attr, teardown_thread, output) != 0) {
        atomic_fetch_sub_explicit(&abandoned_outputs, 1, memory_order_relaxed);
    }
    pthread_attr_destroy(&attr);
}

SP_API sp_result sp_engine_abandon(sp_engine *engine) {
    SP_CHECK(engine != NULL, SP_ERROR_INVALID_ARGUMENT);
    sp_output *output = detach_output(engine);
    if (output != NULL) abandon_output(output);
    sp_engine_free_memory(engine);
    return SP_OK;
}

SP_API sp_result sp_engine_reopen(sp_engine *engine, const char *backend, int32_t device_index) {
    SP_CHECK(engine != NULL && !engine->offline, SP_ERROR_INVALID_ARGUMENT);
    sp_output *old = detach_output(engine);
    if (old != NULL) abandon_output(old);

    /* No callback runs now, so the audio-owned state is the control side's until the new
     * device starts (its start orders these writes before its first callback): resume where
     * the last block ended, fading in. */
    engine->envelope = 0.0f;
    engine->monitor.last_start_ns = 0;

    sp_output *output = NULL;
    const sp_result result = open_output(backend, device_index, engine->sample_rate,
                                         engine->channels, engine->block_frames, &output);
    if (result != SP_OK) return result;
    if (output->device.playback.channels != engine->channels ||
        output->device.sampleRate != engine->sample_rate) {
        close_output(output);
        return SP_ERROR_FORMAT;
    }
    bind_output(engine, output);
    if (ma_device_start(&output->device) != MA_SUCCESS) {
        close_device(engine);
        return SP_ERROR_DEVICE;
    }
    return SP_OK;
}

SP_API uint32_t sp_abandoned_outputs(void) {
    return atomic_load_explicit(&abandoned_outputs, memory_order_relaxed);
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
    SP_CHECK(gain == gain && gain >= 0.0f && gain <= 1000.0f, SP_ERROR_INVALID_ARGUMENT);
    atomic_store_explicit(&engine->master_gain, gain, memory_order_relaxed);
    return SP_OK;
}

SP_API sp_result sp_render(sp_engine *engine, float *out, uint32_t frames) {
    SP_CHECK(engine != NULL && out != NULL, SP_ERROR_INVALID_ARGUMENT);
    SP_CHECK(engine->offline, SP_ERROR_NOT_OFFLINE);
    /* This is the caller's (JS) thread: flush denormals like miniaudio does around its device
     * callback, and give the thread its own state back afterwards. */
    const uint32_t fp_state = sp_denormals_off();
    render_blocks(engine, out, frames);
    sp_denormals_restore(fp_state);
    return SP_OK;
}

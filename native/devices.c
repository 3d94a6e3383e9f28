/* devices.c: backend names and playback device enumeration. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
    const char *name;
    ma_backend backend;
} backend_name;

/* Lower-case names as a user types them; miniaudio's own names have spaces and capitals. */
static const backend_name BACKENDS[] = {
    {"null", ma_backend_null},         {"pulseaudio", ma_backend_pulseaudio},
    {"alsa", ma_backend_alsa},         {"jack", ma_backend_jack},
    {"oss", ma_backend_oss},           {"sndio", ma_backend_sndio},
    {"audio4", ma_backend_audio4},     {"coreaudio", ma_backend_coreaudio},
    {"wasapi", ma_backend_wasapi},     {"dsound", ma_backend_dsound},
    {"winmm", ma_backend_winmm},       {"aaudio", ma_backend_aaudio},
    {"opensl", ma_backend_opensl},     {"webaudio", ma_backend_webaudio},
    /* miniaudio's own names, as sp_engine_backend_name gives them (to reopen the same one) */
    {"directsound", ma_backend_dsound}, {"audio(4)", ma_backend_audio4},
    {"opensl|es", ma_backend_opensl},
};

/* "PulseAudio" and "Core Audio" (miniaudio's names) as "pulseaudio" and "coreaudio". */
static void plain_name(const char *name, char *out, size_t capacity) {
    size_t used = 0;
    for (; *name != '\0' && used + 1 < capacity; name++) {
        if (*name != ' ') out[used++] = (char)tolower((unsigned char)*name);
    }
    out[used] = '\0';
}

sp_result sp_backend_from_name(const char *name, ma_backend *backend, bool *is_auto) {
    char plain[32];
    plain_name(name != NULL ? name : "", plain, sizeof plain);
    *is_auto = plain[0] == '\0' || strcmp(plain, "auto") == 0;
    if (*is_auto) return SP_OK;
    for (size_t i = 0; i < sizeof BACKENDS / sizeof BACKENDS[0]; i++) {
        if (strcmp(plain, BACKENDS[i].name) == 0) {
            *backend = BACKENDS[i].backend;
            return ma_is_backend_enabled(*backend) ? SP_OK : SP_ERROR_NO_BACKEND;
        }
    }
    return SP_ERROR_NO_BACKEND;
}

/* Tabs and newlines in a device name would break the line format. */
static void clean_name(char *name) {
    for (char *p = name; *p; p++) {
        if (*p == '\t' || *p == '\n' || *p == '\r') *p = ' ';
    }
}

static uint32_t max_channels(const ma_device_info *info) {
    uint32_t most = 0;
    for (uint32_t i = 0; i < info->nativeDataFormatCount; i++) {
        if (info->nativeDataFormats[i].channels > most) most = info->nativeDataFormats[i].channels;
    }
    return most; /* 0: any count */
}

/* One listing, run on a helper thread: a hung audio server never answers. */
typedef struct {
    char backend[32];
    char *text;
    uint32_t capacity, count;
} list_request;

static sp_result list_work(void *arg) {
    list_request *request = arg;
    ma_backend chosen;
    bool is_auto;
    const sp_result result = sp_backend_from_name(request->backend, &chosen, &is_auto);
    if (result != SP_OK) return result;
    ma_context context;
    ma_context_config config = ma_context_config_init();
    config.jack.pClientName = "stemplay"; /* listing opens a JACK client too: ours by name */
    if (ma_context_init(is_auto ? NULL : &chosen, is_auto ? 0 : 1, &config, &context) !=
        MA_SUCCESS) {
        return SP_ERROR_NO_BACKEND;
    }
    ma_device_info *devices = NULL;
    ma_uint32 count = 0;
    if (ma_context_get_devices(&context, &devices, &count, NULL, NULL) != MA_SUCCESS) {
        ma_context_uninit(&context);
        return SP_ERROR_DEVICE;
    }
    char *out_text = request->text;
    const uint32_t capacity = request->capacity;
    out_text[0] = '\0';
    uint32_t used = 0;
    for (uint32_t i = 0; i < count; i++) {
        /* Fill in the native formats; enumeration alone leaves them empty on some backends. */
        ma_device_info detail = devices[i];
        ma_context_get_device_info(&context, ma_device_type_playback, &devices[i].id, &detail);
        char name[MA_MAX_DEVICE_NAME_LENGTH + 1];
        snprintf(name, sizeof name, "%s", devices[i].name);
        clean_name(name);
        const int n = snprintf(out_text + used, capacity - used, "%u\t%u\t%u\t%s\n", i,
                               devices[i].isDefault ? 1u : 0u, max_channels(&detail), name);
        if (n < 0 || (uint32_t)n >= capacity - used) {
            ma_context_uninit(&context);
            return SP_ERROR_INVALID_ARGUMENT; /* the caller's buffer is too small */
        }
        used += (uint32_t)n;
    }
    ma_context_uninit(&context);
    request->count = count;
    return SP_OK;
}

static void list_late(void *arg) {
    list_request *request = arg;
    free(request->text);
    free(request);
}

SP_API sp_result sp_devices_list(const char *backend, char *out_text, uint32_t capacity,
                                 uint32_t *out_count) {
    SP_CHECK(out_text != NULL && capacity > 0 && out_count != NULL, SP_ERROR_INVALID_ARGUMENT);
    list_request *request = calloc(1, sizeof *request);
    SP_CHECK(request != NULL, SP_ERROR_OUT_OF_MEMORY);
    request->text = malloc(capacity);
    if (request->text == NULL) {
        free(request);
        return SP_ERROR_OUT_OF_MEMORY;
    }
    snprintf(request->backend, sizeof request->backend, "%s", backend != NULL ? backend : "");
    request->capacity = capacity;
    const sp_result result =
        sp_run_with_deadline(list_work, NULL, list_late, request, SP_DEFAULT_DEVICE_TIMEOUT_MS);
    if (result == SP_ERROR_TIMEOUT) return result; /* the request now belongs to the helper */
    if (result == SP_OK) {
        memcpy(out_text, request->text, capacity);
        *out_count = request->count;
    }
    list_late(request);
    return result;
}

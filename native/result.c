/* result.c: version and result strings. */
#include "internal.h"

SP_API uint32_t sp_abi_version(void) { return SP_ABI_VERSION; }

SP_API const char *sp_miniaudio_version(void) { return MA_VERSION_STRING; }

SP_API const char *sp_result_string(sp_result result) {
    switch (result) {
        case SP_OK: return "ok";
        case SP_ERROR_INVALID_ARGUMENT: return "invalid argument";
        case SP_ERROR_OUT_OF_MEMORY: return "out of memory";
        case SP_ERROR_NO_BACKEND: return "audio backend not available";
        case SP_ERROR_DEVICE: return "the audio device could not be opened or started";
        case SP_ERROR_NO_SUCH_DEVICE: return "no such audio device";
        case SP_ERROR_FILE: return "the file could not be opened";
        case SP_ERROR_DECODE: return "not a valid audio file";
        case SP_ERROR_TRUNCATED: return "the file is truncated";
        case SP_ERROR_FORMAT: return "unsupported audio format";
        case SP_ERROR_CAPACITY: return "the track table is full";
        case SP_ERROR_SLOT: return "no such track";
        case SP_ERROR_NOT_OFFLINE: return "render needs an offline engine";
        case SP_ERROR_BUSY: return "busy, try again";
        case SP_ERROR_EMPTY: return "the file holds no audio";
        case SP_ERROR_UNSUPPORTED: return "not supported by this build";
        case SP_ERROR_TIMEOUT: return "the audio server did not answer in time";
        case SP_ERROR_FORMAT_UNAVAILABLE: return "this format needs the optional decoder (ffmpeg)";
        default: return "unknown result";
    }
}

/* The one implementation unit of miniaudio. Compiled once into its own object and cached by
 * the header's hash, because it takes about half a minute at -O2.
 *
 * With SP_HAVE_STB_VORBIS (set by ffi/build.ts when a verified stb_vorbis.c is at hand),
 * stb_vorbis is compiled in too, the way miniaudio's documentation asks: its declarations
 * before miniaudio.h, its implementation after. miniaudio then decodes Ogg Vorbis itself. */
#ifdef SP_HAVE_STB_VORBIS
#define STB_VORBIS_HEADER_ONLY
#include "stb_vorbis.c"
#endif

#define MINIAUDIO_IMPLEMENTATION
#include "miniaudio.h"

#ifdef SP_HAVE_STB_VORBIS
#undef STB_VORBIS_HEADER_ONLY
#include "stb_vorbis.c"
#endif

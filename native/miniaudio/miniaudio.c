/* The one implementation unit of miniaudio. Compiled once into its own object and cached by
 * the header's hash, because it takes about half a minute at -O2. */
#define MINIAUDIO_IMPLEMENTATION
#include "miniaudio.h"

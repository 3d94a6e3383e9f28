/**
 * Where stemplay keeps what it can make again (waveform peaks, the console's libraries):
 * `$STEMPLAY_CACHE`, else `$XDG_CACHE_HOME/stemplay`, else `~/.cache/stemplay`.
 *
 * @module
 */

import { join } from "node:path";

/** The cache folder for `what` ("peaks", "vendor"); undefined without a home. */
export function cacheFolder(what: string): string | undefined {
  const own = Deno.env.get("STEMPLAY_CACHE");
  if (own) return join(own, what);
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "stemplay", what);
  const home = Deno.env.get("HOME");
  return home ? join(home, ".cache", "stemplay", what) : undefined;
}

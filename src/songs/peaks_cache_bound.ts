/**
 * The peaks cache is bounded: after a write, when its entries together pass
 * `MAX_PEAKS_CACHE_BYTES`, the least recently used go first (an entry read again has its
 * modification time set to now, so "least recently used" is "oldest mtime").
 *
 * @module
 */

import { join } from "node:path";

/** The most bytes the peaks cache keeps (a few hundred songs' lanes). */
export const MAX_PEAKS_CACHE_BYTES = 256 * 1024 * 1024;

/** Marks an entry as just used (best effort). */
export async function touchPeaksEntry(entry: string): Promise<void> {
  const now = new Date();
  await Deno.utime(entry, now, now).catch(() => {});
}

/** Removes the least recently used `*.peaks` entries of `folder` until the rest fit in
 * `maxBytes`; a failure only leaves the cache larger. */
export async function boundPeaksCache(
  folder: string,
  maxBytes = MAX_PEAKS_CACHE_BYTES,
): Promise<void> {
  const entries: { path: string; size: number; used: number }[] = [];
  try {
    for await (const item of Deno.readDir(folder)) {
      if (!item.isFile || !item.name.endsWith(".peaks")) continue;
      const path = join(folder, item.name);
      const info = await Deno.stat(path).catch(() => undefined);
      if (info) entries.push({ path, size: info.size, used: info.mtime?.getTime() ?? 0 });
    }
  } catch {
    return;
  }
  let total = entries.reduce((sum, entry) => sum + entry.size, 0);
  entries.sort((a, b) => a.used - b.used);
  for (const entry of entries) {
    if (total <= maxBytes) break;
    await Deno.remove(entry.path).then(() => total -= entry.size, () => {});
  }
}

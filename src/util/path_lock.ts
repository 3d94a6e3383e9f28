/**
 * One writer at a time per file: a check of what is on disk and the write that depends on it
 * (a version check, then a rename) run as one step, so two saves that started from the same
 * version cannot both succeed. Per process; the chain of a path is dropped when it empties.
 *
 * @module
 */

const chains = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier `withPathLock` of the same `path` has settled. */
export async function withPathLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const before = chains.get(path) ?? Promise.resolve();
  const done = before.then(work, work);
  const settled = done.catch(() => {});
  chains.set(path, settled);
  try {
    return await done;
  } finally {
    if (chains.get(path) === settled) chains.delete(path);
  }
}

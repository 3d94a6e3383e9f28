/**
 * The console page's libraries (Preact with htm, wavesurfer.js and its regions plugin), pinned
 * in web/console/vendor.json by npm package and SHA-256 as miniaudio.h is: fetched with
 * `npm pack` the first time, verified, kept in the cache folder (src/util/cache_folder.ts), and
 * served as ES modules by the console itself. No CDN, no build step.
 *
 * @module
 */

import { join } from "node:path";
import { npmPackFile, sha256Hex } from "../../ffi/build_io.ts";
import { StemplayError } from "../errors.ts";
import { cacheFolder } from "../util/cache_folder.ts";
import { writeAtomic } from "../util/write_atomic.ts";

/** One pinned file. */
interface VendorPin {
  servedAs: string;
  npmPackage: string;
  pathInPackage: string;
  sha256: string;
}

/** Reads the pins and returns each file's text by the path it is served at. */
export async function loadVendorFiles(): Promise<Map<string, string>> {
  const pinUrl = new URL("../../web/console/vendor.json", import.meta.url);
  const pins = (await (await fetch(pinUrl)).json()).files as VendorPin[];
  const folder = cacheFolder("vendor");
  const files = new Map<string, string>();
  for (const pin of pins) {
    const cached = folder ? join(folder, `${pin.sha256}.js`) : undefined;
    let bytes: Uint8Array | undefined = cached
      ? await Deno.readFile(cached).catch(() => undefined)
      : undefined;
    if (bytes && await sha256Hex(bytes) !== pin.sha256) bytes = undefined;
    if (!bytes) {
      const fetched = (await npmPackFile(
        pin,
        `the console's ${pin.servedAs}`,
        `put the file ${pin.pathInPackage} of ${pin.npmPackage} at ${cached ?? "the cache"}`,
      )).bytes;
      bytes = fetched;
      if (cached) {
        await Deno.mkdir(folder!, { recursive: true }).catch(() => {});
        await writeAtomic(cached, fetched).catch(() => {});
      }
    }
    if (await sha256Hex(bytes) !== pin.sha256) {
      throw new StemplayError("HASH_MISMATCH", `${pin.servedAs} is not the pinned file`);
    }
    files.set(pin.servedAs, new TextDecoder().decode(bytes));
  }
  return files;
}

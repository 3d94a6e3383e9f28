/**
 * The loaded native library as the rest of src/ sees it, and the small helpers every FFI call
 * needs: result codes to errors, strings to C, out-arrays.
 *
 * @module
 */

import { openLibrary } from "../../ffi/library.ts";
import type { symbols } from "../../ffi/symbols.ts";
import { StemplayError, type StemplayErrorCode } from "../errors.ts";
import { RESULT } from "./native_constants.ts";

/** The dlopen'd library's symbols. */
export type Native = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** Which build of the library to load: plain, with test hooks, or without the monitor. */
export type LibraryVariant = "default" | "test" | "nomonitor";

/** Loads (building if needed) the native library. */
export async function loadNative(variant: LibraryVariant = "default"): Promise<Native> {
  const library = await openLibrary(variant);
  return library.symbols;
}

/** The failing sp_result codes, by number, as the stable codes of StemplayError (each name
 * of RESULT but OK must be a StemplayErrorCode: `satisfies` checks that). */
const RESULT_CODES = new Map<number, StemplayErrorCode>();
for (const name of Object.keys(RESULT) as (keyof typeof RESULT)[]) {
  if (name !== "OK") RESULT_CODES.set(RESULT[name], name satisfies StemplayErrorCode);
}

/** The StemplayError code of an sp_result. */
export function resultCode(result: number): StemplayErrorCode {
  return RESULT_CODES.get(result) ?? `NATIVE_${result}`;
}

/** Throws a StemplayError for any result but SP_OK, with `what` saying what was being done. */
export function unwrap(
  native: Native,
  result: number,
  what: string,
  options?: { path?: string; detail?: string },
): void {
  if (result === RESULT.OK) return;
  const reason = cString(native.sp_result_string(result));
  const detail = options?.detail ? `: ${options.detail}` : "";
  throw new StemplayError(resultCode(result), `${what}: ${reason}${detail}`, {
    path: options?.path,
  });
}

/** A NUL-terminated UTF-8 copy of a string, for `const char *` parameters. */
export function toCString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Reads a C string returned by the library (static or owned by a live handle). */
export function cString(pointer: Deno.PointerValue): string {
  return pointer === null ? "" : Deno.UnsafePointerView.getCString(pointer);
}

/** Reads a NUL-terminated string that C wrote into a buffer. */
export function bufferString(buffer: Uint8Array): string {
  const end = buffer.indexOf(0);
  return new TextDecoder().decode(buffer.subarray(0, end < 0 ? buffer.length : end));
}

/** Turns the value C stored through a `T **out` parameter into a pointer. */
export function outPointer(cell: BigUint64Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(cell[0]);
}

/**
 * The one error type of stemplay.
 *
 * @module
 */

/**
 * An error raised by stemplay. `code` says what went wrong in a stable, machine-readable form
 * (for example `"COMPILER_MISSING"`, `"HASH_MISMATCH"`, `"ABI_MISMATCH"`); `message` says it
 * for a person, including what was tried and how to fix it. `cause` holds the underlying error
 * when there is one.
 */
export class StemplayError extends Error {
  /** A stable code, e.g. `"COMPILE_FAILED"`. */
  code: string;
  /** The file or folder the error is about, when there is one. */
  path?: string;

  /**
   * Creates an error with a code, a message and, optionally, the file and the cause.
   *
   * @param code a stable, upper-case code naming the kind of failure
   * @param message what went wrong, what was tried and how to fix it
   * @param options `path`: the file concerned; `cause`: the underlying error
   */
  constructor(code: string, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StemplayError";
    this.code = code;
    if (options?.path !== undefined) this.path = options.path;
  }
}

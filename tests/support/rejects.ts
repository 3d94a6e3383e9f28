/**
 * One check that something failed the way it should: a StemplayError with the right code and
 * a message that says what it must.
 *
 * @module
 */

import assert from "node:assert/strict";
import { StemplayError } from "../../src/errors.ts";

/** Awaits `action` (a promise, or a function that throws or rejects) and checks that it failed
 * with a StemplayError of `code` whose message has every one of `parts` (a string it includes,
 * a RegExp it matches). @returns the error, for more checks */
export async function assertRejects(
  action: Promise<unknown> | (() => unknown),
  code: string,
  ...parts: (string | RegExp)[]
): Promise<StemplayError> {
  try {
    await (typeof action === "function" ? action() : action);
  } catch (error) {
    assert.ok(error instanceof StemplayError, `expected a StemplayError, got ${error}`);
    assert.equal(error.code, code, error.message);
    for (const part of parts) {
      if (typeof part === "string") {
        assert.ok(error.message.includes(part), `"${part}" not in: ${error.message}`);
      } else assert.match(error.message, part);
    }
    return error;
  }
  assert.fail("did not throw");
}

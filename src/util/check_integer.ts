/**
 * An integer argument, checked, with its name in the message.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";

/** An integer from `min` to `max`, checked; `name` names it in the error. */
export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new StemplayError(
      "INVALID_ARGUMENT",
      `${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

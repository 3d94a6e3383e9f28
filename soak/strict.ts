/**
 * Whether a soak asserts its timing figures (overruns). On a quiet machine, `SOAK_STRICT=1 deno
 * task soak` makes any overrun fail the run; otherwise (CI on a shared, noisy machine) they are
 * printed, like every other timed figure, and the soak checks what load cannot change.
 *
 * @module
 */

/** True when `SOAK_STRICT=1`: timing figures are asserted, not only printed. */
export const SOAK_STRICT = Deno.env.get("SOAK_STRICT") === "1";

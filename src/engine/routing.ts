/**
 * Routing rules: how a track's channels reach the device's outputs. Resolved here, in one
 * place, into a gain matrix (one row per track channel, one gain per output) that the C mix
 * multiplies by the track's gain.
 *
 * - Outputs are numbered from 1, as on an interface's front panel.
 * - As many outputs as channels: channel k goes to `route[k]` at unity; for a stereo track pan
 *   is a balance (0 = unity on both sides, -1 = right silent, +1 = left silent).
 * - A mono track to two outputs: constant-power pan (0 = both at -3 dB).
 * - A stereo track to one output: summed to mono at -6 dB per channel.
 * - Any other shape needs `routeGains`, an explicit matrix.
 *
 * Pan applies only to the two panning shapes above; elsewhere it is kept but has no effect.
 *
 * @module
 */

import { StemplayError } from "../errors.ts";
import { atMostCeiling, gainInRange, MAX_GAIN, MAX_GAIN_DB } from "./levels.ts";

/** How a track reaches the outputs. */
export interface Routing {
  /** Output numbers (from 1), one per track channel, or two for a mono track. */
  route?: readonly number[];
  /** Explicit gains: one row per track channel, one gain per device output. */
  routeGains?: readonly (readonly number[])[];
  /** -1 (left) .. 1 (right). */
  pan?: number;
}

/** The default route: the first outputs, as many as the track has channels (a mono track
 * to 1-2, panned). */
export function defaultRoute(trackChannels: number, outputs: number): number[] | undefined {
  if (trackChannels === 1) return outputs >= 2 ? [1, 2] : [1];
  if (trackChannels <= outputs) return Array.from({ length: trackChannels }, (_, k) => k + 1);
  return undefined;
}

/** Checks a pan value and returns it. */
export function checkPan(pan: number, where = "pan"): number {
  if (typeof pan !== "number" || !Number.isFinite(pan) || pan < -1 || pan > 1) {
    throw new StemplayError("ROUTE", `${where} must be a number from -1 to 1, got ${pan}`);
  }
  return pan;
}

/** Checks the route against the device and the track, returning the gain matrix
 * (trackChannels x outputs, row-major). Throws StemplayError "ROUTE" naming the problem. */
export function routeMatrix(
  trackChannels: number,
  outputs: number,
  routing: Routing,
): Float32Array {
  const pan = checkPan(routing.pan ?? 0);
  const matrix = new Float32Array(trackChannels * outputs);
  if (routing.routeGains !== undefined) {
    if (routing.route !== undefined) {
      throw new StemplayError("ROUTE", "give either route or routeGains, not both");
    }
    fillFromGains(matrix, trackChannels, outputs, routing.routeGains);
    return matrix;
  }
  const route = routing.route ?? defaultRoute(trackChannels, outputs);
  if (route === undefined) {
    throw new StemplayError(
      "ROUTE",
      `a ${trackChannels}-channel track does not fit the device's ${outputs} outputs: give route or routeGains`,
    );
  }
  checkOutputs(route, outputs);
  const set = (channel: number, output: number, gain: number) => {
    matrix[channel * outputs + (output - 1)] += gain;
  };
  if (route.length === trackChannels) {
    const balance = trackChannels === 2 ? [pan > 0 ? 1 - pan : 1, pan < 0 ? 1 + pan : 1] : [];
    route.forEach((output, channel) => set(channel, output, balance[channel] ?? 1));
  } else if (trackChannels === 1 && route.length === 2) {
    const angle = (pan + 1) * Math.PI / 4;
    set(0, route[0], Math.cos(angle));
    set(0, route[1], Math.sin(angle));
  } else if (trackChannels === 2 && route.length === 1) {
    set(0, route[0], 0.5);
    set(1, route[0], 0.5);
  } else {
    throw new StemplayError(
      "ROUTE",
      `a ${trackChannels}-channel track routed to ${route.length} outputs needs routeGains ` +
        `(one row per channel, one gain per output)`,
    );
  }
  return matrix;
}

function checkOutputs(route: readonly number[], outputs: number): void {
  if (!Array.isArray(route) || route.length === 0) {
    throw new StemplayError("ROUTE", "route must be a non-empty array of output numbers");
  }
  const seen = new Set<number>();
  route.forEach((output, index) => {
    if (!Number.isInteger(output) || output < 1 || output > outputs) {
      throw new StemplayError(
        "ROUTE",
        `route[${index}] is ${output}, but the device has outputs 1 to ${outputs}`,
      );
    }
    if (seen.has(output)) {
      throw new StemplayError("ROUTE", `route[${index}] repeats output ${output}`);
    }
    seen.add(output);
  });
}

function fillFromGains(
  matrix: Float32Array,
  trackChannels: number,
  outputs: number,
  gains: readonly (readonly number[])[],
): void {
  if (!Array.isArray(gains) || gains.length !== trackChannels) {
    throw new StemplayError(
      "ROUTE",
      `routeGains needs ${trackChannels} rows (one per track channel), got ${
        Array.isArray(gains) ? gains.length : typeof gains
      }`,
    );
  }
  gains.forEach((row, channel) => {
    if (!Array.isArray(row) || row.length !== outputs) {
      throw new StemplayError(
        "ROUTE",
        `routeGains[${channel}] needs ${outputs} gains (one per output)`,
      );
    }
    row.forEach((gain, output) => {
      if (typeof gain !== "number" || !Number.isFinite(gain)) {
        throw new StemplayError(
          "ROUTE",
          `routeGains[${channel}][${output}] must be a finite number, got ${gain}`,
        );
      }
      // Each entry is a gain stage like any other: at most +12 dB either polarity.
      if (!gainInRange(gain, true)) {
        throw new StemplayError(
          "INVALID_ARGUMENT",
          `routeGains[${channel}][${output}] must be from -${MAX_GAIN.toFixed(3)} to ` +
            `${MAX_GAIN.toFixed(3)} (+${MAX_GAIN_DB} dB either polarity), got ${gain}`,
        );
      }
      matrix[channel * outputs + output] = atMostCeiling(gain);
    });
  });
}

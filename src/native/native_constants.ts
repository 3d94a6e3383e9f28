/**
 * The constants of native/stemplay.h that TypeScript needs: result codes, transport states,
 * the indices of the status, info and monitor out-arrays, and sizes. Written once here, and
 * checked against the header by tests/native_constants_test.ts, so a change on the C side that
 * is not made here fails a test instead of misreading an array.
 *
 * @module
 */

/** sp_result codes (SP_OK, SP_ERROR_*), by their StemplayError code. */
export const RESULT = {
  OK: 0,
  INVALID_ARGUMENT: 1,
  OUT_OF_MEMORY: 2,
  NO_BACKEND: 3,
  DEVICE: 4,
  NO_SUCH_DEVICE: 5,
  FILE: 6,
  DECODE: 7,
  TRUNCATED: 8,
  FORMAT: 9,
  CAPACITY: 10,
  SLOT: 11,
  NOT_OFFLINE: 12,
  BUSY: 13,
  EMPTY: 14,
  UNSUPPORTED: 15,
  TIMEOUT: 16,
  FORMAT_UNAVAILABLE: 17,
} as const;

/** Transport states (SP_STATE_*). */
export const STATE = { stopped: 0, playing: 1, paused: 2, ended: 3 } as const;

/** Indices into sp_engine_status()'s out-array (SP_STATUS_*), and its length. */
export const STATUS = {
  position: 0,
  state: 1,
  ended: 2,
  blocks: 3,
  duration: 4,
  group: 5,
  cueArmed: 6,
  cueFired: 7,
  starved: 8,
  callbackNs: 9,
  callbackPos: 10,
  count: 11,
} as const;

/** Indices into sp_engine_info()'s out-array (SP_INFO_*), and its length. */
export const INFO = {
  rate: 0,
  channels: 1,
  block: 2,
  capacity: 3,
  offline: 4,
  monitorBuilt: 5,
  count: 6,
} as const;

/** Indices into sp_file_source_info()'s out-array (SP_FILE_INFO_*), and its length. */
export const FILE_INFO = {
  frames: 0,
  channels: 1,
  ringBytes: 2,
  sourceRate: 3,
  headBytes: 4,
  count: 5,
} as const;

/** What a jump to a frame of a streamed file would find there (SP_HEAD_STATE_*). */
export const HEAD_STATE = {
  none: 0,
  pending: 1,
  ready: 2,
} as const;

/** The latency monitor: its ring's size (SP_MONITOR_SLOTS) and the counters' indices
 * (SP_MONITOR_*) and length. */
export const MONITOR = {
  slots: 4096,
  callbacks: 0,
  overruns: 1,
  writeIndex: 2,
  counterCount: 3,
} as const;

/** The declick fade around every jump and seam, in ms (SP_FADE_MS). */
export const FADE_MS = 5;

/**
 * Text pieces shared by the terminal screen, the plain reporter and the progress bars.
 *
 * @module
 */

/** `m:ss.s`, e.g. 83.42 → "1:23.4". */
export function formatTime(seconds: number): string {
  const tenths = Math.max(0, Math.floor(seconds * 10 + 1e-6));
  const minutes = Math.floor(tenths / 600);
  const rest = (tenths % 600) / 10;
  return `${minutes}:${rest.toFixed(1).padStart(4, "0")}`;
}

/** A linear gain as dB with a sign, e.g. "+0.0 dB", "-6.0 dB", "-inf dB". */
export function formatDb(gain: number): string {
  if (gain <= 0) return "-inf dB";
  const db = 20 * Math.log10(gain);
  const rounded = Math.abs(db) < 0.05 ? 0 : db;
  return `${rounded >= 0 ? "+" : ""}${rounded.toFixed(1)} dB`;
}

/** `[=====>----]` filled to `fraction` (0..1), `width` characters wide in all. */
export function progressBar(fraction: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * inner);
  const head = filled > 0 && filled < inner ? ">" : "";
  const body = "=".repeat(Math.max(0, filled - head.length)) + head;
  return `[${body}${"-".repeat(inner - body.length)}]`;
}

/** The floor of the meter scale in dB. */
export const METER_FLOOR_DB = -60;

/** A peak meter `width` characters wide: `|` per step from -60 dB to 0 dB, `!` when clipping. */
export function peakMeter(peak: number, width: number): string {
  const db = peak > 0 ? 20 * Math.log10(peak) : -Infinity;
  const fraction = Math.min(1, Math.max(0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB));
  const filled = Math.round(fraction * width);
  const bar = "|".repeat(filled) + ".".repeat(width - filled);
  return peak >= 1 ? bar.slice(0, -1) + "!" : bar;
}

/**
 * R2 ("faster") at another key shifts the pitch with our resampler, not Rubber Band's
 * (native/stretch.c): the resampler runs between the engine's rate and round(rate × pitch
 * scale), so these cases take that rate out of the resampler's range (1 kHz to 768 kHz) at the
 * engine rates the player accepts (8 to 768 kHz). Real Rubber Band; nothing timed.
 */
import assert from "node:assert/strict";
import { loadNative } from "../src/native/native.ts";
import { stretchPlanar } from "../src/sources/stretch.ts";
import { estimateFrequency } from "./support/fixtures.ts";
import { cents } from "./support/stretch_signals.ts";

const native = await loadNative();

/** A 3 kHz sine of `seconds` at `rate`: R2 keeps a tone there within a cent at 48 kHz. */
function sine(rate: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * 3000 * i) / rate);
  return out;
}

Deno.test("stretch R2: at 768 kHz, a key up (the shift's rate past 768 kHz) renders on the key", async () => {
  const rate = 768_000;
  const tone = sine(rate, 0.5);
  for (const transpose of [2, 12]) {
    const [out] = await stretchPlanar(native, [tone], rate, {
      transpose,
      speed: 1,
      engine: "faster",
    });
    assert.equal(out.length, tone.length, `+${transpose}: length`);
    const middle = out.subarray(Math.round(rate * 0.15), Math.round(rate * 0.35));
    const error = cents(estimateFrequency(middle, rate), 3000 * Math.pow(2, transpose / 12));
    console.log(`  768 kHz +${transpose}: ${error.toFixed(3)} cents`);
    assert.ok(Math.abs(error) <= 5, `+${transpose} at 768 kHz: ${error} cents off`);
  }
});

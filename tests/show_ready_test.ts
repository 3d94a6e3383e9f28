/**
 * Done means (issue 15): a 14-stem song with click and guide on the in-ears, played by
 * `stemplay play` in a tmux pane on a real PulseAudio server (a 4-channel float sink): the
 * operator solos a music stem and fades out. The sink's capture shows outputs 1-2 losing the
 * other stems at the solo and fading away, while outputs 3-4 keep the click and guide at full
 * level through both.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { writeBigSong } from "./support/big_song.ts";
import { Capture, PulseServer } from "./support/pulse.ts";
import { ignoreWithout, requireTool } from "./support/require_tool.ts";
import { Pane } from "./support/tmux_pane.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const RATE = 48000;
/** RMS windows: 0.2 s holds 11 beats of the click and guide's 55 Hz difference. */
const WINDOW = RATE / 5;

function rmsWindows(samples: Float32Array): number[] {
  const out: number[] = [];
  for (let start = 0; start + WINDOW <= samples.length; start += WINDOW) {
    let sum = 0;
    for (let i = start; i < start + WINDOW; i++) sum += samples[i] * samples[i];
    out.push(Math.sqrt(sum / WINDOW));
  }
  return out;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

const name = "show ready: solo and fade on a 14-stem song leave the click at full level on 3-4";
Deno.test({
  name,
  ignore: ignoreWithout("tmux", name) || ignoreWithout("pulseaudio", name) ||
    ignoreWithout("parec", name),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    requireTool("tmux", name);
    requireTool("pulseaudio", name);
    requireTool("parec", name);
    const dir = await Deno.makeTempDir({ prefix: "stemplay-ready-" });
    const server = await PulseServer.start();
    const pane = new Pane(120, 40);
    let capture: Capture | undefined;
    try {
      await writeBigSong(dir, 60);
      await pane.start(dir);
      const env = Object.entries(server.env).map(([key, value]) => `${key}=${value}`).join(" ");
      await pane.type(
        `env ${env} ${Deno.execPath()} run -A ${CLI} play song.json --play --backend pulseaudio ` +
          `--channels 4 --rate ${RATE} --block 2048; echo "exit=$?"`,
        true,
      );
      let screen = await pane.waitFor(
        (s) => s.includes("> PLAYING") && /0:0[1-9]\.\d \//.test(s),
        "playing",
      );
      assert.match(screen, /1 {2}01 Click .* in-ears 3\+4/);
      assert.match(screen, /2 {2}02 Guide .* in-ears 3\+4/);
      assert.doesNotMatch(screen, /HAS NO OUTPUTS/);

      capture = Capture.start(server);
      const seconds = (s: number) => () => capture!.frames >= s * RATE;
      const until = async (test: () => boolean, what: string) => {
        await pane.waitFor(() => test(), what);
      };
      await until(seconds(2), "2 s captured with everything playing");
      const soloAt = capture.frames;
      // 6 then s: the bass soloed.
      await pane.keys("6", "s");
      screen = await pane.waitFor((s) => /^ {2}> +6 {2}06 Bass DI .* \. S /m.test(s), "solo");
      await until(() => capture!.frames >= soloAt + 3 * RATE, "3 s of the solo captured");
      const fadeAt = capture.frames;
      await pane.keys("f");
      await pane.waitFor((s) => s.includes("> fading out over 4 s"), "the fade");
      await pane.waitFor((s) => s.includes("|| PAUSED"), "paused after the fade");
      const audio = await capture.stop();
      capture = undefined;

      const [out1, , out3, out4] = audio.map(rmsWindows);
      const windowOf = (frame: number) => Math.floor(frame / WINDOW);
      const full = windowOf(soloAt) - 1; // windows before the solo: everything plays
      const before1 = median(out1.slice(2, full));
      const before3 = median(out3.slice(2, full));
      assert.ok(before3 > 0.2, `the in-ears play before: ${before3}`);
      const soloed = (values: number[]) =>
        median(values.slice(windowOf(soloAt) + 3, windowOf(fadeAt) - 1));
      assert.ok(soloed(out1) < before1 * 0.6, `the solo thinned FOH: ${soloed(out1)} < ${before1}`);
      // The fade: FOH windows from the press on fall; the in-ears stay.
      const fading = out1.slice(windowOf(fadeAt) + 1).map((value, k) => ({ value, k }))
        .filter(({ value }) => value > soloed(out1) * 0.05 && value < soloed(out1) * 0.9);
      assert.ok(fading.length >= 3, `FOH faded through several windows (${fading.length})`);
      // Faded, the in-ears would follow FOH below 0.9 of full in every one of these windows.
      // Held, they stay at full; a busy machine's stream underrun (a few ms PulseAudio fills
      // with silence) can dent one window, so: the median at full, and no window near a fade.
      for (
        const [label, values, reference] of [["3", out3, before3], ["4", out4, before3]] as const
      ) {
        const ratios = fading.map(({ k }) => values[windowOf(fadeAt) + 1 + k] / reference);
        const held = median(ratios);
        assert.ok(held > 0.97 && held < 1.03, `output ${label} during the fade: ${held} of full`);
        const lowest = Math.min(...ratios);
        assert.ok(lowest > 0.9, `output ${label} fell to ${lowest.toFixed(3)} of full in the fade`);
      }
      for (const w of [windowOf(soloAt) + 3, windowOf(fadeAt) - 2]) {
        const ratio = out3[w] / before3;
        assert.ok(ratio > 0.97 && ratio < 1.03, `output 3 during the solo: ${ratio.toFixed(3)}`);
      }
      await pane.quit();
    } finally {
      await capture?.stop().catch(() => {});
      await pane.close();
      await server.stop().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

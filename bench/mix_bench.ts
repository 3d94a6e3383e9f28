/**
 * Mixing speed, side by side: for every shape (8, 16, 64 stereo tracks × 128, 256, 2048-frame
 * blocks) one group with stemplay as the baseline, so `deno bench` prints how many times
 * slower or faster each peer is. One iteration mixes one window of 16384 frames; ns per input
 * sample = time per iteration ÷ (tracks × 2 × 16384). See bench/mix_lab.ts for the setup (and
 * for what "stemplay rings" times: the mix from rings already full, the reader paused), and
 * bench/mix_table.ts for the compact table (`deno task bench` prints it after this).
 *
 * Then the control plane: the cost of one gain change through the Track API and through the
 * raw FFI symbol.
 *
 * @module
 */

import {
  BLOCK_SIZES,
  type MixerName,
  MIXERS,
  MixLab,
  TRACK_COUNTS,
  windowSamples,
} from "./mix_lab.ts";

const lab = await MixLab.create();

for (const tracks of TRACK_COUNTS) {
  for (const block of BLOCK_SIZES) {
    const shape = { tracks, block };
    const group = `${tracks} tracks × ${block} frames (${windowSamples(shape)} input samples)`;
    for (const name of MIXERS) {
      Deno.bench({
        name: `${name} ${tracks}x${block}`,
        group,
        baseline: name === "stemplay",
        // Each rings window waits untimed for the reader to fill the rings (tens of ms).
        ...(name === "stemplay rings" ? { n: 60, warmup: 5 } : {}),
        async fn(b) {
          // The first call creates the mixer (an engine and its copy of the tracks, or the
          // files it streams): untimed, as is getting a window's input ready.
          const mixer = await lab.mixer(name as MixerName, shape);
          await mixer.prepare?.();
          b.start();
          lab.step(mixer, shape);
          b.end();
          mixer.check?.();
        },
      });
    }
  }
}

const player = await lab.controlPlayer();
const track = player.tracks[0];
let flip = 0;

Deno.bench({
  name: "track.gain = x (Track API: checks + FFI)",
  group: "control plane, per call",
  baseline: true,
  fn() {
    flip ^= 1;
    track.gain = flip ? 0.5 : 0.25;
  },
});

Deno.bench({
  name: "sp_track_set_gain (raw FFI)",
  group: "control plane, per call",
  fn() {
    flip ^= 1;
    player.native.sp_track_set_gain(player.engine, track.slot, flip ? 0.5 : 0.25);
  },
});

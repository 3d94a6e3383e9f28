/**
 * sp_render flushes denormals to zero while it mixes (as miniaudio does around its device
 * callback), and gives the JS thread its floating-point state back afterwards. x86-64 only:
 * that is where the MXCSR flags exist and where the shim sets them.
 */
import assert from "node:assert/strict";
import { Player } from "../mod.ts";

const X86 = Deno.build.arch === "x86_64";

Deno.test({
  name: "denormals: render mixes denormal samples as zero (FTZ/DAZ on x86-64)",
  ignore: !X86,
  fn: async () => {
    await using player = await Player.open({ backend: "offline", channels: 2, blockFrames: 128 });
    const tiny = new Float32Array(512).fill(1e-39); // below float32's smallest normal, 1.18e-38
    assert.ok(tiny[0] > 0 && tiny[0] < 1.1754943508222875e-38, "the input is denormal");
    player.addTrack([tiny, tiny], { gain: 1 });
    player.play();
    const [left, right] = player.render(512);
    assert.equal(left.filter((x) => x !== 0).length, 0, "left has non-zero samples");
    assert.equal(right.filter((x) => x !== 0).length, 0, "right has non-zero samples");
  },
});

Deno.test({
  name: "denormals: after render, JS arithmetic keeps its denormals (MXCSR restored)",
  ignore: !X86,
  fn: async () => {
    await using player = await Player.open({ backend: "offline", channels: 2, blockFrames: 128 });
    player.addTrack([new Float32Array(256).fill(0.25)], { gain: 1 });
    player.play();
    player.render(256);
    // Computed at run time so no compiler folds it: the smallest double denormal, doubled.
    const smallest = Number(Deno.args.length === -1 ? 1 : 5e-324) * (1 + Deno.args.length * 0);
    const doubled = smallest * 2;
    assert.ok(doubled > 0, `5e-324 * 2 gave ${doubled}: denormals are still flushed`);
    const tiny = new Float32Array([1e-39]);
    assert.ok(tiny[0] * 1 > 0, "float32 denormal read back as zero");
  },
});

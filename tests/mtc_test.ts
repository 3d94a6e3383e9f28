/**
 * MTC out on JACK: the engine plays a song whose samples encode their own frame index; an
 * independent JACK client (native/tests/jack_capture.c) records the engine's first output and
 * the MTC port (on the engine's own client, written in the same cycle as the audio) on one
 * timeline. Every complete group of 8 quarter frames must name exactly the frame the song was
 * at (read from the audio) when its first piece arrived, 0 frames off; every full-frame message
 * (play, a jump, play after a pause) must name the song's frame then.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveMtc } from "../mod.ts";
import {
  buildJackCapture,
  rampFrameAt,
  startAudioMidiCapture,
  writeRampSong,
} from "./support/jack_capture.ts";
import { JACK_PERIOD, JACK_RATE, jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { sleep, waitFor } from "./support/wait.ts";

const RATE = JACK_RATE;
const FPS = 25;
const FRAME = RATE / FPS; // 1920 samples
const B_SECONDS = 20.51;
const CAPTURE_SECONDS = 7;

const name = "MTC on JACK: quarter frames and full frames name the song's frame, on the frame";
jackTest(name, ["cc"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-mtc-" });
  const audioPath = join(dir, "audio.f32");
  const lines: string[] = [];
  try {
    const folder = await writeRampSong(dir, 30, { markers: [{ name: "B", at: B_SECONDS }] });
    const capture = await buildJackCapture();
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      try {
        await player.loadSong(folder);
        const mtc = await serveMtc(player, { fps: FPS });
        assert.equal(mtc.port, "stemplay:mtc_out"); // the engine's own client
        const recording = await startAudioMidiCapture(
          capture,
          server,
          audioPath,
          CAPTURE_SECONDS,
          ["stemplay:playback0"],
          mtc.port,
        );
        await sleep(300);
        player.play();
        await waitFor("1.5 s of playback", () => player.positionFrames >= 1.5 * RATE);
        player.jump("B", { at: "now" });
        await waitFor("the jump", () => player.positionFrames >= B_SECONDS * RATE + RATE);
        player.pause();
        await sleep(500);
        player.play();
        lines.push(...await recording.finish());
        const counters = mtc.counters;
        console.log(
          `mtc: ${counters.fullFrames} full frames, ${counters.quarterFrames} quarter frames sent`,
        );
        await mtc.close();
      } finally {
        await player.close();
      }
    });
    const bytes = await Deno.readFile(audioPath);
    const audio = new Float32Array(bytes.buffer, 0, bytes.length / 4);
    const events = lines.map((line) => {
      const [frame, ...data] = line.split(" ");
      return { at: Number(frame), bytes: data.map((b) => parseInt(b, 16)) };
    });

    // Full frames: F0 7F 7F 01 01 hh mm ss ff F7, hh = rate << 5 | hours.
    const full = events.filter((e) => e.bytes[0] === 0xf0);
    // Play, the jump, play after the pause; any other would be a resync after an xrun.
    assert.equal(full.length, 3, `full frames: ${JSON.stringify(full)}`);

    for (const event of full) {
      const [, , , , , hh, mm, ss, ff] = event.bytes;
      assert.equal(hh >> 5, 1, "rate code 1 (25 fps)");
      assert.equal(hh & 31, 1, "hour 1");
      const named = ((mm * 60) + ss) * FPS + ff;
      // The song frame then, read past any fade or crossfade (5 ms) and the period either
      // side, and taken back.
      let song: number | undefined;
      for (let later = 600; later < 3000 && song === undefined; later += 50) {
        const at = rampFrameAt(audio, event.at + later);
        if (at !== undefined) song = at - later;
      }
      assert.ok(song !== undefined, `no music after the full frame at ${event.at}`);
      const error = song - named * FRAME;
      assert.ok(
        error >= 0 && error < FRAME,
        `full frame ${named} at capture ${event.at}, the song at frame ${song}`,
      );
    }
    const jumpFrame = full.map((e) => ((e.bytes[6] * 60) + e.bytes[7]) * FPS + e.bytes[8])[1];
    assert.equal(jumpFrame, Math.floor(B_SECONDS * FPS), "the jump's full frame is B's frame");

    // Quarter frames: groups of 8 pieces in order; each names the frame of its piece 0.
    const quarters = events.filter((e) => e.bytes[0] === 0xf1);
    let checked = 0, worst = 0, broken = 0;
    for (let i = 0; i + 8 <= quarters.length; i++) {
      const group = quarters.slice(i, i + 8);
      if (!group.every((q, k) => q.bytes[1] >> 4 === k)) continue;
      const nibble = (k: number) => group[k].bytes[1] & 15;
      const frames = nibble(0) | (nibble(1) << 4);
      const seconds = nibble(2) | (nibble(3) << 4);
      const minutes = nibble(4) | (nibble(5) << 4);
      const hours = nibble(6) | ((nibble(7) & 1) << 4);
      assert.equal(nibble(7) >> 1, 1, "rate code 1 in piece 7");
      assert.equal(hours, 1);
      const named = ((minutes * 60) + seconds) * FPS + frames;
      const song = rampFrameAt(audio, group[0].at);
      if (song === undefined) {
        broken++; // piece 0 in a fade or silence: nothing to compare with
        continue;
      }
      const offset = song - named * FRAME; // 0: written in the audio's own cycle
      worst = Math.max(worst, Math.abs(offset));
      assert.equal(
        offset,
        0,
        `quarter frames name frame ${named} at capture ${group[0].at}; the song was at ${song}`,
      );
      // Its pieces follow exactly a quarter frame (480 samples) apart.
      group.forEach((q, k) => {
        const spacing = q.at - group[0].at - k * FRAME / 4;
        assert.equal(spacing, 0, `piece ${k} off by ${spacing}`);
      });
      checked++;
      i += 7;
    }
    assert.ok(checked > 50, `only ${checked} quarter-frame groups checked`);
    console.log(
      `mtc: ${full.length} full frames, ${checked} quarter-frame groups checked against the ` +
        `audio, worst offset ${worst} samples (period ${JACK_PERIOD}), ${broken} in fades`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

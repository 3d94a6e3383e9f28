/**
 * MTC offsets on JACK: `serveMtc(player, { offsetMs })` moves every quarter frame and full frame
 * against the audio of the frame it names. An independent JACK client
 * (native/tests/jack_capture.c) records the engine's first output (a ramp song whose samples
 * encode their own frame) and the MTC port on one timeline; for offsets 0, -150 ms (early) and
 * +90 ms (late), each complete group of 8 quarter frames must arrive exactly when the music is
 * at the frame it names plus the offset (MTC is written by the audio callback on the engine's
 * own JACK client, in the same cycle as the audio: 0 frames off).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveMtc } from "../mod.ts";
import {
  buildJackCapture,
  type CapturedEvent,
  parseCapturedEvents,
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
const CAPTURE_SECONDS = 3;
const OFFSETS_MS = [0, -150, 90];

/** For each complete quarter-frame group: the song frame at its piece 0 minus the frame named. */
function groupMoves(events: CapturedEvent[], audio: Float32Array): number[] {
  const quarters = events.filter((e) => e.bytes[0] === 0xf1);
  const moves: number[] = [];
  for (let i = 0; i + 8 <= quarters.length; i++) {
    const group = quarters.slice(i, i + 8);
    if (!group.every((q, k) => q.bytes[1] >> 4 === k)) continue;
    const nibble = (k: number) => group[k].bytes[1] & 15;
    const named = ((nibble(4) | (nibble(5) << 4)) * 60 + (nibble(2) | (nibble(3) << 4))) * FPS +
      (nibble(0) | (nibble(1) << 4));
    assert.equal(nibble(6) | ((nibble(7) & 1) << 4), 1, "hour 1");
    const song = rampFrameAt(audio, group[0].at);
    if (song !== undefined) moves.push(song - named * FRAME);
    i += 7;
  }
  return moves;
}

const name = "MTC offsetMs on JACK: every quarter-frame group moves by the offset, exactly";
jackTest(name, ["cc"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-mtc-offset-" });
  try {
    const folder = await writeRampSong(dir, 10);
    const capture = await buildJackCapture();
    const runs: { offsetMs: number; events: CapturedEvent[]; audio: Float32Array }[] = [];
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      try {
        await player.loadSong(folder);
        await assert.rejects(serveMtc(player, { fps: FPS, offsetMs: 1500 }), /mtc\.offsetMs/);
        for (const offsetMs of OFFSETS_MS) {
          const audioPath = join(dir, `audio${offsetMs}.f32`);
          const mtc = await serveMtc(player, { fps: FPS, offsetMs });
          const recording = await startAudioMidiCapture(
            capture,
            server,
            audioPath,
            CAPTURE_SECONDS,
            ["stemplay:playback0"],
            mtc.port,
          );
          await sleep(200);
          player.play();
          const lines = await recording.finish();
          player.stop();
          await waitFor("the stop", () => player.state === "stopped");
          await mtc.close();
          const bytes = await Deno.readFile(audioPath);
          const audio = new Float32Array(bytes.buffer, 0, bytes.length / 4);
          runs.push({ offsetMs, events: parseCapturedEvents(lines), audio });
        }
      } finally {
        await player.close();
      }
    });
    for (const { offsetMs, events, audio } of runs) {
      const expected = Math.round(offsetMs * RATE / 1000);
      const moves = groupMoves(events, audio);
      const worst = Math.max(...moves.map((move) => Math.abs(move - expected)));
      console.log(
        `mtc offsetMs ${offsetMs}: ${moves.length} groups, moves ${Math.min(...moves)}…` +
          `${Math.max(...moves)} samples (expected ${expected}, period ${JACK_PERIOD})`,
      );
      assert.ok(moves.length >= 20, `offsetMs ${offsetMs}: only ${moves.length} groups`);
      assert.equal(worst, 0, `offsetMs ${offsetMs}: ${worst} samples off the offset`);
      // The full frame at play names the first frame sent: 00 late, the frame due then early.
      const full = events.find((e) => e.bytes[0] === 0xf0);
      assert.ok(full, `offsetMs ${offsetMs}: no full frame`);
      const named = (full.bytes[6] * 60 + full.bytes[7]) * FPS + full.bytes[8];
      assert.equal(named, offsetMs < 0 ? Math.floor(-expected / FRAME) : 0, "the first frame");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

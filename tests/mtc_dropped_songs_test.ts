/**
 * A flood of key changes must not take the timecode off the song that plays (review of issue
 * 24): every preparation of the song at another key is a new group, mapped for MTC (16 slots) as
 * it is prepared; one dropped because another value came meanwhile (an encoder turned, a flood
 * of `/stemplay/transpose` or `/stemplay/track/pitched` from the LAN) kept its slot, so 16 of
 * them evicted the playing song's and MTC went silent while the music played on. Here 20
 * preparations are each dropped (a new transpose set as each is prepared, the last back to the
 * song's own 0, so the song never switches), on a real jackd: MTC's quarter frames must go on.
 */
import assert from "node:assert/strict";
import { serveMtc } from "../mod.ts";
import { writeRampSong } from "./support/jack_capture.ts";
import { jackTest, withJackServer } from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { requireTool } from "./support/require_tool.ts";
import { sleep, waitFor } from "./support/wait.ts";

const DROPPED = 20;

jackTest(
  "20 dropped key-change preparations while playing: MTC goes on for the song that plays",
  ["cc"],
  async () => {
    requireTool("rubberband", "dropped preparations (librubberband2 comes with it)");
    const dir = await Deno.makeTempDir({ prefix: "stemplay-mtc-dropped-" });
    try {
      const folder = await writeRampSong(dir, 40);
      await withJackServer(async () => {
        const player = await openJackPlayer();
        try {
          await player.loadSong(folder);
          const mtc = await serveMtc(player, { fps: 25 });
          let prepared = 0;
          // Each preparation is dropped: a new value is asked before it is switched to.
          player.addEventListener("songprepared", () => {
            prepared++;
            if (prepared < DROPPED) player.transpose = prepared % 2 === 0 ? 1 : 2;
            else if (prepared === DROPPED) player.transpose = 0; // the song's own: no switch
          });
          player.play();
          await waitFor("MTC running", () => mtc.counters.quarterFrames > 20);
          player.transpose = 1;
          await waitFor(`${DROPPED} preparations`, () => prepared >= DROPPED, 60_000);
          await waitFor("the change settled", () => !player.keyTempoPreparing, 60_000);
          assert.equal(player.transpose, 0);
          const before = mtc.counters.quarterFrames;
          await sleep(1000);
          const after = mtc.counters.quarterFrames;
          console.log(`  ${prepared} preparations; quarter frames ${before} -> ${after} in 1 s`);
          assert.equal(player.state, "playing");
          assert.ok(
            after > before + 20,
            `MTC stopped for the song that plays: ${before} -> ${after}`,
          );
          await mtc.close();
        } finally {
          await player.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/**
 * MIDI in through JACK: a private jackd2 at 64-frame periods, the engine playing on it, and an
 * independent JACK MIDI client (native/tests/midi_send.c) wired to `stemplay:midi_in` with
 * jack_connect. Mapped notes play, pause and jump to a marker on the next bar line; jack_rec
 * records what played, and the recording shows the jump left the song exactly on a bar line and
 * landed exactly on the marker. SysEx, clock, a malformed and an unknown message are counted and
 * ignored. The latency from a message reaching the input to its action reaching the player is
 * measured and printed, not asserted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dispatch, Player, serveMidi, StemplayError } from "../mod.ts";
import { encodeWav } from "../src/sources/wav.ts";
import { decodeWav } from "./support/wav_reader.ts";
import {
  JACK_OUTPUTS,
  JACK_PERIOD,
  JACK_RATE,
  JackRecording,
  jackTest,
  withJackServer,
} from "./support/jack.ts";
import { openJackPlayer } from "./support/jack_player.ts";
import { MidiSender, readLines } from "./support/midi_send.ts";
import { sleep, waitFor } from "./support/wait.ts";
import { Pane, PROMPT } from "./support/tmux_pane.ts";
import { CLI } from "./support/cli.ts";

const RATE = JACK_RATE;
const SCALE = 2 ** 20; // sample i of the stem is (i + 1) / SCALE: exact in float32 and int32
const SONG_SECONDS = 20;
const TEMPO = 120; // 4/4: a bar is 2 s
const BAR = 2 * RATE;
const B_SECONDS = 10.5;
const B_FRAME = B_SECONDS * RATE;

async function writeRampSong(dir: string): Promise<string> {
  const folder = join(dir, "ramp");
  await Deno.mkdir(folder, { recursive: true });
  const samples = new Float32Array(SONG_SECONDS * RATE);
  for (let i = 0; i < samples.length; i++) samples[i] = (i + 1) / SCALE;
  await Deno.writeFile(join(folder, "ramp.wav"), encodeWav([samples], RATE, "f32"));
  await Deno.writeTextFile(
    join(folder, "song.json"),
    JSON.stringify({
      title: "ramp",
      tracks: [{ file: "ramp.wav", route: [1] }],
      tempo: TEMPO,
      markers: [{ name: "A", at: 0 }, { name: "B", at: B_SECONDS }],
    }),
  );
  return folder;
}

/** Maximal runs of consecutive source frames in the recording (fades and crossfades break
 * them): [captured index of the first, its source frame, length]. */
function runs(captured: Float32Array): { at: number; frame: number; length: number }[] {
  const out: { at: number; frame: number; length: number }[] = [];
  let current: { at: number; frame: number; length: number } | undefined;
  for (let c = 0; c < captured.length; c++) {
    const scaled = captured[c] * SCALE;
    const frame = Math.round(scaled) - 1;
    const clean = scaled >= 1 && Math.abs(scaled - Math.round(scaled)) < 1e-3;
    if (clean && current && frame === current.frame + current.length) {
      current.length++;
    } else if (clean) {
      current = { at: c, frame, length: 1 };
      out.push(current);
    } else {
      current = undefined;
    }
  }
  return out.filter((run) => run.length >= 64);
}

const name = "MIDI through JACK: notes from another client play, pause and jump on the bar";
jackTest(name, ["jack_rec", "cc", "jack_connect"], async () => {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-midi-" });
  let wav: Uint8Array = new Uint8Array();
  try {
    await withJackServer(async (server) => {
      const player = await openJackPlayer();
      const midi = await serveMidi(player, {
        input: "jack",
        map: [
          { note: 60, action: "play" },
          { note: 61, action: "pause" },
          { note: 62, channel: 1, action: { type: "jump", marker: "B", at: "bar" } },
        ],
      });
      const sender = await MidiSender.start(server);
      try {
        assert.ok((await server.ports()).includes("stemplay:midi_in"), "no stemplay:midi_in");
        await server.connect(sender.port, "stemplay:midi_in");
        await player.loadSong(await writeRampSong(dir));
        const recording = await JackRecording.start(server, ["stemplay:playback0"], 10);
        await sleep(500);

        await sender.send([0x90, 60, 100]);
        await waitFor("play", () => player.state === "playing");
        await waitFor("1 s of playback", () => player.positionFrames >= RATE);
        await sender.send([0x80, 60, 0]); // note off: not mapped
        await sender.send([0x90, 61, 100]);
        await waitFor("pause", () => player.state === "paused");
        await sleep(100); // the 5 ms fade-out still moves the position
        const pausedAt = player.positionFrames;
        await sleep(300);
        assert.equal(player.positionFrames, pausedAt, "paused but moving");
        await sender.send([0x90, 60, 100]);
        await waitFor("play again", () => player.state === "playing");
        await sender.send([0x92, 62, 100]); // channel 3: the entry is for channel 1
        await sleep(100);
        assert.ok(player.positionFrames < B_FRAME, "a note on another channel jumped");
        await sender.send([0x90, 62, 100]);
        await waitFor(
          "the jump to B",
          () => player.positionFrames >= B_FRAME && player.positionFrames < B_FRAME + BAR,
          5000,
        );
        // What the input skips and counts.
        await sender.send([0xf0, 0x7e, 0x7f, 0x06, 0x01, 0xf7]); // SysEx
        await sender.send([0xf8]); // clock
        await sender.send([0x90, 60]); // malformed: a note on without velocity
        await sender.send([0xe0, 0x00, 0x40]); // pitch bend: not parsed
        await sleep(300);
        await sender.send([0x90, 61, 100]);
        await waitFor("pause at the end", () => player.state === "paused");
        wav = await recording.finish();

        const stats = midi.stats;
        console.log(
          `midi: ${stats.received} received, ${stats.dispatched} actions, latency ` +
            `p50 ${stats.latency.p50Ms.toFixed(3)} ms, p99 ${stats.latency.p99Ms.toFixed(3)} ms, ` +
            `max ${stats.latency.maxMs.toFixed(3)} ms`,
        );
        assert.equal(stats.received, 11);
        assert.equal(stats.dispatched, 5);
        assert.equal(stats.unmapped, 2); // the note off, and note 62 on channel 3
        assert.equal(stats.sysex, 1);
        assert.equal(stats.system, 1);
        assert.equal(stats.malformed, 1);
        assert.equal(stats.unknown, 1);
        assert.equal(stats.dropped, 0);
        assert.equal(stats.failed, 0, String(midi.lastError));
      } finally {
        await sender.stop();
        await midi.close();
        await midi.close(); // idempotent
        await player.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }

  // The recording: the jump left the song exactly on a bar line, landing exactly on B.
  const captured = decodeWav(wav).channels[0];
  const found = runs(captured);
  const after = found.findIndex((run) => run.frame >= B_FRAME && run.frame < B_FRAME + RATE);
  assert.ok(after > 0, `no run of playback at B: ${JSON.stringify(found)}`);
  const [before, landed] = [found[after - 1], found[after]];
  // Old frame f plays at captured index before.at + (f - before.frame); new frame g at
  // landed.at + (g - landed.frame). The jump maps old frame `at` to B exactly when the two
  // lines agree there:
  const delta = (landed.frame - landed.at) - (before.frame - before.at);
  const leftAt = B_FRAME - delta;
  const beforeEnd = before.frame + before.length;
  assert.equal(leftAt % BAR, 0, `the jump left at frame ${leftAt}, not on a bar line`);
  assert.ok(
    leftAt >= beforeEnd - 1 && leftAt <= beforeEnd + (landed.at - before.at - before.length),
    `the jump's seam (${leftAt}) is not where the recording changes (${beforeEnd})`,
  );
  console.log(
    `midi jump: left at frame ${leftAt} (bar ${leftAt / BAR + 1}), landed on B (${B_FRAME}), ` +
      `${landed.at - before.at - before.length} crossfade frames`,
  );
});

{
  const name = "MIDI in the CLI: stemplay.json's midi.map drives `stemplay play` on JACK";
  jackTest(name, ["cc", "jack_connect"], async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-midi-cli-" });
    try {
      const song = await writeRampSong(dir);
      await Deno.writeTextFile(
        join(dir, "stemplay.json"),
        JSON.stringify({
          audio: { backend: "jack", channels: JACK_OUTPUTS, blockFrames: JACK_PERIOD },
          midi: {
            input: "jack",
            map: [{ note: 64, action: { type: "jump", marker: "B", at: "now" } }],
          },
        }),
      );
      await withJackServer(async (server) => {
        const cli = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", CLI, "play", song],
          cwd: dir,
          env: { ...server.env, NO_COLOR: "1" },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const lines = readLines(cli.stdout)[Symbol.asyncIterator]();
        const stderr = new Response(cli.stderr).text();
        const sender = await MidiSender.start(server);
        try {
          const deadline = performance.now() + 30000;
          while (!(await server.ports()).includes("stemplay:midi_in")) {
            assert.ok(performance.now() < deadline, "the CLI never opened stemplay:midi_in");
            await sleep(100);
          }
          await server.connect(sender.port, "stemplay:midi_in");
          // The progress lines, one a second: "0:03.0 / 0:20.0  playing  A".
          const times: number[] = [];
          const next = async () => {
            for (let line = await lines.next(); !line.done; line = await lines.next()) {
              const match = line.value.match(/^(\d+):(\d+\.\d) \/ /);
              if (match) return times.push(Number(match[1]) * 60 + Number(match[2]));
            }
            return 0;
          };
          await next();
          await next();
          await sender.send([0x90, 64, 100]); // jump to B (10.5 s) at once
          while (await next());
          const status = await cli.status;
          const text = await stderr;
          assert.equal(status.code, 0, text);
          assert.match(text, /MIDI: 1 mapped messages on stemplay:midi_in/);
          // Song time leaps ahead by far more than the second between two lines.
          assert.ok(times[1] < B_SECONDS - 5, `the song was already at ${times[1]} s`);
          const leaps = times.slice(1).map((time, i) => time - times[i]);
          assert.ok(leaps.some((leap) => leap > 5), `no jump in the progress: ${times}`);
        } finally {
          await sender.stop();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

{
  const name = "MIDI learn on the play screen: L, an action's key, the pedal: mapped and saved";
  jackTest(name, ["cc", "tmux", "jack_connect"], async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-midi-learn-" });
    const pane = new Pane(100, 30);
    try {
      const song = await writeRampSong(dir);
      const settingsPath = join(dir, "stemplay.json");
      await Deno.writeTextFile(
        settingsPath,
        JSON.stringify({
          audio: { backend: "jack", channels: JACK_OUTPUTS, blockFrames: JACK_PERIOD },
          midi: { input: "jack" },
        }),
      );
      await withJackServer(async (server) => {
        await pane.start(dir);
        const cli = CLI;
        await pane.type(
          `JACK_DEFAULT_SERVER=${server.name} ${Deno.execPath()} run -A ${cli} play ${song} --play`,
          true,
        );
        await pane.waitFor((s) => s.includes("> PLAYING"), "the screen, playing");
        await pane.waitFor((s) => s.includes("MIDI -"), "the MIDI light, out");
        const sender = await MidiSender.start(server);
        try {
          await server.connect(sender.port, "stemplay:midi_in");
          await sleep(200);
          await pane.keys("L");
          await pane.waitFor((s) => s.includes("press the key of the action"), "learn");
          await pane.keys("Space");
          await pane.waitFor((s) => s.includes("press the pedal for togglePlay"), "the pedal");
          await sender.send([0xb3, 64, 127]); // a sustain pedal on channel 4, pressed
          const screen = await pane.waitFor((s) => s.includes("saved to"), "the save");
          assert.match(screen, /cc 64 = 127, ch 4 → togglePlay/);
          assert.match(screen, /> PLAYING/, "the learnt press did not act");
          const saved = JSON.parse(await Deno.readTextFile(settingsPath));
          assert.deepEqual(saved.midi, {
            input: "jack",
            map: [{ cc: 64, channel: 4, min: 64, action: "togglePlay" }],
          });
          assert.equal(saved.audio.backend, "jack", "the rest of the file is kept");
          // The pedal now does it: release, then press again.
          await sender.send([0xb3, 64, 0]);
          await sender.send([0xb3, 64, 127]);
          await pane.waitFor((s) => s.includes("|| PAUSED"), "the pedal to pause");
          // The MIDI light lights after a message (a release maps to nothing), then goes out.
          await sender.send([0xb3, 64, 0]);
          await pane.waitFor((s) => s.includes("MIDI *"), "the MIDI light, lit");
          await pane.waitFor((s) => s.includes("MIDI -"), "the MIDI light, out again");
          await pane.keys("q");
          await pane.waitFor((s) => s.includes(PROMPT.trim()), "the shell again");
        } finally {
          await sender.stop();
        }
      });
    } finally {
      await pane.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

{
  const name = "MIDI: closing the player closes its MIDI input; a taken client name is an error";
  jackTest(name, [], async () => {
    await withJackServer(async (server) => {
      const player = await Player.open({ backend: "jack", channels: JACK_OUTPUTS });
      const midi = await serveMidi(player, { map: [{ note: 60, action: "play" }] });
      assert.equal(midi.transport, "jack", "the default input on JACK is JACK");
      assert.ok((await server.ports()).includes("stemplay:midi_in"));
      await assert.rejects(
        serveMidi(player, { input: "jack", map: [] }),
        (error) =>
          error instanceof StemplayError && error.code === "MIDI_INPUT" &&
          /already exists/.test(error.message),
      );
      await assert.rejects(
        serveMidi(player, { input: "jack", map: [{ note: 300, action: "play" }] }),
        (error) => error instanceof StemplayError && error.code === "MIDI_MAP",
      );
      await player.close();
      assert.ok(!(await server.ports()).includes("stemplay:midi_in"), "the port outlived");
      await midi.close(); // idempotent after the player closed it
    });
    await assert.rejects(
      (async () => {
        const player = await Player.open({ backend: "null" });
        try {
          await serveMidi(player, { input: "jack", map: [] });
        } finally {
          await player.close();
        }
      })(),
      (error) => error instanceof StemplayError && /no JACK server/.test(error.message),
    );
  });
}

{
  const name =
    "MIDI through JACK: a pedal's contact bounce (two note-ons 1.3 ms apart) is one next; a MIDI and an API next both run";
  jackTest(name, ["jack_connect", "cc"], async () => {
    const dir = await Deno.makeTempDir({ prefix: "stemplay-midi-bounce-" });
    try {
      const songs = [];
      for (let i = 1; i <= 4; i++) {
        const folder = join(dir, `song${i}`);
        await Deno.mkdir(folder);
        await Deno.writeFile(
          join(folder, "tone.wav"),
          encodeWav([new Float32Array(RATE).fill(0.1)], RATE, "f32"),
        );
        await Deno.writeTextFile(
          join(folder, "song.json"),
          JSON.stringify({ title: `Song ${i}`, tracks: [{ file: "tone.wav", route: [1] }] }),
        );
        songs.push({ song: `song${i}` });
      }
      await Deno.writeTextFile(
        join(dir, "setlist.json"),
        JSON.stringify({ title: "Set", songs }),
      );
      await withJackServer(async (server) => {
        const player = await openJackPlayer();
        const midi = await serveMidi(player, {
          input: "jack",
          map: [{ note: 60, action: "next" }],
        });
        const sender = await MidiSender.start(server);
        try {
          await server.connect(sender.port, "stemplay:midi_in");
          await player.loadSetlist(join(dir, "setlist.json"));
          await player.setlistReady();
          // One press, its contact bouncing: the same note-on again 62 frames (1.3 ms) later.
          await sender.sendInOneCycle([
            { bytes: [0x90, 60, 100] },
            { bytes: [0x90, 60, 90], offset: 62 },
          ]);
          await waitFor("both note-ons", () => midi.stats.received >= 2);
          const handled = () => midi.stats.dispatched + (midi.stats.debounced ?? 0);
          await waitFor("both note-ons handled", () => handled() >= 2, 10000);
          // An API action queues behind every earlier MIDI action: when it answers, they ran.
          await dispatch(player, { type: "countIn", bars: 0 });
          assert.equal(player.setlist?.index, 1, "the bounce moved more than one song");
          assert.equal(midi.stats.dispatched, 1);
          assert.equal(midi.stats.debounced, 1);
          assert.equal(midi.stats.failed, 0, String(midi.lastError));

          // Two surfaces at once: a pedal's next and an API next both run, in order.
          await sleep(60); // past the debounce window of the first press
          const [, api] = await Promise.all([
            sender.send([0x90, 60, 100]),
            dispatch(player, { type: "next" }),
          ]);
          assert.match(api.message, /^song [34] of 4/);
          await waitFor("the pedal's next", () => midi.stats.dispatched >= 2, 10000);
          await dispatch(player, { type: "countIn", bars: 0 });
          assert.equal(player.setlist?.index, 3);
          assert.equal(midi.stats.failed, 0, String(midi.lastError));
        } finally {
          await sender.stop();
          await midi.close();
          await player.close();
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/**
 * AIFF chunk order and repetition, as dr_wav (miniaudio 0.11.25) reads them: it walks every
 * chunk of the file and the last COMM and the last SSND win, wherever they stand. The header
 * check (native/header.c) must judge the same chunks, or what it promises (the G.711 polarity
 * fix, "never the next chunk's bytes played as audio") does not hold for that file. Files are
 * built byte by byte here: a COMM after SSND is legal AIFF, two COMMs are a hostile file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { StemplayError } from "../mod.ts";
import { playFile } from "./support/play_file.ts";

const FRAMES = 48000;
const enc = new TextEncoder();

function chunk(id: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  out.set(enc.encode(id));
  new DataView(out.buffer).setUint32(4, body.length);
  out.set(body, 8);
  return out;
}

/** 80-bit extended 48000. */
function rate48k(): Uint8Array {
  const out = new Uint8Array(10);
  const view = new DataView(out.buffer);
  const exponent = 15; // 48000 < 2^16
  view.setUint16(0, 16383 + exponent);
  view.setUint32(2, (48000 << (31 - exponent)) >>> 0);
  return out;
}

function comm(channels: number, frames: number, bits: number, type?: string): Uint8Array {
  const body = new Uint8Array(type === undefined ? 18 : 24);
  const view = new DataView(body.buffer);
  view.setUint16(0, channels);
  view.setUint32(2, frames);
  view.setUint16(6, bits);
  body.set(rate48k(), 8);
  if (type !== undefined) {
    body.set(enc.encode(type), 18);
    body[22] = 0; // empty pstring, padded
  }
  return chunk("COMM", body);
}

function ssnd(data: Uint8Array): Uint8Array {
  const body = new Uint8Array(8 + data.length);
  body.set(data, 8);
  return chunk("SSND", body);
}

function form(aifc: boolean, chunks: Uint8Array[]): Uint8Array {
  const size = chunks.reduce((n, c) => n + c.length, 4);
  const out = new Uint8Array(8 + size);
  out.set(enc.encode("FORM"));
  new DataView(out.buffer).setUint32(4, size);
  out.set(enc.encode(aifc ? "AIFC" : "AIFF"), 8);
  let at = 12;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const trailing = () => chunk("ANNO", enc.encode("a note after the sound data"));

/** Stereo G.711 bytes: a slow ramp of codes, none silent. */
function g711Data(): Uint8Array {
  const out = new Uint8Array(FRAMES * 2);
  for (let i = 0; i < out.length; i++) out[i] = 0x90 + (i % 32); // positive mu-law codes
  return out;
}

/** Stereo 16-bit big-endian PCM, positive ramp. */
function pcm16Data(): Uint8Array {
  const out = new Uint8Array(FRAMES * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < FRAMES * 2; i++) view.setInt16(i * 2, 1000 + (i % 5000));
  return out;
}

async function withFiles(
  files: Record<string, Uint8Array>,
  fn: (paths: Record<string, string>) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "stemplay-aiff-order-" });
  try {
    const paths: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(files)) {
      paths[name] = join(dir, name);
      await Deno.writeFile(paths[name], bytes);
    }
    await fn(paths);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function assertSameAudio(a: Float32Array[], b: Float32Array[], what: string) {
  assert.equal(a.length, b.length, what);
  for (let c = 0; c < a.length; c++) {
    assert.equal(a[c].length, b[c].length, `${what}: length`);
    const at = a[c].findIndex((x, i) => !Object.is(x, b[c][i]));
    assert.equal(
      at,
      -1,
      `${what}: channel ${c + 1} differs from frame ${at} (${a[c][at]} vs ${b[c][at]})`,
    );
  }
}

const MODES: (boolean | { lookAheadSeconds: number })[] = [false, { lookAheadSeconds: 0.05 }];

Deno.test("aiff order: AIFF-C ulaw with COMM after SSND plays with the same polarity as COMM first", async () => {
  const data = g711Data();
  await withFiles({
    "first.aifc": form(true, [comm(2, FRAMES, 8, "ulaw"), ssnd(data), trailing()]),
    "after.aifc": form(true, [ssnd(data), comm(2, FRAMES, 8, "ulaw"), trailing()]),
  }, async (paths) => {
    for (const mode of MODES) {
      const first = await playFile(paths["first.aifc"], mode);
      const after = await playFile(paths["after.aifc"], mode);
      assert.ok(first.out[0][100] !== 0);
      assertSameAudio(after.out, first.out, `COMM after SSND (${JSON.stringify(mode)})`);
    }
  });
});

Deno.test("aiff order: of two COMM chunks the last one decides, the polarity fix too", async () => {
  const data = pcm16Data();
  await withFiles({
    "one.aifc": form(true, [comm(2, FRAMES, 16, "NONE"), ssnd(data), trailing()]),
    "two.aifc": form(true, [
      comm(2, FRAMES, 8, "ulaw"),
      comm(2, FRAMES, 16, "NONE"),
      ssnd(data),
      trailing(),
    ]),
  }, async (paths) => {
    for (const mode of MODES) {
      const one = await playFile(paths["one.aifc"], mode);
      assert.ok(one.out[0][100] > 0);
      let two;
      try {
        two = await playFile(paths["two.aifc"], mode);
      } catch (error) {
        assert.ok(error instanceof StemplayError, String(error)); // refused is fine too
        continue;
      }
      assertSameAudio(two.out, one.out, `two COMMs (${JSON.stringify(mode)})`);
    }
  });
});

Deno.test("aiff order: a COMM after SSND promising more frames than SSND holds is TRUNCATED", async () => {
  const data = pcm16Data();
  await withFiles({
    "Bass.aif": form(false, [ssnd(data), comm(2, FRAMES + 2, 16), trailing()]),
  }, async (paths) => {
    await assert.rejects(() => playFile(paths["Bass.aif"], false), (error) => {
      assert.ok(error instanceof StemplayError, String(error));
      assert.equal(error.code, "TRUNCATED");
      return true;
    });
  });
});

Deno.test("aiff order: COMM counting 0 frames never plays the next chunk's header as audio", async () => {
  const data = pcm16Data();
  await withFiles({
    "Bass.aif": form(false, [comm(2, 0, 16), ssnd(data), trailing()]),
  }, async (paths) => {
    let played;
    try {
      played = await playFile(paths["Bass.aif"], false);
    } catch (error) {
      assert.ok(error instanceof StemplayError, String(error)); // refused: fine
      return;
    }
    assert.ok(played.frames <= FRAMES, `plays ${played.frames} frames, SSND holds ${FRAMES}`);
  });
});

Deno.test("aiff order: of two SSND chunks the one dr_wav plays is the one checked", async () => {
  const data = pcm16Data();
  const short = data.slice(0, 4 * 1000);
  await withFiles({
    "Bass.aif": form(false, [comm(2, FRAMES, 16), ssnd(data), ssnd(short), trailing()]),
  }, async (paths) => {
    let played;
    try {
      played = await playFile(paths["Bass.aif"], false);
    } catch (error) {
      assert.ok(error instanceof StemplayError, String(error)); // refused: fine
      return;
    }
    const tail = played.out[0].subarray(1000);
    const hot = tail.findIndex((x) => x !== 0);
    assert.fail(
      `loaded ${played.frames} frames from a 1000-frame SSND; after it: ${
        hot < 0 ? "silence" : tail[hot]
      }`,
    );
  });
});

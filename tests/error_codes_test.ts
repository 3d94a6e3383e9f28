/**
 * StemplayErrorCode (src/errors.ts) lists every code src/ and ffi/ throw, each once and with
 * its meaning, and lists nothing that is never thrown. `deno check` already refuses a code
 * outside the union where it is passed to StemplayError directly; this also covers the codes
 * that reach it through helpers (`fail`, `refuse`) and the C shim's results.
 */
import assert from "node:assert/strict";
import { RESULT } from "../src/native/native_constants.ts";
import { StemplayError, type StemplayErrorCode } from "../mod.ts";

const root = new URL("../", import.meta.url);

function tsFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(new URL(dir, root))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...tsFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
  }
  return files;
}

const errors = await Deno.readTextFile(new URL("src/errors.ts", root));
const union = /export type StemplayErrorCode =([\s\S]*?");\n/.exec(errors)?.[1] ?? "";
const listed = [...union.matchAll(/^\s*\|\s*"([A-Z0-9_]+)"/gm)].map((match) => match[1]);

/** Codes other errors carry that src/ compares with (Node's HTTP parser). */
const FOREIGN = new Set(["HPE_HEADER_OVERFLOW"]);

/** Code literals in src/ and ffi/: passed to StemplayError or its helpers, or compared with
 * a StemplayError's code. */
function usedCodes(): Map<string, string> {
  const used = new Map<string, string>();
  const patterns = [
    /\bStemplayError\(\s*"([A-Z0-9_]+)"/g,
    /\b(?:fail|refuse)\(\s*"([A-Z0-9_]+)"/g,
    /\bStemplayError\(\s*[^,]*?\?\s*(?:\w+|"([A-Z0-9_]+)")\s*:\s*"([A-Z0-9_]+)"/g,
    /\.code\s*[!=]==\s*"([A-Z0-9_]+)"/g,
    /\bconst code = [^;]*?\?\s*"([A-Z0-9_]+)"\s*:\s*"([A-Z0-9_]+)"/g,
  ];
  for (const file of [...tsFiles("src"), ...tsFiles("ffi")]) {
    if (file === "src/errors.ts") continue;
    const text = Deno.readTextFileSync(new URL(file, root));
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        for (const code of match.slice(1)) {
          if (code && !FOREIGN.has(code) && !used.has(code)) used.set(code, file);
        }
      }
    }
  }
  return used;
}

Deno.test("error codes: each is listed once, with a one-line meaning", () => {
  assert.ok(listed.length > 40, `only ${listed.length} codes read from src/errors.ts`);
  const twice = listed.filter((code, index) => listed.indexOf(code) !== index);
  assert.deepEqual(twice, [], `listed more than once: ${twice}`);
  const lines = union.split("\n");
  for (const [index, line] of lines.entries()) {
    if (!/^\s*\|/.test(line)) continue;
    const before = lines.slice(0, index).reverse().find((text) => text.trim() !== "") ?? "";
    assert.match(before, /\*\/\s*$/, `no meaning above ${line.trim()}`);
  }
});

Deno.test("error codes: every code src/ and ffi/ use is in StemplayErrorCode", () => {
  const missing = [...usedCodes()].filter(([code]) => !listed.includes(code))
    .map(([code, file]) => `${code} (${file})`);
  assert.deepEqual(missing, [], `add to StemplayErrorCode in src/errors.ts: ${missing}`);
});

Deno.test("error codes: every failing sp_result has its code", () => {
  const native = Object.keys(RESULT).filter((name) => name !== "OK");
  const missing = native.filter((name) => !listed.includes(name));
  assert.deepEqual(missing, [], `sp_result names missing from StemplayErrorCode: ${missing}`);
});

Deno.test("error codes: StemplayErrorCode lists nothing that is never used", () => {
  const used = usedCodes();
  const unused = listed.filter((code) => !used.has(code) && !(code in RESULT));
  assert.deepEqual(unused, [], `listed but never thrown: ${unused}`);
});

Deno.test("error codes: StemplayError.code carries the union type", () => {
  const error = new StemplayError("MANIFEST", "bad manifest", { path: "song.json" });
  const code: StemplayErrorCode = error.code;
  assert.equal(code, "MANIFEST");
  // @ts-expect-error: a code outside the union does not type-check
  new StemplayError("NOT_A_CODE", "nope");
});

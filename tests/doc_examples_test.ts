/**
 * Docs that are tested (issue 28): every ```ts block of README.md and docs/*.md runs. Each block
 * is written to a module of its own (imports of "./…" point at this checkout, as the docs mean
 * them), type-checked together, then run one by one with a folder of fixtures as its working
 * folder: `click.wav`, `songs/Opener` and `songs/Closer` (the demo song: markers Intro, Verse,
 * Chorus, Outro, tempo 120), `setlist.json` and `show/setlist.json`. A block that cannot run
 * here (it imports by URL, needs a JACK server, listens on fixed ports) is marked in the
 * document: ```ts ignore, or `<!-- not run: why -->` on the line before it. The test counts the
 * blocks that ran and fails on any error.
 */
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import { writeDemoSong } from "../src/cli/demo_song.ts";
import { encodeWav } from "../src/sources/wav.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ROOT_URL = pathToFileURL(ROOT).href.replace(/\/?$/, "/");

/** One ```ts block of a document. */
export interface DocBlock {
  /** The document, relative to the checkout. */
  file: string;
  /** The line of the opening fence (1-based). */
  line: number;
  /** The code. */
  code: string;
  /** Why it is not run, when it is marked so. */
  notRun?: string;
}

/** The ```ts blocks of a markdown text, with their not-run marks. */
export function docBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(ts|typescript)\b(.*)$/.exec(lines[i]);
    if (!fence) continue;
    let end = i + 1;
    while (end < lines.length && !lines[end].startsWith("```")) end++;
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === "") before--;
    const comment = before >= 0 ? /^<!--\s*not run:\s*(.*?)\s*-->$/.exec(lines[before]) : null;
    const ignored = /\bignore\b/.test(fence[2]);
    const block: DocBlock = { file, line: i + 1, code: lines.slice(i + 1, end).join("\n") };
    if (comment) block.notRun = comment[1];
    else if (ignored) block.notRun = "marked ignore";
    blocks.push(block);
    i = end;
  }
  return blocks;
}

async function documents(): Promise<DocBlock[]> {
  const files = ["README.md"];
  for await (const entry of Deno.readDir(join(ROOT, "docs"))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  files.sort();
  const blocks: DocBlock[] = [];
  for (const file of files) {
    blocks.push(...docBlocks(file, await Deno.readTextFile(join(ROOT, file))));
  }
  return blocks;
}

/** The fixtures the blocks use, in `dir`. */
async function writeFixtures(dir: string): Promise<void> {
  const rate = 48000;
  const tone = new Float32Array(rate).map((_, i) => 0.2 * Math.sin(2 * Math.PI * 1000 * i / rate));
  await Deno.writeFile(join(dir, "click.wav"), encodeWav([tone], rate, "s16"));
  for (const name of ["Opener", "Closer"]) {
    await Deno.mkdir(join(dir, "songs", name), { recursive: true });
    await writeDemoSong(join(dir, "songs", name));
  }
  await Deno.writeTextFile(
    join(dir, "setlist.json"),
    JSON.stringify({ title: "Sunday", songs: ["songs/Opener", "songs/Closer"] }),
  );
  await Deno.mkdir(join(dir, "show"));
  await Deno.writeTextFile(
    join(dir, "show", "setlist.json"),
    JSON.stringify({ title: "Sunday", songs: ["../songs/Opener", "../songs/Closer"] }),
  );
}

/** The block as a module: "./x" imports point at this checkout. */
function moduleText(block: DocBlock): string {
  const code = block.code.replace(/(from\s+|import\s*\(\s*)"\.\/([^"]+)"/g, `$1"${ROOT_URL}$2"`);
  return `// ${block.file}:${block.line}\n${code}\n`;
}

const DENO_FLAGS = [
  `--config=${join(ROOT, "deno.json")}`,
  `--lock=${join(ROOT, "tests/deno.lock")}`,
];

async function deno(args: string[], cwd: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // A guard against a block that never ends, not a timing assertion.
    signal: AbortSignal.timeout(180_000),
  }).output();
  const text = new TextDecoder();
  return { code: output.code, out: text.decode(output.stdout) + text.decode(output.stderr) };
}

Deno.test("doc examples: the block finder reads fences and not-run marks", () => {
  const blocks = docBlocks(
    "x.md",
    [
      "```ts",
      "a();",
      "```",
      "<!-- not run: imports by URL -->",
      "```ts",
      "b();",
      "```",
      "```ts ignore",
      "c();",
      "```",
      "```json",
      "{}",
      "```",
    ].join("\n"),
  );
  assert.deepEqual(blocks, [
    { file: "x.md", line: 1, code: "a();" },
    { file: "x.md", line: 5, code: "b();", notRun: "imports by URL" },
    { file: "x.md", line: 8, code: "c();", notRun: "marked ignore" },
  ]);
});

Deno.test("doc examples: every ts block of README.md and docs/*.md runs", async () => {
  const blocks = await documents();
  const runnable = blocks.filter((block) => block.notRun === undefined);
  for (const block of blocks) {
    if (block.notRun !== undefined) {
      assert.ok(block.notRun.length > 0, `${block.file}:${block.line}: say why it is not run`);
    }
  }
  const dir = await Deno.makeTempDir({ prefix: "stemplay-doc-examples-" });
  try {
    await writeFixtures(dir);
    const modules: string[] = [];
    for (const [index, block] of runnable.entries()) {
      const name = `${block.file.replace(/[/.]/g, "_")}_${block.line}_${index}.ts`;
      await Deno.writeTextFile(join(dir, name), moduleText(block));
      modules.push(name);
    }
    // Type-check them all in one go: a block that calls what the API no longer has fails here.
    const check = await deno(["check", ...DENO_FLAGS, ...modules], dir);
    assert.equal(check.code, 0, `the doc examples do not type-check:\n${check.out}`);
    const failures: string[] = [];
    for (const [index, block] of runnable.entries()) {
      const run = await deno(["run", "-A", "--no-check", ...DENO_FLAGS, modules[index]], dir);
      if (run.code !== 0) {
        failures.push(`${block.file}:${block.line} exited ${run.code}:\n${run.out}`);
      }
    }
    assert.deepEqual(failures, [], failures.join("\n\n"));
    console.log(
      `ran ${runnable.length} of ${blocks.length} doc blocks; not run: ${
        blocks.filter((b) => b.notRun).map((b) => `${b.file}:${b.line} (${b.notRun})`).join(", ")
      }`,
    );
    // Three need a JACK server (MIDI in, MIDI out, MTC), one fixed ports, one a URL import.
    assert.ok(runnable.length >= blocks.length - 5, "most blocks run; only a few may be marked");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The documents hold together (issue 28): every relative link of README.md and docs/*.md points
 * at a file of this checkout, and every #anchor at a heading of its document; the README is a
 * newcomer's two minutes (at most 150 lines), with the four things a newcomer does first.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function documents(): Promise<string[]> {
  const files = ["README.md"];
  for await (const entry of Deno.readDir(join(ROOT, "docs"))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  return files.sort();
}

/** The anchors of a markdown text's headings, as GitHub makes them. */
export function anchors(text: string): Set<string> {
  const found = new Set<string>();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1].toLowerCase().replace(/[`*_]/g, "").replace(/[^\p{L}\p{N} -]/gu, "")
      .replace(/ /g, "-");
    let unique = slug;
    for (let n = 1; found.has(unique); n++) unique = `${slug}-${n}`;
    found.add(unique);
  }
  return found;
}

/** The relative links of a markdown text (not http, not mailto), outside code. */
export function links(text: string): string[] {
  const out: string[] = [];
  const prose = text.replace(/```[^]*?```/g, "").replace(/`[^`\n]*`/g, "");
  for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (!/^[a-z]+:/i.test(match[1])) out.push(match[1]);
  }
  return out;
}

Deno.test("docs links: the anchor and link finders", () => {
  assert.deepEqual(
    [...anchors("# A b\n## Play a `setlist` (4 outputs)\n```\n# not\n```\n## A b")],
    ["a-b", "play-a-setlist-4-outputs", "a-b-1"],
  );
  assert.deepEqual(
    links("[x](docs/a.md) [y](#b) [z](https://e.org) `[q](no.md)`\n```\n[r](no.md)\n```"),
    ["docs/a.md", "#b"],
  );
});

Deno.test("docs links: every relative link and #anchor of README.md and docs/*.md resolves", async () => {
  const broken: string[] = [];
  for (const file of await documents()) {
    const text = await Deno.readTextFile(join(ROOT, file));
    for (const link of links(text)) {
      const [path, anchor] = link.split("#");
      const target = path ? normalize(join(dirname(file), decodeURIComponent(path))) : file;
      let targetText: string | undefined;
      try {
        const stat = await Deno.stat(join(ROOT, target));
        if (stat.isFile && target.endsWith(".md")) {
          targetText = await Deno.readTextFile(join(ROOT, target));
        }
      } catch {
        broken.push(`${file}: ${link} (no file ${target})`);
        continue;
      }
      if (anchor && targetText !== undefined && !anchors(targetText).has(anchor)) {
        broken.push(`${file}: ${link} (no heading #${anchor} in ${target})`);
      }
    }
  }
  assert.deepEqual(broken, [], broken.join("\n"));
});

Deno.test("docs links: the README is a newcomer's two minutes", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const lines = readme.trimEnd().split("\n").length;
  assert.ok(lines <= 150, `README.md has ${lines} lines; at most 150, details go to docs/`);
  const headings = [...anchors(readme)];
  for (
    const wanted of [
      "play-a-folder",
      "play-a-setlist-on-a-4-output-interface",
      "run-the-remote",
      "use-it-from-your-code",
    ]
  ) {
    assert.ok(headings.includes(wanted), `README.md has no "${wanted}" section`);
  }
  assert.ok(readme.includes("npx -y deno@2.9.6 task demo"));
  assert.ok(readme.includes("npx -y deno@2.9.6 task test"));
});

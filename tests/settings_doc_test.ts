/**
 * One settings reference (issue 28): docs/settings.md documents every key stemplay.json takes,
 * and only those. The keys the validator accepts (SETTINGS_KEY_PATHS, built from the same key
 * lists the checks use) and the keys of the document's table are the same set, and the
 * document's complete example, which uses every key, passes the validator.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseSettings, SETTINGS_KEY_PATHS } from "../src/cli/settings.ts";

const DOC = fileURLToPath(new URL("../docs/settings.md", import.meta.url));

/** The key paths in the first column of the document's tables (`audio.profile`, …). */
function tableKeys(text: string): string[] {
  return text.split("\n").flatMap((line) => {
    const match = /^\| `([^`]+)` +\|/.exec(line);
    return match ? [match[1]] : [];
  });
}

/** Every key path a settings value uses: bus names read `<name>`, list entries `[]`, and an
 * action object is the action's, not the settings' (docs/control.md lists those). */
function usedKeys(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => usedKeys(item, `${prefix}[]`));
  if (typeof value !== "object" || value === null || prefix.endsWith(".action")) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const name = prefix === "buses" ? "<name>" : key;
    const path = prefix ? `${prefix}.${name}` : name;
    return [path, ...usedKeys(child, path)];
  });
}

Deno.test("settings doc: every key the validator accepts is documented, and only those", async () => {
  const documented = new Set(tableKeys(await Deno.readTextFile(DOC)));
  const accepted = new Set(SETTINGS_KEY_PATHS);
  assert.deepEqual(
    [...accepted].filter((key) => !documented.has(key)),
    [],
    "keys the validator accepts that docs/settings.md does not list",
  );
  assert.deepEqual(
    [...documented].filter((key) => !accepted.has(key)),
    [],
    "keys docs/settings.md lists that the validator refuses",
  );
});

Deno.test("settings doc: the complete example uses every documented key and is accepted", async () => {
  const text = await Deno.readTextFile(DOC);
  const block = /```json\n([^]*?)\n```/.exec(text);
  assert.ok(block, "docs/settings.md has a complete example in a json block");
  const example = JSON.parse(block[1]);
  parseSettings(example, "docs/settings.md"); // throws, naming every bad key
  const used = new Set(usedKeys(example));
  assert.deepEqual(tableKeys(text).filter((key) => !used.has(key)), [], "keys not in the example");
});

Deno.test("settings doc: every stemplay.json example in the documents passes the validator", async () => {
  const sections = new Set(SETTINGS_KEY_PATHS.filter((key) => !/[.[]/.test(key)));
  const files = ["README.md"];
  for await (const entry of Deno.readDir(new URL("../docs/", import.meta.url))) {
    if (entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  let checked = 0;
  for (const file of files) {
    const text = await Deno.readTextFile(new URL(`../${file}`, import.meta.url));
    for (const match of text.matchAll(/```json\n([^]*?)\n```/g)) {
      let value: unknown;
      try {
        value = JSON.parse(match[1]);
      } catch {
        continue; // a fragment (e.g. one key of a larger file), not a whole file
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
      const keys = Object.keys(value);
      if (keys.length === 0 || !keys.every((key) => sections.has(key))) continue; // a song, a setlist
      parseSettings(value, `${file} (${keys.join(", ")})`);
      checked++;
    }
  }
  assert.ok(checked >= 5, `only ${checked} stemplay.json examples found`);
});

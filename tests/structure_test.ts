/**
 * The tree keeps its architecture (docs/architecture.md): every import in src/ and ffi/ goes
 * down (or sideways within a floor), no two files import each other through any path, and no
 * file grows past 600 lines unless it is a listed exception that may only shrink.
 *
 * Imports are read with a regex over the source (static `import … from`, `export … from`, bare
 * `import "…"` and `import("…")` with a literal). Type-only imports count like any other: a
 * type is a dependency on the module that defines it.
 *
 * Run as a script (`deno run -R tests/structure_test.ts`) it prints the folder graph and every
 * violation instead of testing.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

/**
 * The floors, lowest first: a file may import from its own floor and from lower ones only.
 * Keep in step with docs/architecture.md.
 */
export const FLOORS: readonly (readonly string[])[] = [
  ["src/util", "src/errors.ts"],
  ["ffi"],
  ["src/native"],
  ["src/model"],
  ["src/sources"],
  ["src/engine"],
  ["src/show"],
  ["src/songs"],
  ["src/player"],
  ["src/control"],
  ["src/cli"],
];

/** The longest a source file may be. */
const MAX_LINES = 600;

/** Files allowed over MAX_LINES, with their line count today: they may shrink, never grow. */
const LONG_FILES: Record<string, number> = {
  "ffi/symbols.ts": Infinity, // the one FFI table: one entry per C function, by design
  // Known exceptions go here at their line count; issue 22 brought the last three under 600.
};

/** Every .ts file under `dir`, as a path relative to the repository root. */
function tsFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(new URL(dir, root))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...tsFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

const IMPORT = new RegExp(
  [
    /\b(?:import|export)\s+(?:type\s+)?/.source +
    /(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)/.source +
    /\s*from\s*["']([^"']+)["']/.source,
    /^\s*import\s*["']([^"']+)["']/.source,
    /\bimport\(\s*["']([^"']+)["']\s*\)/.source,
  ].join("|"),
  "gm",
);

/** Strips comments so that examples in doc comments are not read as imports. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** The relative imports of `file`, resolved to repository paths. */
function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of code(text).matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (!specifier.startsWith(".")) continue;
    const url = new URL(specifier, new URL(file, root));
    found.push(url.href.slice(root.href.length));
  }
  return [...new Set(found)];
}

/** The floor index of a path, or -1 when it is on none. */
function floorOf(path: string): number {
  return FLOORS.findIndex((floor) =>
    floor.some((place) => path === place || path.startsWith(`${place}/`))
  );
}

/** The folder a file belongs to in the order (its floor's entry that holds it). */
function placeOf(path: string): string {
  for (const floor of FLOORS) {
    for (const place of floor) if (path === place || path.startsWith(`${place}/`)) return place;
  }
  return path;
}

interface Graph {
  files: string[];
  lines: Map<string, number>;
  edges: Map<string, string[]>;
}

function readGraph(): Graph {
  const files = [...tsFiles("src"), ...tsFiles("ffi")];
  const lines = new Map<string, number>();
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const text = Deno.readTextFileSync(new URL(file, root));
    lines.set(file, text.split("\n").length - (text.endsWith("\n") ? 1 : 0));
    edges.set(file, importsOf(file, text));
  }
  return { files, lines, edges };
}

/** Imports that go up the order, or reach a file on no floor, as "from -> to" lines. */
function upwardImports({ files, edges }: Graph): string[] {
  const wrong: string[] = [];
  for (const file of files) {
    const from = floorOf(file);
    for (const target of edges.get(file)!) {
      if (!target.startsWith("src/") && !target.startsWith("ffi/")) continue;
      const to = floorOf(target);
      if (from === -1) wrong.push(`${file} is on no floor`);
      else if (to === -1) wrong.push(`${file} -> ${target}: ${target} is on no floor`);
      else if (to > from) {
        wrong.push(`${file} -> ${target} (${placeOf(file)} may not import ${placeOf(target)})`);
      }
    }
  }
  return [...new Set(wrong)];
}

/** Every strongly connected group of files, each reported as one cycle path through it. */
function fileCycles({ files, edges }: Graph): string[][] {
  // Tarjan's algorithm, then one concrete cycle (by breadth-first search) per component.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file) ?? []) {
      if (!edges.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || edges.get(file)!.includes(file)) components.push(component);
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return components.map((component) => {
    const inside = new Set(component);
    const start = component.sort()[0];
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const target of edges.get(file)!) {
        if (!inside.has(target)) continue;
        if (target === start) {
          const path = [start];
          for (let at = file; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
          return [...path, start];
        }
        if (!previous.has(target)) {
          previous.set(target, file);
          queue.push(target);
        }
      }
    }
    return [...component, component[0]];
  });
}

/** Files over MAX_LINES that are not allowed, or allowed ones that grew. */
function longFiles({ files, lines }: Graph): string[] {
  const wrong: string[] = [];
  for (const file of files) {
    const count = lines.get(file)!;
    const allowed = LONG_FILES[file] ?? MAX_LINES;
    if (count > allowed) {
      wrong.push(
        file in LONG_FILES
          ? `${file}: ${count} lines, more than its recorded ${allowed}; shrink it back`
          : `${file}: ${count} lines, more than ${MAX_LINES}; split it`,
      );
    }
  }
  for (const file of Object.keys(LONG_FILES)) {
    if (!lines.has(file)) wrong.push(`${file} is listed in LONG_FILES but does not exist`);
  }
  return wrong;
}

/** The folder-level graph: "a -> b" for every pair of places with a file import between them. */
function folderArrows({ files, edges }: Graph): string[] {
  const arrows = new Set<string>();
  for (const file of files) {
    for (const target of edges.get(file)!) {
      if (placeOf(file) !== placeOf(target)) arrows.add(`${placeOf(file)} -> ${placeOf(target)}`);
    }
  }
  return [...arrows].sort();
}

if (import.meta.main) {
  const graph = readGraph();
  console.log("folder arrows:\n  " + folderArrows(graph).join("\n  "));
  console.log("upward imports:\n  " + upwardImports(graph).join("\n  "));
  console.log(
    "file cycles:\n  " + fileCycles(graph).map((cycle) => cycle.join(" -> ")).join("\n  "),
  );
  console.log("long files:\n  " + longFiles(graph).join("\n  "));
} else {
  const graph = readGraph();

  Deno.test("structure: the import reader sees every kind of import", () => {
    const text = [
      'import { a } from "./a.ts";',
      'import type { B } from "../b/b.ts";',
      'import c, { d } from "./c.ts";',
      'import * as e from "./e.ts";',
      'export { f } from "./f.ts";',
      'export type { G } from "./g.ts";',
      'export * from "./h.ts";',
      "import {\n  i,\n  type J,\n} from './i.ts';",
      'import "./k.ts";',
      'const l = await import("./l.ts");',
      '// import { m } from "./m.ts";',
      '/** import { n } from "./n.ts"; */',
      'const o = "not an import from ./o.ts";',
      'import { p } from "jsr:@std/p";',
    ].join("\n");
    assert.deepEqual(importsOf("src/x/x.ts", text), [
      "src/x/a.ts",
      "src/b/b.ts",
      "src/x/c.ts",
      "src/x/e.ts",
      "src/x/f.ts",
      "src/x/g.ts",
      "src/x/h.ts",
      "src/x/i.ts",
      "src/x/k.ts",
      "src/x/l.ts",
    ]);
    assert.ok(graph.files.length > 50, `only ${graph.files.length} files read`);
    const imports = [...graph.edges.values()].reduce((sum, targets) => sum + targets.length, 0);
    assert.ok(imports > 200, `only ${imports} imports read`);
  });

  Deno.test("structure: every file is on a floor of docs/architecture.md", async () => {
    const stray = graph.files.filter((file) => floorOf(file) === -1);
    assert.deepEqual(stray, [], `add these to FLOORS and docs/architecture.md: ${stray}`);
    const doc = await Deno.readTextFile(new URL("docs/architecture.md", root));
    for (const place of FLOORS.flat()) {
      assert.ok(doc.includes(`${place}`), `docs/architecture.md does not mention ${place}`);
    }
  });

  Deno.test("structure: imports go down the floors, never up", () => {
    const wrong = upwardImports(graph);
    assert.deepEqual(wrong, [], `imports against the order:\n  ${wrong.join("\n  ")}`);
  });

  Deno.test("structure: no import cycle between files", () => {
    const cycles = fileCycles(graph).map((cycle) => cycle.join(" -> "));
    assert.deepEqual(cycles, [], `import cycles:\n  ${cycles.join("\n  ")}`);
  });

  Deno.test("structure: no file over 600 lines but the listed ones, and those only shrink", () => {
    const wrong = longFiles(graph);
    assert.deepEqual(wrong, [], wrong.join("\n"));
  });
}

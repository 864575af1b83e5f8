// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The layout's rules, kept by a test so they outlive the change that made them: imports
// run down the layers only, and no module reaches itself through its imports.

import { assert } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url);

/**
 * The layers, lowest first, and what each may import besides itself. `mod.ts` is the
 * library's face: it may re-export any library layer, never a shell.
 */
const LIBRARY_BELOW_INSPECT = ["base", "format", "sha256", "archive"];
/** `src/inspect/`'s rooms, lowest first: the shared result types, then each room on those below. */
const INSPECT = ["inspect", "inspect/products", "inspect/decoders", "inspect/operations"];
const MAY_IMPORT: Record<string, string[]> = {
  base: [],
  format: ["base"],
  sha256: ["base"],
  archive: ["base", "format", "sha256"],
  // inspect_result.ts, the types every room shares
  inspect: LIBRARY_BELOW_INSPECT,
  // what each product is: detection, type names, which fields are secrets, the products' printers
  "inspect/products": [...LIBRARY_BELOW_INSPECT, "inspect"],
  // framers and msgpack/protobuf decoders: the records of a state.bin
  "inspect/decoders": [...LIBRARY_BELOW_INSPECT, "inspect", "inspect/products"],
  // what a caller runs: inspect, decode, diff, redact, export, and their printers
  "inspect/operations": [...LIBRARY_BELOW_INSPECT, ...INSPECT.slice(0, 3)],
  // the backup watcher: sources, catalogs, verdicts, clusters, retention, alerts, metrics
  watch: [...LIBRARY_BELOW_INSPECT, ...INSPECT],
  edge: ["base", "format", "sha256", "archive", "watch"],
  mod: ["base", "format", "sha256", "archive", ...INSPECT, "watch", "edge"],
  workers: ["base", "format", "sha256", "archive", ...INSPECT, "watch", "edge", "mod"],
  deno: ["base", "format", "sha256", "archive", ...INSPECT, "watch", "edge", "mod"],
  cli: [
    "base",
    "format",
    "sha256",
    "archive",
    ...INSPECT,
    "watch",
    "edge",
    "mod",
    "deno",
    "config",
  ],
};

/** The layer of a file, by its path from the repository root. */
function layerOf(path: string): string | undefined {
  if (path === "mod.ts") return "mod";
  if (path === "deno.json") return "config"; // the CLI's version
  const room = /^src\/inspect\/([a-z0-9_]+)\//.exec(path);
  if (room) {
    return `inspect/${room[1]}` in MAY_IMPORT ? `inspect/${room[1]}` : `unknown room ${path}`;
  }
  const match = /^src\/([a-z0-9_]+)\//.exec(path);
  if (match) return match[1]! in MAY_IMPORT ? match[1]! : `unknown folder src/${match[1]}/`;
  if (/^src\/[a-z0-9_]+\.ts$/.test(path)) return "base";
  return undefined;
}

async function sourceFiles(dir = "src/"): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) files.push(...await sourceFiles(`${path}/`));
    else if (path.endsWith(".ts")) files.push(path);
  }
  return files;
}

/** The local modules a file imports (statically, dynamically, or as a Worker script). */
function importsOf(path: string, text: string): string[] {
  // Drop comments (JSDoc examples import the package by name).
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const specifiers = [
    ...code.matchAll(/\b(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ...code.matchAll(/new URL\(\s*["'](\.[^"']+\.ts)["']\s*,\s*import\.meta\.url/g),
  ].map((m) => m[1]!);
  const base = new URL(path, ROOT);
  return specifiers
    .filter((s) => s.startsWith("./") || s.startsWith("../"))
    .map((s) => new URL(s, base).pathname.slice(ROOT.pathname.length));
}

async function graph(): Promise<Map<string, string[]>> {
  const edges = new Map<string, string[]>();
  for (const path of ["mod.ts", ...await sourceFiles()]) {
    edges.set(path, importsOf(path, await Deno.readTextFile(new URL(path, ROOT))));
  }
  return edges;
}

Deno.test("architecture: imports run down the layers, never up", async () => {
  const edges = await graph();
  assert.ok(edges.size > 80, `only ${edges.size} modules found`);
  const upward: string[] = [];
  for (const [from, targets] of edges) {
    const layer = layerOf(from)!;
    assert.ok(layer in MAY_IMPORT, `${from}: ${layer}`);
    for (const to of targets) {
      const target = layerOf(to);
      if (target === undefined) {
        upward.push(`${from} imports ${to}, outside the library`);
      } else if (target !== layer && !MAY_IMPORT[layer]!.includes(target)) {
        upward.push(`${from} (${layer}) imports ${to} (${target})`);
      }
    }
  }
  assert.deepEqual(upward, []);
});

Deno.test("architecture: no module reaches itself through its imports", async () => {
  const edges = await graph();
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "open") {
        cycles.push([...stack.slice(stack.indexOf(next)), next].join(" → "));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  assert.deepEqual(cycles, []);
});

Deno.test("architecture: the rules can fail", () => {
  // A probe: an upward import and a two-module cycle are both seen.
  const up = importsOf("src/format/meta.ts", 'import { x } from "../inspect/y.ts";');
  assert.deepEqual(up, ["src/inspect/y.ts"]);
  assert.ok(!MAY_IMPORT[layerOf("src/format/meta.ts")!]!.includes(layerOf(up[0]!)!));
  const multiline = importsOf(
    "src/cli/main.ts",
    'import {\n  a,\n  type B,\n} from "../../mod.ts";\nconst w = new URL("./x_worker.ts", import.meta.url);',
  );
  assert.deepEqual(multiline, ["mod.ts", "src/cli/x_worker.ts"]);
  assert.deepEqual(importsOf("src/a.ts", '/**\n * import { z } from "./z.ts";\n */'), []);
  // Inside inspect/, a decoder may not reach up into the operations.
  const room = importsOf("src/inspect/decoders/_a.ts", 'import { b } from "../operations/b.ts";');
  assert.deepEqual(room, ["src/inspect/operations/b.ts"]);
  assert.ok(!MAY_IMPORT[layerOf("src/inspect/decoders/_a.ts")!]!.includes(layerOf(room[0]!)!));
  assert.equal(layerOf("src/inspect/inspect_result.ts"), "inspect");
});

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Proves that everything mod.ts reaches is runtime-neutral: no Deno API, no node: module,
// the browser-compatible marker on every file, and a type check against the DOM library
// alone (no Deno types), which fails on any Deno.* use.

import { assert } from "../_helpers.ts";

const root = new URL("../../", import.meta.url);
const MARKER = "// This module is browser compatible.";

async function run(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    ...output,
    out: new TextDecoder().decode(output.stdout),
    err: new TextDecoder().decode(output.stderr),
  };
}

/** The local files mod.ts reaches, from `deno info --json`. */
async function libraryFiles(): Promise<string[]> {
  const info = await run(["info", "--json", "mod.ts"]);
  assert.equal(info.code, 0, info.err);
  const graph = JSON.parse(info.out) as { modules: { specifier: string }[] };
  return graph.modules.map((m) => m.specifier).filter((s) => s.startsWith("file:")).map((s) =>
    new URL(s).pathname
  );
}

Deno.test("library files carry the browser marker and use no Deno or node: API", async () => {
  const files = await libraryFiles();
  assert.ok(files.length >= 10, `only ${files.length} files found`);
  for (const file of files) {
    const text = await Deno.readTextFile(file);
    assert.ok(text.includes(MARKER), `${file} lacks "${MARKER}"`);
    const code = text.replace(/^\s*(\/\/|\*).*$/gm, "");
    assert.doesNotMatch(code, /\bDeno\./, `${file} uses Deno.*`);
    assert.doesNotMatch(code, /["']node:/, `${file} imports a node: module`);
    assert.doesNotMatch(code, /\brequire\(/, `${file} uses require()`);
  }
});

Deno.test("mod.ts type-checks against the DOM library without Deno's types", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const browser = {
    imports: config.imports,
    compilerOptions: {
      ...config.compilerOptions,
      lib: ["dom", "dom.iterable", "dom.asynciterable", "esnext"],
    },
  };
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-browser-check-" });
  try {
    const path = `${dir}/deno.json`;
    await Deno.writeTextFile(path, JSON.stringify(browser));
    const check = await run(["check", "--no-lock", "--config", path, "mod.ts"]);
    assert.equal(check.code, 0, check.err);
    // The check must be able to fail: the same config refuses a Deno.* use.
    const probe = `${dir}/probe.ts`;
    await Deno.writeTextFile(probe, "export const cwd: string = Deno.cwd();\n");
    const failing = await run(["check", "--no-lock", "--config", path, probe]);
    assert.notEqual(failing.code, 0, "a Deno.* use type-checked without Deno's types");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

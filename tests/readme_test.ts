// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The README's code blocks type-check, and its export table names every export of the npm
// package (whose sizes `deno task build:npm` measures and writes into the packed README).

import { assert } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url);

Deno.test("README.md: every code block type-checks (deno check --doc-only)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--doc-only", "README.md"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text);
});

Deno.test("README.md: the export table lists the npm package's exports", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const table = readme.match(/<!-- npm-sizes:start -->\n([\s\S]*?)\n<!-- npm-sizes:end -->/);
  assert.ok(table, "the README has no npm-sizes table");
  const listed = [...table[1]!.matchAll(/^\| `(raftsnap[^`]*)`\s*\|.*\|\s*[\d.]+ KiB\s*\|$/gm)]
    .map((m) => m[1]!.replace(/^raftsnap/, "."));
  const pkg = JSON.parse(await Deno.readTextFile(new URL("npm/package.json", ROOT)));
  const exports = Object.keys(pkg.exports).filter((e) => e !== "./package.json");
  assert.deepEqual(listed.map((e) => e === "." ? e : `./${e.slice(2)}`), exports);
});

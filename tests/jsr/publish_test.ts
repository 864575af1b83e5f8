// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// JSR: `deno publish --dry-run` passes (no slow types) and publishes the library, the CLI,
// the Deno subpaths, README and LICENSE and nothing else; a slow type fails it; and the
// CLI installs with `deno install -g` from the published layout (a local copy stands in
// for the registry).

import { assert } from "../_helpers.ts";
import { goFixture } from "../_cli_helpers.ts";

const ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);

async function deno(args: string[], cwd: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, output: text(out.stdout) + text(out.stderr) };
}

/** The files a dry run would publish, relative to `dir`. */
async function dryRun(dir: string): Promise<{ code: number; output: string; files: string[] }> {
  const run = await deno(["publish", "--dry-run", "--allow-dirty"], dir);
  const prefix = `file://${dir}/`;
  const files = [...run.output.matchAll(/^\s+(file:\/\/\S+) \(/gm)]
    .map((m) => decodeURIComponent(m[1]!).slice(prefix.length)).sort();
  return { ...run, files };
}

/** Whether a published path belongs: the library, CLI and Deno subpaths, README, LICENSE. */
function allowed(path: string): boolean {
  return ["mod.ts", "deno.json", "README.md", "LICENSE"].includes(path) ||
    /^src\/.+\.ts$/.test(path);
}

Deno.test("deno publish --dry-run publishes the library, CLI, README and LICENSE only", async () => {
  const run = await dryRun(ROOT.replace(/\/$/, ""));
  assert.equal(run.code, 0, run.output);
  assert.ok(run.files.length > 50, run.output);
  assert.deepEqual(run.files.filter((f) => !allowed(f)), [], "stray files would be published");
  for (
    const needed of ["mod.ts", "README.md", "LICENSE", "src/cli/main.ts", "src/deno/fs_store.ts"]
  ) {
    assert.ok(run.files.includes(needed), `${needed} is not published`);
  }
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  assert.equal(config.exports["./cli"], "./src/cli/main.ts");

  // The published layout, copied as a stand-in for the registry.
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-jsr-" });
  try {
    for (const file of run.files) {
      await Deno.mkdir(`${dir}/pkg/${file.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.copyFile(`${ROOT}${file}`, `${dir}/pkg/${file}`);
    }
    // deno install -g of the ./cli export, into a temporary DENO_INSTALL_ROOT.
    const install = await deno(
      [
        "install",
        "-g",
        "--allow-read",
        "--allow-write",
        "-n",
        "raftsnap",
        "--config",
        `${dir}/pkg/deno.json`,
        `${dir}/pkg/${config.exports["./cli"].slice(2)}`,
      ],
      dir,
      { DENO_INSTALL_ROOT: `${dir}/root` },
    );
    assert.equal(install.code, 0, install.output);
    const bin = Deno.build.os === "windows" ? "raftsnap.cmd" : "raftsnap";
    const verified = await new Deno.Command(`${dir}/root/bin/${bin}`, {
      args: ["verify", goFixture("small.snap")],
      cwd: dir,
      // The shim runs `deno`: this one.
      env: {
        NO_COLOR: "1",
        PATH: `${Deno.execPath().replace(/[\\/][^\\/]+$/, "")}:${Deno.env.get("PATH")}`,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(verified.stdout);
    assert.equal(verified.code, 0, text + new TextDecoder().decode(verified.stderr));
    assert.match(text, /small\.snap: ok {2}ID 2-5-1700000000000/);

    // The check can fail: a slow type (an export without its type) fails the dry run, and
    // a stray file is seen.
    await Deno.writeTextFile(
      `${dir}/pkg/mod.ts`,
      (await Deno.readTextFile(`${dir}/pkg/mod.ts`)) +
        "\n/** Slow. */\nexport function slow() {\n  return 1;\n}\n",
    );
    await Deno.writeTextFile(`${dir}/pkg/src/notes.txt`, "stray\n");
    const bad = await dryRun(`${dir}/pkg`);
    assert.notEqual(bad.code, 0, "a slow type passed the dry run");
    assert.match(bad.output, /missing-explicit-return-type/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the publish check sees a stray file", () => {
  assert.ok(!allowed("src/notes.txt") && !allowed("tests/cli/cli_test.ts"));
  assert.ok(allowed("src/cli/main.ts") && allowed("README.md"));
});

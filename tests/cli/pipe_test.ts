// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A closed pipe is not an error: every command that writes to standard output, piped
// into a reader that closes after one line (`| head -1`), stops quietly (nothing on
// standard error) with 141 (128+SIGPIPE, as Unix tools and Go's programs end) or, when
// its whole output fit in the pipe before the reader left, 0. Run under Deno here, and
// under Node (the npm package's command) by tests/cli/cli_node_test.ts.

import { writeSnapshot } from "../../mod.ts";
import { assert, collect } from "../_helpers.ts";
import { goFixture, ROOT } from "../_cli_helpers.ts";
import { writeSide } from "../../bench/_gen_diff_state.ts";

const NODE_BIN = Deno.env.get("RAFTSNAP_CLI_NODE_BIN");

/** Runs the CLI with `args`, reads one line of its output, closes the pipe, waits. */
async function headOne(args: string[]): Promise<{ code: number; line: string; stderr: string }> {
  const child = new Deno.Command(NODE_BIN ? "node" : Deno.execPath(), {
    args: NODE_BIN ? [NODE_BIN, ...args] : [
      "run",
      "--allow-read",
      "--allow-write",
      "--config",
      "deno.json",
      "src/cli/main.ts",
      ...args,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = collect(child.stderr);
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  await reader.cancel(); // the reader goes away, as `head -1` does
  const status = await child.status;
  return {
    code: status.code,
    line: text.split("\n")[0]!,
    stderr: new TextDecoder().decode(await stderr),
  };
}

const dir = await Deno.makeTempDir({ prefix: "raftsnap-pipe-" });
// A Consul state of 20,000 keys: its decode and kv export are far larger than a pipe holds.
await writeSide(`${dir}/state.bin`, "old", 20_000, 64);
const state = await Deno.readFile(`${dir}/state.bin`);
const SNAP = `${dir}/big.snap`;
await Deno.writeFile(
  SNAP,
  await collect(
    writeSnapshot({ id: "2-9-1", index: 9, term: 2, size: state.length }, state),
  ),
);

// A folder for `pack DIR -` (a gzip stream to standard output).
await Deno.mkdir(`${dir}/unpacked`);
const unpack = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "--config",
    "deno.json",
    "src/cli/main.ts",
    "unpack",
    SNAP,
    `${dir}/unpacked`,
  ],
  cwd: ROOT,
}).output();
assert.equal(unpack.code, 0, new TextDecoder().decode(unpack.stderr));

/** Each command that writes to standard output, and whether its output outgrows a pipe. */
const COMMANDS: [string[], "always-141" | "0-or-141" | "1-or-141"][] = [
  [["decode", SNAP], "always-141"],
  [["kv", "export", SNAP], "always-141"],
  [["inspect", SNAP], "0-or-141"],
  [["inspect", "--json", SNAP], "0-or-141"],
  [["verify", SNAP], "0-or-141"],
  [["verify", "--json", SNAP], "0-or-141"],
  [["diff", SNAP, goFixture("small.snap")], "1-or-141"],
  [["pack", `${dir}/unpacked`, "-"], "always-141"],
  [["checksum", SNAP], "0-or-141"],
  [["--help"], "0-or-141"],
];

for (const [args, expect] of COMMANDS) {
  Deno.test(`raftsnap ${args.map((a) => a.replace(/.*\//, "")).join(" ")} | head -1: stops quietly`, async () => {
    const run = await headOne(args);
    assert.equal(run.stderr, "", `stderr: ${run.stderr}`);
    assert.ok(run.line.length > 0, "it wrote a first line");
    if (expect === "always-141") assert.equal(run.code, 141);
    else {
      const quiet = expect === "0-or-141" ? 0 : 1; // diff: 1 is "they differ"
      assert.ok(run.code === quiet || run.code === 141, `exit ${run.code}`);
    }
  });
}

Deno.test("pipe_test: cleanup", async () => {
  await Deno.remove(dir, { recursive: true });
});

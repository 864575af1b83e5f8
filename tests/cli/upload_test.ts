// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// `raftsnap upload FILE URL` as a subprocess (Deno's, or the npm package's on Node with
// RAFTSNAP_CLI_NODE_BIN: tests/cli/cli_node_test.ts) against a tus server that follows the
// contract: the single-request verdict as exit 0 or 1, resuming after a cut connection, a
// server restart and a killed run, exit 3 for what is not the archive's fault.

import { assert, goManifest, readFixture } from "../_helpers.ts";
import { goFixture, raftsnap, tempDir } from "../_cli_helpers.ts";
import { startCutProxy } from "../edge/_cut_proxy.ts";
import { startTusRealServer, type TusRealServer } from "../edge/_tus_real_server.ts";
import {
  startTusTestServer,
  type TusTestServer,
  type TusTestServerOptions,
} from "../edge/_tus_test_server.ts";

type Server = TusTestServer | TusRealServer;

/** The servers the tests run against: the contract's test server, and tus-core's handler. */
const SERVERS: [string, (options?: TusTestServerOptions) => Promise<Server>][] = [
  ["the contract test server", (options) => Promise.resolve(startTusTestServer(options))],
  ["createTusHandler on FsStore", (options) => startTusRealServer(options)],
];

/** The snapshots a server stored, by key. */
function snapshots(server: Server): Promise<Map<string, Uint8Array>> {
  return "stored" in server ? Promise.resolve(server.stored.snapshots) : server.snapshots();
}

const NET = { permissions: ["--allow-net", "--allow-env"] };

function upload(args: string[], env: Record<string, string> = {}) {
  return raftsnap(["upload", ...args], { ...NET, env });
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(entry.name);
  return out;
}

async function singleVerdict(server: Server, bytes: Uint8Array) {
  const response = await fetch(server.origin, { method: "POST", body: bytes as BodyInit });
  return { status: response.status, body: await response.json() };
}

for (const [where, start] of SERVERS) {
  Deno.test(`raftsnap upload: every go-reference fixture exits 0 or 1 as the single-request verdict says (${where})`, async () => {
    const server = await start();
    await using dir = await tempDir();
    try {
      const { fixtures } = await goManifest();
      let stored = 0;
      for (const fixture of fixtures) {
        const bytes = await readFixture(`go-reference/${fixture.file}`);
        const expected = await singleVerdict(server, bytes);
        const chunk = bytes.length > 100_000 ? "64k" : "100";
        const run = await upload([
          "--json",
          "--chunk-size",
          chunk,
          "--state-dir",
          dir.path,
          goFixture(fixture.file),
          server.url,
        ]);
        const doc = JSON.parse(run.stdout);
        if (expected.status === 201) {
          stored++;
          assert.equal(run.code, 0, `${fixture.file}: ${run.stderr}`);
          assert.deepEqual(doc, expected.body, fixture.file);
        } else {
          assert.equal(run.code, 1, `${fixture.file}: ${run.stderr}`);
          assert.equal(doc.status, expected.status, fixture.file);
          assert.deepEqual(doc.error, expected.body.error, fixture.file);
          assert.match(run.stderr, /refused as a bad snapshot: .* \[[a-z-]+\]/, fixture.file);
        }
      }
      assert.ok(stored > 3 && stored < fixtures.length - 10, `${stored} stored`);
      // No state file is left: every upload ended.
      assert.deepEqual(await names(dir.path), []);
    } finally {
      await server.close();
    }
  });
}

for (const [where, start] of SERVERS) {
  Deno.test(`raftsnap upload: prints where it stored the snapshot; the token comes from the environment (${where})`, async () => {
    const server = await start({ token: "tok-123" });
    await using dir = await tempDir();
    try {
      const file = goFixture("small.snap");
      const run = await upload(["--state-dir", dir.path, file, server.url], {
        RAFTSNAP_UPLOAD_TOKEN: "tok-123",
      });
      assert.equal(run.code, 0, run.stderr);
      const key = [...(await snapshots(server)).keys()][0]!;
      assert.equal(run.stdout, `${file}: stored as ${key} at ${new URL(server.url).origin}\n`);
      // A wrong token: exit 3, the server's reason, and the token never printed.
      const wrong = await upload([
        "--token",
        "wrong-456",
        "--state-dir",
        dir.path,
        file,
        server.url,
      ]);
      assert.equal(wrong.code, 3, wrong.stderr);
      assert.match(wrong.stderr, /403 forbidden/);
      assert.match(wrong.stderr, /not the archive's fault/);
      assert.ok(!(wrong.stdout + wrong.stderr).includes("wrong-456"));
      // A token file.
      const tokenFile = `${dir.path}/token`;
      await Deno.writeTextFile(tokenFile, "tok-123\n");
      const fromFile = await upload(["--token", `@${tokenFile}`, "--no-resume", file, server.url]);
      assert.equal(fromFile.code, 0, fromFile.stderr);
    } finally {
      await server.close();
    }
  });
}

Deno.test("raftsnap upload: exit 3 when no server answers", async () => {
  const server = startTusTestServer();
  const url = server.url;
  await server.close();
  await using dir = await tempDir();
  const run = await upload([
    "--retries",
    "1",
    "--state-dir",
    dir.path,
    goFixture("small.snap"),
    url,
  ]);
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /retry 1 in/);
  assert.match(run.stderr, /gave up after 2 failed attempts/);
});

Deno.test("raftsnap upload --verify-first: a bad file is not sent", async () => {
  const server = startTusTestServer();
  try {
    const run = await upload(["--verify-first", goFixture("bad-state-bitflip.snap"), server.url]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /hash-mismatch/);
    assert.deepEqual(server.seen, []);
  } finally {
    await server.close();
  }
});

for (const [where, start] of SERVERS) {
  Deno.test(`raftsnap upload: resumes after a connection cut mid-PATCH and after a server restart (${where})`, async () => {
    const server = await start();
    const port = Number(new URL(server.url).port);
    const proxy = startCutProxy({ hostname: "127.0.0.1", port });
    await using dir = await tempDir();
    try {
      const file = goFixture("one-mib.snap");
      proxy.cutNext("PATCH", 100_000);
      const cut = await upload([
        "--chunk-size",
        "256k",
        "--state-dir",
        dir.path,
        file,
        `${proxy.origin}/uploads/`,
      ]);
      assert.equal(cut.code, 0, cut.stderr);
      assert.equal(proxy.cuts, 1);
      assert.match(cut.stderr, /retry 1 in/);
      assert.match(cut.stdout, /stored as 2-5-1700000000000-/);

      // The server goes down after the second PATCH and comes back 1.5 s later.
      let appends = 0;
      server.onAppend = () => {
        if (++appends === 3) {
          void server.stop().then(() => setTimeout(() => server.start(), 1500));
        }
      };
      const before = await snapshots(server);
      const restarted = await upload([
        "--chunk-size",
        "200k",
        "--state-dir",
        dir.path,
        file,
        server.url,
      ]);
      assert.equal(restarted.code, 0, restarted.stderr);
      assert.match(restarted.stderr, /retry \d in/);
      const key = restarted.stdout.match(/stored as (\S+)/)![1]!;
      assert.deepEqual((await snapshots(server)).get(key), await Deno.readFile(file));
      assert.equal(before.size, 1);
    } finally {
      server.onAppend = undefined;
      await proxy.close();
      await server.close();
    }
  });
}

for (const [where, start] of SERVERS) {
  Deno.test(`raftsnap upload: a run killed mid-upload is resumed by the next run (state file) (${where})`, async () => {
    const server = await start();
    await using dir = await tempDir();
    try {
      const file = goFixture("one-mib.snap");
      let appended = 0;
      let killed: (() => void) | undefined;
      server.onAppend = async () => {
        if (++appended === 2) killed?.();
        await new Promise((resolve) => setTimeout(resolve, 200));
      };
      const first = await raftsnap(
        ["upload", "--chunk-size", "128k", "--state-dir", dir.path, file, server.url],
        {
          ...NET,
          started: (child) => void (killed = () => child.kill("SIGINT")),
        },
      );
      assert.equal(first.code, 130, first.stderr);
      const states = await names(dir.path);
      assert.equal(states.length, 1);
      const state = JSON.parse(await Deno.readTextFile(`${dir.path}/${states[0]!}`));
      assert.equal(state.size, 1049552);
      server.onAppend = undefined;
      const before = server.seen.length;
      const second = await upload([
        "--chunk-size",
        "128k",
        "--state-dir",
        dir.path,
        file,
        server.url,
      ]);
      assert.equal(second.code, 0, second.stderr);
      const requests = server.seen.slice(before);
      assert.equal(requests[0], `HEAD ${new URL(state.uploadUrl).pathname}`);
      assert.ok(!requests.some((r) => r.startsWith("POST")), requests.join("\n"));
      const offset = Number(requests[1]!.split(" ")[2]);
      assert.ok(offset >= 2 * 131072, requests.join("\n"));
      assert.deepEqual(await names(dir.path), []);
    } finally {
      server.onAppend = undefined;
      await server.close();
    }
  });
}

Deno.test("raftsnap upload --help, and upload in raftsnap --help", async () => {
  const help = await raftsnap(["upload", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /raftsnap upload \[flags\] FILE URL/);
  assert.match(help.stdout, /RAFTSNAP_UPLOAD_TOKEN/);
  const all = await raftsnap(["--help"]);
  assert.match(all.stdout, /upload FILE URL\s+send a snapshot to a verifier/);
  const usage = await raftsnap(["upload", "x.snap"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /missing URL/);
});

Deno.test("raftsnap upload: a progress bar with --progress, plain lines without a terminal, nothing with -q", async () => {
  const server = startTusTestServer();
  server.onAppend = () => new Promise((resolve) => setTimeout(resolve, 250));
  try {
    const file = goFixture("one-mib.snap");
    const args = ["--no-resume", "--chunk-size", "128k", file, server.url];
    const bar = await upload(["--progress", ...args]);
    assert.equal(bar.code, 0, bar.stderr);
    assert.match(
      bar.stderr,
      /one-mib\.snap {2}\[=*>? *\] +\d+% {2}[\d.]+ \/ 1\.0 MB {2}[\d.]+ MB\/s/,
    );
    assert.ok(bar.stderr.startsWith("\r\x1b[K"), JSON.stringify(bar.stderr.slice(0, 20)));
    assert.ok(!bar.stderr.includes("MB stored"));
    const plain = await upload(args);
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(!plain.stderr.includes("\x1b"));
    assert.match(plain.stderr, /one-mib\.snap: 0\.1 of 1\.0 MB stored\n/);
    assert.equal(plain.stderr.split("\n").filter((l) => l.endsWith("MB stored")).length, 8);
    const quiet = await upload(["-q", ...args]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr + quiet.stdout, "");
  } finally {
    await server.close();
  }
});

Deno.test({
  name: "raftsnap upload under Deno without --allow-net: exit 3, saying so",
  // Node has no permissions to lack.
  ignore: Deno.env.get("RAFTSNAP_CLI_NODE_BIN") !== undefined,
  async fn() {
    const run = await raftsnap([
      "upload",
      "--no-resume",
      goFixture("small.snap"),
      "http://127.0.0.1:8788/uploads/",
    ]);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /net access.*\(upload needs --allow-net\)/);
  },
});

Deno.test("raftsnap upload: a state folder that cannot be written is a warning, not a failure", async () => {
  const server = startTusTestServer();
  await using dir = await tempDir();
  try {
    const blocked = `${dir.path}/file`;
    await Deno.writeTextFile(blocked, "a file, not a folder");
    const run = await upload([
      "--state-dir",
      `${blocked}/state`,
      goFixture("small.snap"),
      server.url,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /cannot write the state file .* \(a later run starts over\)/);
    assert.match(run.stdout, /stored as/);
  } finally {
    await server.close();
  }
});

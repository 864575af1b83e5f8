// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// `raftsnap upload` (Deno's, or the npm package's on Node with RAFTSNAP_CLI_NODE_BIN)
// against a real `deno task serve:edge` process over a folder: every go-reference fixture
// exits 0 or 1 as the server's single-request verdict says, a connection cut mid-PATCH and
// the server killed (SIGKILL) and restarted between PATCHes both resume on their own, and
// a wrong token or no server at all is exit 3.

import { assert, goManifest, readFixture } from "../_helpers.ts";
import { goFixture, raftsnap, tempDir } from "../_cli_helpers.ts";
import { startCutProxy } from "../edge/_cut_proxy.ts";
import { type EdgeServer, startEdgeServer } from "../_edge_helpers.ts";

const TOKEN = "serve-edge-token";
const NET = { permissions: ["--allow-net", "--allow-env"] };

/** `deno task serve:edge --dir DIR --token TOKEN` as a process, on `port` (0: a free one). */
function serveEdge(dir: string, port = 0) {
  return startEdgeServer({ dir, port, args: ["--token", TOKEN] });
}

/** Where `server` takes resumable uploads. */
const uploadsOf = (server: EdgeServer) => new URL("uploads/", server.url).href;

async function stored(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".snap")) {
      out.set(entry.name, await Deno.readFile(`${dir}/${entry.name}`));
    }
  }
  return out;
}

function upload(args: string[], env: Record<string, string> = { RAFTSNAP_UPLOAD_TOKEN: TOKEN }) {
  return raftsnap(["upload", ...args], { ...NET, env });
}

Deno.test("raftsnap upload against serve:edge: every go-reference fixture exits 0 or 1 as its single-request verdict", async () => {
  await using dir = await tempDir();
  await using state = await tempDir();
  const server = await serveEdge(dir.path);
  try {
    const { fixtures } = await goManifest();
    let good = 0;
    const keys = new Set<string>();
    for (const fixture of fixtures) {
      const bytes = await readFixture(`go-reference/${fixture.file}`);
      const single = await fetch(server.url, {
        method: "POST",
        body: bytes as BodyInit,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const expected = await single.json();
      const run = await upload([
        "--json",
        "--chunk-size",
        bytes.length > 100_000 ? "64k" : "100",
        "--state-dir",
        state.path,
        goFixture(fixture.file),
        uploadsOf(server),
      ]);
      const doc = JSON.parse(run.stdout);
      if (single.status === 201) {
        good++;
        assert.equal(run.code, 0, `${fixture.file}: ${run.stderr}`);
        assert.deepEqual(doc, expected, fixture.file);
        keys.add(doc.key);
      } else {
        assert.equal(run.code, 1, `${fixture.file}: ${run.stderr}`);
        assert.equal(doc.status, single.status, fixture.file);
        assert.deepEqual(doc.error, expected.error, fixture.file);
      }
    }
    assert.ok(good > 3 && good < fixtures.length - 10, `${good} stored`);
    // Only good archives became visible, and every upload ended.
    assert.deepEqual([...(await stored(dir.path)).keys()].sort(), [...keys].sort());
    const left: string[] = [];
    for await (const entry of Deno.readDir(state.path)) left.push(entry.name);
    assert.deepEqual(left, []);
  } finally {
    await server.stop();
  }
});

Deno.test("raftsnap upload against serve:edge: resumes after a cut mid-PATCH and a kill -9 and restart between PATCHes", async () => {
  await using dir = await tempDir();
  await using state = await tempDir();
  let server = await serveEdge(dir.path);
  const port = Number(server.url.port);
  const proxy = startCutProxy({ hostname: "127.0.0.1", port });
  const file = goFixture("one-mib.snap");
  const bytes = await Deno.readFile(file);
  try {
    // A connection cut 100 000 bytes into the first PATCH.
    proxy.cutNext("PATCH", 100_000);
    const cut = await upload([
      "--chunk-size",
      "256k",
      "--state-dir",
      state.path,
      file,
      `${proxy.origin}/uploads/`,
    ]);
    assert.equal(cut.code, 0, cut.stderr);
    assert.equal(proxy.cuts, 1);
    assert.match(cut.stderr, /retry 1 in/);
    const key = cut.stdout.match(/stored as (\S+) at /)![1]!;
    assert.deepEqual((await stored(dir.path)).get(key), bytes);
    await Deno.remove(`${dir.path}/${key}`);

    // The server is killed (SIGKILL) once the third PATCH went out, and started again
    // on the same port 1.5 s later.
    proxy.delay = 100;
    const before = proxy.seen.length;
    const running = upload([
      "--chunk-size",
      "128k",
      "--state-dir",
      state.path,
      file,
      `${proxy.origin}/uploads/`,
    ]);
    while (proxy.seen.slice(before).filter((r) => r.startsWith("PATCH")).length < 3) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await server.stop("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    server = await serveEdge(dir.path, port);
    const restarted = await running;
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.match(restarted.stderr, /retry \d in/);
    const requests = proxy.seen.slice(before);
    assert.ok(requests.some((r) => r.startsWith("HEAD")), requests.join("\n"));
    assert.equal(requests.filter((r) => r.startsWith("POST")).length, 1, requests.join("\n"));
    assert.deepEqual((await stored(dir.path)).get(key), bytes);
  } finally {
    await proxy.close();
    await server.stop();
  }
});

Deno.test("raftsnap upload against serve:edge: exit 3 for a wrong token and for no server", async () => {
  await using dir = await tempDir();
  const server = await serveEdge(dir.path);
  const port = Number(server.url.port);
  try {
    const wrong = await upload([
      "--no-resume",
      goFixture("small.snap"),
      `http://127.0.0.1:${port}/uploads/`,
    ], {
      RAFTSNAP_UPLOAD_TOKEN: "not-the-token",
    });
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.match(wrong.stderr, /403 forbidden/);
    assert.ok(!(wrong.stdout + wrong.stderr).includes("not-the-token"));
  } finally {
    await server.stop();
  }
  const none = await upload([
    "--no-resume",
    "--retries",
    "1",
    goFixture("small.snap"),
    `http://127.0.0.1:${port}/uploads/`,
  ]);
  assert.equal(none.code, 3, none.stderr);
  assert.match(none.stderr, /gave up after 2 failed attempts/);
  assert.deepEqual([...(await stored(dir.path)).keys()], []);
});

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// `raftsnap watch` as a process: exit codes, the JSON report, the status page, Prometheus
// metrics checked by `promtool check metrics` (Debian's prometheus package; .ci/run
// installs it), webhook alerts once per change of state to a local receiver, and two
// watchers with --apply over one folder deleting each file once, and a --catalog file that
// the next pass reads (in the line layout, and in the one-line layout older versions wrote).

import { readDocument } from "../../src/watch/_catalog_document.ts";
import { assert, FIXTURES } from "../_helpers.ts";
import { ROOT } from "../_cli_helpers.ts";

async function folderOf(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-watch-cli-" });
  for (const [key, fixture] of Object.entries(files)) {
    const path = `${dir}/${key}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(new URL(fixture, FIXTURES), path);
  }
  return dir;
}

/**
 * The npm package's command to run with Node instead, when set (tests/cli/cli_node_test.ts
 * runs these tests again that way).
 */
const NODE_BIN = Deno.env.get("RAFTSNAP_CLI_NODE_BIN");

/** Runs the CLI with the permissions `watch` needs (network for metrics and webhooks). */
function spawn(args: string[]) {
  return new Deno.Command(NODE_BIN ? "node" : Deno.execPath(), {
    args: NODE_BIN
      ? [NODE_BIN, "watch", ...args]
      : ["run", "-A", "--config", "deno.json", "src/cli/main.ts", "watch", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function run(args: string[]) {
  const output = await spawn(args).output();
  const d = new TextDecoder();
  return { code: output.code, stdout: d.decode(output.stdout), stderr: d.decode(output.stderr) };
}

Deno.test("raftsnap watch --once: exit 0 all good, 1 a bad backup, 3 an unreadable source; --json", async () => {
  const dir = await folderOf({
    "consul/a.snap": "go-reference/small.snap",
    "consul/b.snap": "products/consul-small.snap",
  });
  try {
    const good = await run(["--once", "--json", dir]);
    assert.equal(good.code, 0, good.stderr);
    const report = JSON.parse(good.stdout);
    assert.deepEqual(
      report.objects.map((o: { key: string; ok: boolean }) => [o.key, o.ok]),
      [["consul/a.snap", true], ["consul/b.snap", true]],
    );
    await Deno.copyFile(
      new URL("go-reference/bad-sha-line.snap", FIXTURES),
      `${dir}/consul/c.snap`,
    );
    const bad = await run(["--once", "--json", dir]);
    assert.equal(bad.code, 1);
    const entry = JSON.parse(bad.stdout).objects.find((o: { key: string }) =>
      o.key === "consul/c.snap"
    );
    assert.equal(entry.ok, false);
    assert.equal(typeof entry.code, "string");
    const text = await run(["--once", dir]);
    assert.match(text.stdout, /bad: consul\/c\.snap: /);
    const unreadable = await run(["--once", `${dir}/no-such-folder`]);
    assert.equal(unreadable.code, 3);
    assert.match(unreadable.stderr, /cannot list/);
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--keep-within/);
    assert.equal((await run(["--once", "--reverify-after", "7 days", dir])).code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A catalog file's version line and its document. */
async function catalogFile(path: string) {
  const text = await Deno.readTextFile(path);
  const newline = text.indexOf("\n");
  const body = text.slice(newline + 1);
  return {
    version: text.slice(0, newline),
    body,
    doc: await readDocument(new Blob([body]).stream()),
  };
}

Deno.test("raftsnap watch --once --catalog FILE: the next pass reads the catalog the last one wrote", async () => {
  const dir = await folderOf({
    "consul/a.snap": "go-reference/small.snap",
    "consul/b.snap": "products/consul-small.snap",
    'vault/q"uote naïve.snap': "go-reference/small.snap",
    "consul/c.snap": "go-reference/bad-sha-line.snap",
  });
  const elsewhere = await Deno.makeTempDir({ prefix: "raftsnap-watch-catalog-" });
  const path = `${elsewhere}/nested/catalog.json`;
  type Entry = { key: string; ok: boolean; verifiedNow: boolean; verifiedAt: number };
  const pass = async () => {
    const result = await run(["--once", "--json", "--catalog", path, dir]);
    assert.equal(result.code, 1, result.stderr); // c.snap is bad
    const entries: Entry[] = JSON.parse(result.stdout).objects;
    return entries.sort((a, b) => a.key < b.key ? -1 : 1);
  };
  try {
    const first = await pass();
    const keys = ["consul/a.snap", "consul/b.snap", "consul/c.snap", 'vault/q"uote naïve.snap'];
    assert.deepEqual(first.map((e) => e.key), keys);
    assert.deepEqual(first.map((e) => e.ok), [true, true, false, true]);
    assert.ok(first.every((e) => e.verifiedNow), "all verified on the first pass");
    const written = await catalogFile(path);
    assert.match(written.version, /^[1-9][0-9]*$/);
    // The line layout: the head, then one entry a line.
    const lines = written.body.split("\n");
    assert.match(lines[0]!, /^\{"raftsnapWatchCatalog":1,.*"removed":\{$/);
    assert.equal(
      lines.filter((line) => /^,?"(?:[^"\\]|\\.)*\.snap":\{"key":/.test(line)).length,
      4,
    );
    assert.deepEqual(JSON.parse(written.body).records, written.doc.records);
    assert.deepEqual(Object.keys(written.doc.records).sort(), keys);
    for (const entry of first) {
      assert.equal(written.doc.records[entry.key]?.ok, entry.ok, entry.key);
      assert.equal(written.doc.records[entry.key]?.verifiedAt, entry.verifiedAt, entry.key);
    }
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(`${elsewhere}/nested`))).map((e) => e.name),
      [
        "catalog.json",
      ],
    );
    assert.ok(
      !await Deno.stat(`${dir}/.raftsnap-watch`).catch(() => false),
      "no catalog in the folder",
    );

    // The second pass reads the catalog: nothing verified again, the same verdicts.
    const second = await pass();
    const unchanged = (entries: Entry[]) => entries.map(({ verifiedNow: _, ...rest }) => rest);
    assert.ok(second.every((e) => !e.verifiedNow), "none verified again on the second pass");
    assert.deepEqual(unchanged(second), unchanged(first));
    assert.deepEqual((await catalogFile(path)).doc.records, written.doc.records);

    // A catalog as older versions wrote it (the document on one line) reads as well, and is
    // written back in the line layout.
    const { raftsnapWatchCatalog, records, removed, claims } = written.doc;
    await Deno.writeTextFile(
      path,
      `7\n${JSON.stringify({ raftsnapWatchCatalog, records, removed, claims })}`,
    );
    const third = await pass();
    assert.ok(third.every((e) => !e.verifiedNow), "none verified again from a one-line catalog");
    assert.deepEqual(unchanged(third), unchanged(first));
    const rewritten = await catalogFile(path);
    assert.equal(rewritten.version, "8");
    assert.match(rewritten.body.split("\n")[0]!, /"removed":\{$/);
    assert.deepEqual(rewritten.doc.records, written.doc.records);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("raftsnap watch --status-html writes one self-contained page with a chart per cluster", async () => {
  const dir = await folderOf({
    "consul/a.snap": "go-reference/small.snap",
    "vault/b.snap": "products/vault-small.snap",
    "vault/c.snap": "go-reference/truncated-tar.snap",
  });
  try {
    const page = `${dir}/status.html`;
    const result = await run(["--once", "--status-html", page, dir]);
    assert.equal(result.code, 1);
    const html = await Deno.readTextFile(page);
    assert.equal(html.match(/<svg /g)?.length, 2);
    assert.match(html, /vault\/c\.snap/);
    assert.ok(!/(src|href)=|<script|url\(/.test(html), "no external assets");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function metricsOnce(dir: string): Promise<string> {
  const child = spawn(["--metrics-port", "0", "--interval", "1h", "--max-age", "1d", dir]);
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let url: string | undefined;
  while (!url) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`no metrics address: ${seen}`);
    seen += value;
    url = /metrics on (http:\/\/\S+)/.exec(seen)?.[1];
  }
  // Not 200 until the first pass ended: polled, up to a safety net (a loaded machine).
  let text = "";
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(url);
    text = await response.text();
    if (response.status === 200 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGTERM");
  await reader.cancel();
  await child.stdout.cancel();
  assert.equal((await child.status).code, 0);
  return text;
}

Deno.test("raftsnap watch --metrics-port serves metrics promtool accepts", async () => {
  const dir = await folderOf({
    "consul/a.snap": "go-reference/small.snap",
    "vault/c.snap": "go-reference/truncated-tar.snap",
  });
  try {
    const text = await metricsOnce(dir);
    assert.match(text, /raftsnap_watch_backups\{cluster="consul",verdict="ok"\} 1/);
    assert.match(text, /raftsnap_watch_bad_backups\{cluster="vault",code="[a-z-]+"\} 1/);
    assert.match(text, /raftsnap_watch_verified_bytes_total \d+/);
    let promtool: Deno.CommandOutput;
    try {
      const child = new Deno.Command("promtool", {
        args: ["check", "metrics"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(text));
      await writer.close();
      promtool = await child.output();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && Deno.env.get("CI") !== "true") {
        console.warn("promtool is missing (apt-get install prometheus): not checked");
        return;
      }
      throw error;
    }
    const said = new TextDecoder().decode(promtool.stderr) +
      new TextDecoder().decode(promtool.stdout);
    assert.equal(promtool.code, 0, said);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("raftsnap watch --webhook posts once per change of state", async () => {
  const dir = await folderOf({ "consul/a.snap": "go-reference/small.snap" });
  const received: { text: string; event: string; key?: string }[] = [];
  let refuse = false;
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    async (request) => {
      const body = await request.json();
      if (refuse) return new Response("down", { status: 503 });
      received.push(body);
      return new Response("ok");
    },
  );
  const hook = `http://127.0.0.1:${server.addr.port}/hook`;
  try {
    assert.equal((await run(["--once", "--webhook", hook, dir])).code, 0);
    assert.equal(received.length, 0, "nothing to say on a good first pass");
    await Deno.copyFile(
      new URL("go-reference/truncated-gzip.snap", FIXTURES),
      `${dir}/consul/b.snap`,
    );
    const path = `${dir}/consul/b.snap`;
    await Deno.utime(path, new Date(), new Date(Date.now() + 1000)); // the newest, and bad
    assert.equal((await run(["--once", "--webhook", hook, dir])).code, 1);
    assert.deepEqual(received.map((r) => r.event), ["backup-failed"]);
    assert.equal(typeof received[0]!.text, "string");
    assert.equal(received[0]!.key, "consul/b.snap");
    assert.equal((await run(["--once", "--webhook", hook, dir])).code, 1);
    assert.equal(received.length, 1, "not again while nothing changed");
    await Deno.remove(path);
    await run(["--once", "--webhook", hook, dir]);
    assert.deepEqual(received.map((r) => r.event), ["backup-failed", "backup-recovered"]);
    // A webhook that refuses: the alert is sent again on the next pass.
    await Deno.copyFile(
      new URL("go-reference/bad-sha-line.snap", FIXTURES),
      `${dir}/consul/c.snap`,
    );
    refuse = true;
    const refused = await run(["--once", "--webhook", hook, dir]);
    assert.match(refused.stderr, /alerts not delivered/);
    assert.equal(received.length, 2);
    refuse = false;
    await run(["--once", "--webhook", hook, dir]);
    assert.deepEqual(received.slice(2).map((r) => [r.event, r.key]), [[
      "backup-failed",
      "consul/c.snap",
    ]]);
    await run(["--once", "--webhook", hook, dir]);
    assert.equal(received.length, 3, "and then not again");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("raftsnap watch --apply: two processes at once over one folder delete each file once", async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 16; i++) {
    files[`consul/${String(i).padStart(2, "0")}.snap`] = "go-reference/small.snap";
  }
  const dir = await folderOf(files);
  try {
    const base = Date.now() - 10 * 86_400_000;
    for (const [i, key] of Object.keys(files).entries()) {
      await Deno.utime(`${dir}/${key}`, new Date(base + i * 1000), new Date(base + i * 1000));
    }
    const args = ["--once", "--keep-last", "3", "--apply", dir];
    const [a, b] = await Promise.all([run(args), run(args)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const deleted = (a.stderr + b.stderr).split("\n").filter((l) => / deleted /.test(l))
      .map((l) => / deleted (\S+)/.exec(l)![1]!).sort();
    assert.deepEqual(deleted, Object.keys(files).slice(0, 13));
    const left = [];
    for await (const entry of Deno.readDir(`${dir}/consul`)) left.push(entry.name);
    assert.deepEqual(left.sort(), ["13.snap", "14.snap", "15.snap"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

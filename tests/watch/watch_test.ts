// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The watcher's library against the real fixtures, laid out as clusters in a temporary
// folder: verdicts as Go gives them, rot caught by re-verification with size and mtime
// unchanged, retention that keeps the newest verified backup whatever its age, and two
// watchers applying retention over one folder at once, each file deleted once.

import {
  FolderSource,
  JsonCatalog,
  type SnapshotSource,
  watchOnce,
  type WatchReport,
} from "../../mod.ts";
import { denoFolderFileSystem } from "../../src/deno/folder_fs.ts";
import { assert, FIXTURES, goManifest } from "../_helpers.ts";

const DAY = 86_400_000;

async function folderOf(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-watch-" });
  for (const [key, fixture] of Object.entries(files)) {
    const path = `${dir}/${key}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(new URL(fixture, FIXTURES), path);
  }
  return dir;
}

function watch(dir: string, options: Parameters<typeof watchOnce>[2] = {}) {
  const source = new FolderSource(dir, denoFolderFileSystem);
  return watchOnce(source, new JsonCatalog(source.catalogStorage()), options);
}

Deno.test("watchOnce() gives Go's verdict for every fixture, grouped by folder", async () => {
  const manifest = await goManifest();
  const files: Record<string, string> = {};
  for (const f of manifest.fixtures) {
    files[`${f.verify_ok ? "good" : "bad"}/${f.file}`] = `go-reference/${f.file}`;
  }
  files["products/consul.snap"] = "products/consul-small.snap";
  files["products/vault.snap"] = "products/vault-small.snap";
  files["products/nomad.snap"] = "products/nomad-dev.snap";
  const dir = await folderOf(files);
  try {
    const report = await watch(dir);
    assert.equal(report.totals.objects, manifest.fixtures.length + 3);
    assert.equal(report.totals.verified, report.totals.objects);
    for (const f of manifest.fixtures) {
      const entry = report.objects.find((o) => o.key.endsWith(`/${f.file}`))!;
      assert.equal(entry.ok, f.verify_ok, f.file);
      if (!f.verify_ok) {
        assert.ok(entry.code && entry.code !== "read-error", `${f.file}: ${entry.code}`);
      } else {
        const expected = (f as unknown as { state_sha256?: string }).state_sha256;
        assert.match(entry.stateSha256 ?? "", /^[0-9a-f]{64}$/, f.file);
        if (expected) assert.equal(entry.stateSha256, expected, f.file);
      }
    }
    const product = (key: string) => report.objects.find((o) => o.key === key)?.product;
    assert.deepEqual(
      ["consul", "vault", "nomad"].map((p) => product(`products/${p}.snap`)),
      ["consul", "vault", "nomad"],
    );
    assert.deepEqual(report.clusters.map((c) => c.cluster), ["bad", "good", "products"]);
    const bad = report.clusters[0]!;
    assert.equal(bad.good, 0);
    assert.ok(bad.warnings.some((w) => w.code === "no-good"));
    assert.equal(report.ok, false);
    // The second pass verifies nothing again (nothing is due) and says the same.
    const again = await watch(dir);
    assert.equal(again.totals.verified, 0);
    assert.deepEqual(
      again.objects.map((o) => [o.key, o.ok]),
      report.objects.map((o) => [o.key, o.ok]),
    );
    // A catalogued backup that vanished is reported missing, once.
    await Deno.remove(`${dir}/good/small.snap`);
    const gone = await watch(dir);
    assert.equal(gone.totals.missing, 1);
    assert.equal(gone.objects.find((o) => o.key === "good/small.snap")?.code, "missing");
    assert.equal((await watch(dir)).totals.missing, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchOnce() catches a bit flipped with size and mtime unchanged, when re-verifying", async () => {
  const dir = await folderOf({ "consul/a.snap": "go-reference/one-mib.snap" });
  try {
    const first = await watch(dir);
    assert.ok(first.ok);
    const path = `${dir}/consul/a.snap`;
    const { mtime, atime, size } = await Deno.stat(path);
    const bytes = await Deno.readFile(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
    await Deno.writeFile(path, bytes);
    await Deno.utime(path, atime!, mtime!);
    const after = await Deno.stat(path);
    assert.equal(after.size, size);
    assert.equal(after.mtime?.getTime(), mtime?.getTime());
    // Not due yet: the catalog's verdict stands.
    const notDue = await watch(dir, { reverifyAfterMs: 7 * DAY });
    assert.equal(notDue.totals.verified, 0);
    assert.ok(notDue.ok);
    // Due: caught.
    const due = await watch(dir, { reverifyAfterMs: 0 });
    assert.equal(due.totals.verified, 1);
    assert.equal(due.ok, false);
    assert.ok(due.objects[0]!.code, "a code");
    assert.deepEqual(due.alerts.map((a) => a.event), ["cluster-no-good", "backup-failed"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchOnce() retention never deletes a cluster's newest verified backup, even when all are old", async () => {
  const dir = await folderOf({
    "consul/1.snap": "go-reference/small.snap",
    "consul/2.snap": "go-reference/small.snap",
    "consul/3.snap": "go-reference/small.snap",
    "consul/4.snap": "go-reference/truncated-gzip.snap",
    "vault/1.snap": "go-reference/small.snap",
  });
  try {
    const old = Date.now() - 100 * DAY;
    for (
      const [i, key] of [
        "consul/1.snap",
        "consul/2.snap",
        "consul/3.snap",
        "consul/4.snap",
        "vault/1.snap",
      ].entries()
    ) {
      await Deno.utime(`${dir}/${key}`, new Date(old + i * DAY), new Date(old + i * DAY));
    }
    const lines: string[] = [];
    const dry = await watch(dir, { retention: { keepWithinMs: DAY }, log: (l) => lines.push(l) });
    assert.deepEqual(dry.retention?.deleted.sort(), ["consul/1.snap", "consul/2.snap"]);
    assert.deepEqual(dry.retention?.bad, ["consul/4.snap"]);
    assert.equal(dry.retention?.applied, false);
    assert.ok(lines.includes("would delete consul/1.snap (cluster consul)"));
    assert.ok(await exists(`${dir}/consul/1.snap`), "a dry run deletes nothing");
    const applied = await watch(dir, {
      retention: { keepWithinMs: DAY, apply: true },
      log: (l) => lines.push(l),
    });
    assert.deepEqual(applied.retention?.deleted.sort(), ["consul/1.snap", "consul/2.snap"]);
    assert.ok(lines.includes("deleted consul/2.snap (cluster consul)"));
    const left = [];
    for (
      const key of [
        "consul/1.snap",
        "consul/2.snap",
        "consul/3.snap",
        "consul/4.snap",
        "vault/1.snap",
      ]
    ) {
      if (await exists(`${dir}/${key}`)) left.push(key);
    }
    assert.deepEqual(left, ["consul/3.snap", "consul/4.snap", "vault/1.snap"]);
    // The next pass sees no missing backup (the deletions were the watcher's own).
    const next = await watch(dir, { retention: { keepWithinMs: DAY, apply: true } });
    assert.equal(next.totals.missing, 0);
    assert.deepEqual(next.retention?.deleted, []);
    // Moving bad backups aside only with the flag.
    const moved = await watch(dir, {
      retention: { keepWithinMs: DAY, apply: true, moveBadTo: "quarantine/" },
    });
    assert.deepEqual(moved.retention?.moved, [{
      from: "consul/4.snap",
      to: "quarantine/consul/4.snap",
    }]);
    assert.ok(await exists(`${dir}/quarantine/consul/4.snap`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchOnce(): two watchers applying retention over one folder at once delete each file once and lose no record", async () => {
  const files: Record<string, string> = {};
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 12; i++) {
      files[`c${c}/${String(i).padStart(2, "0")}.snap`] = "go-reference/small.snap";
    }
  }
  const dir = await folderOf(files);
  try {
    const base = Date.now() - 50 * DAY;
    for (const [i, key] of Object.keys(files).entries()) {
      await Deno.utime(`${dir}/${key}`, new Date(base + i * 1000), new Date(base + i * 1000));
    }
    const logs: string[][] = [[], []];
    const run = (n: number) =>
      watch(dir, {
        concurrency: 3,
        retention: { keepLast: 2, apply: true, owner: `watcher-${n}` },
        log: (line) => logs[n]!.push(line),
      });
    const [a, b] = await Promise.all([run(0), run(1)]);
    const deleted = [...a.retention!.deleted, ...b.retention!.deleted].sort();
    const expected = Object.keys(files).filter((k) => Number(k.slice(3, 5)) < 10).sort();
    assert.deepEqual(deleted, expected, "each file deleted exactly once");
    assert.equal(logs.flat().filter((l) => l.startsWith("deleted ")).length, 30);
    const catalog = new JsonCatalog(new FolderSource(dir, denoFolderFileSystem).catalogStorage());
    const keys = [];
    for await (const record of catalog.all()) keys.push(record.key);
    assert.deepEqual(
      keys.sort(),
      Object.keys(files).filter((k) => Number(k.slice(3, 5)) >= 10).sort(),
    );
    const left: string[] = [];
    for await (const object of new FolderSource(dir, denoFolderFileSystem).list()) {
      left.push(object.key);
    }
    assert.deepEqual(left.sort(), keys);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchOnce(): a backup another watcher is deleting is not missing; one that vanished is", async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 4; i++) files[`c/0${i}.snap`] = "go-reference/small.snap";
  const dir = await folderOf(files);
  try {
    assert.equal((await watch(dir)).totals.verified, 4);
    // Another watcher, mid-way through its retention: it claimed c/00.snap, deleted it,
    // and has not yet written the removal to the catalog.
    const other = new JsonCatalog(new FolderSource(dir, denoFolderFileSystem).catalogStorage());
    assert.ok(await other.claim("delete:c/00.snap", "other", 60_000));
    await Deno.remove(`${dir}/c/00.snap`);
    await Deno.remove(`${dir}/c/01.snap`); // gone, and no watcher says why
    const report = await watch(dir, { reverifyAfterMs: 0 });
    assert.deepEqual(
      report.objects.filter((o) => o.code === "missing").map((o) => o.key),
      ["c/01.snap"],
    );
    assert.equal(report.totals.missing, 1);
    assert.deepEqual(report.objects.map((o) => o.key), ["c/01.snap", "c/02.snap", "c/03.snap"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchOnce() throws SourceError for a source it cannot list, and verifies at most `concurrency` at once", async () => {
  const dir = await folderOf({});
  try {
    const missing = new FolderSource(`${dir}/nope`, denoFolderFileSystem);
    await watchOnce(missing, new JsonCatalog(missing.catalogStorage())).then(
      () => assert.fail("no error"),
      (error) => assert.equal(error.name, "SourceError"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const bytes = await Deno.readFile(new URL("go-reference/small.snap", FIXTURES));
  let open = 0;
  let most = 0;
  const source: SnapshotSource = {
    async *list() {
      for (let i = 0; i < 40; i++) {
        yield { key: `c/${i}.snap`, size: bytes.length, etag: "e", modified: i };
      }
    },
    open() {
      open++;
      most = Math.max(most, open);
      const stream = new Blob([bytes]).stream();
      return Promise.resolve(stream.pipeThrough(
        new TransformStream({
          flush: () => void open--,
        }),
      ));
    },
    delete: () => Promise.resolve(),
  };
  const { MemoryCatalog } = await import("../../mod.ts");
  const report: WatchReport = await watchOnce(source, new MemoryCatalog(), { concurrency: 3 });
  assert.equal(report.totals.ok, 40);
  assert.ok(most <= 3 && most >= 2, `at most 3 at once, saw ${most}`);
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("watchOnce(): a catalog that fails is that failure (not the source's); a changed pattern renames clusters", async () => {
  const { MemoryCatalog } = await import("../../mod.ts");
  const bytes = await Deno.readFile(new URL("go-reference/small.snap", FIXTURES));
  const source: SnapshotSource = {
    async *list() {
      for (let i = 0; i < 6; i++) {
        yield { key: `eu-prod-${i}.snap`, size: bytes.length, etag: "e", modified: i };
      }
    },
    open: () => Promise.resolve(new Blob([bytes]).stream()),
    delete: () => Promise.resolve(),
  };
  const broken = new MemoryCatalog();
  broken.put = () => Promise.reject(new Error("disk full"));
  await watchOnce(source, broken).then(
    () => assert.fail("resolved"),
    (error) => assert.equal(error.message, "disk full"),
  );
  const catalog = new MemoryCatalog();
  const first = await watchOnce(source, catalog);
  assert.deepEqual(first.clusters.map((c) => c.cluster), [""]);
  const second = await watchOnce(source, catalog, { clusterPattern: "^([a-z]+)-" });
  assert.equal(second.totals.verified, 0);
  assert.deepEqual(second.clusters.map((c) => [c.cluster, c.good]), [["eu", 6]]);
});

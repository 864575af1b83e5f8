// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The edge server sheds load instead of dying: `serve:edge` (a subprocess, on loopback) with
// a small --max-concurrent-uploads takes 200 stalled uploads (raw connections that send their
// headers and a few bytes, then nothing), truncated uploads, valid 1000:1 uploads and good
// uploads, all at once. Every good upload is stored byte for byte (a 503 busy, or a
// connection the server closed while refusing, is retried), nothing else is stored, and
// afterwards a good upload is answered at once. Peak RSS is printed, not asserted.

import { toSnapshotMeta, writeSnapshot, writeSnapshotTar } from "../../mod.ts";
import { nativeSha256 } from "../../src/deno/native_sha256.ts";
import { assert, collect, FIXTURES, goManifest, hex } from "../_helpers.ts";
import { startEdgeServer } from "../_edge_helpers.ts";
import { gzipStored } from "../_mutations.ts";

const MIB = 1024 * 1024;
const SLOTS = 3;
const STALLED = 200;
/** The server's upload timeout: what frees a slot a stalled sender holds. */
const SERVER_TIMEOUT = 2000;
/**
 * How long a client keeps retrying a busy server before the test gives up on it: a safety
 * net (the retries end once an upload is taken), not a figure under test.
 */
const CLIENT_DEADLINE = 60_000;

function sha256(bytes: Uint8Array): string {
  const hasher = nativeSha256() as { update(b: Uint8Array): void; digest(): Uint8Array };
  hasher.update(bytes);
  return hex(hasher.digest());
}

/** A distinct good archive of `size` random state bytes (gzip with stored blocks). */
async function randomArchive(n: number, size: number): Promise<Uint8Array<ArrayBuffer>> {
  const state = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(state.subarray(at, Math.min(size, at + 65536)));
  }
  const meta = toSnapshotMeta({ id: `9-${n}-1700000000000`, index: n, term: 9, size });
  return gzipStored(await collect(writeSnapshotTar(meta, state, { hasher: nativeSha256 })));
}

/** A valid archive of 32 MiB of zeros: ~33 KiB, about 1000 bytes out per byte in. */
async function zerosArchive(n: number): Promise<Uint8Array<ArrayBuffer>> {
  const size = 32 * MIB;
  const meta = { id: `8-${n}-1700000000000`, index: n, term: 8, size };
  return await collect(writeSnapshot(meta, new Uint8Array(size), { useWorker: false }));
}

/**
 * A sender that stalls: a raw connection that sends its headers (announcing the whole
 * archive) and the first 10 bytes, then nothing. Resolves to the status the server
 * answered with (or "closed" if it closed without one) once `done` is called or the
 * answer came.
 */
async function stalledSender(url: URL, archive: Uint8Array) {
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  const head = `POST / HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/gzip\r\n` +
    `Content-Length: ${archive.length}\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head));
  await conn.write(archive.subarray(0, 10));
  let text = "";
  const answered = (async () => {
    const buffer = new Uint8Array(4096);
    try {
      while (!text.includes("\r\n")) {
        const n = await conn.read(buffer);
        if (n === null) break;
        text += new TextDecoder().decode(buffer.subarray(0, n));
      }
    } catch {
      // Closed by us at the end, or reset by the server.
    }
    const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
    return status ? Number(status) : "closed";
  })();
  return {
    answered,
    close() {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    },
  };
}

interface Answer {
  status: number | "error";
  code?: string;
  key?: string;
  retryAfter?: string | null;
}

async function post(url: URL, bytes: Uint8Array<ArrayBuffer>): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method: "POST",
      body: bytes,
      headers: { "content-type": "application/gzip" },
    });
    const body = await response.json();
    return {
      status: response.status,
      code: body.ok ? undefined : body.error.code,
      key: body.key ?? undefined,
      retryAfter: response.headers.get("retry-after"),
    };
  } catch {
    // The server may answer 503 and close before the client finished sending.
    return { status: "error" };
  }
}

/** Posts until the answer is not busy (nor a connection the server closed), or the deadline. */
async function postUntilTaken(url: URL, bytes: Uint8Array<ArrayBuffer>) {
  const deadline = Date.now() + CLIENT_DEADLINE;
  const seen: Answer[] = [];
  for (;;) {
    const answer = await post(url, bytes);
    seen.push(answer);
    const busy = answer.status === 503 || answer.status === "error";
    if (!busy || Date.now() > deadline) return { last: answer, seen };
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 150));
  }
}

Deno.test({
  name: `edge server sheds load: ${STALLED} stalled uploads, truncated, 1000:1 and good ones, ` +
    `${SLOTS} slots`,
  sanitizeResources: true,
  sanitizeOps: true,
}, async () => {
  const manifest = await goManifest();
  const goGood = manifest.fixtures.filter((f) => f.verify_ok).map((f) => f.file);
  const goCut = ["truncated-gzip.snap", "truncated-tar.snap", "truncated-tar-header.snap"];
  const read = (name: string) => Deno.readFile(new URL(`go-reference/${name}`, FIXTURES));
  const good = [
    ...await Promise.all(goGood.map(read)),
    ...await Promise.all(Array.from({ length: 6 }, (_, n) => randomArchive(n + 1, 256 * 1024))),
  ];
  const truncated = [
    ...await Promise.all(goCut.map(read)),
    ...(await Promise.all([7, 8, 9].map((n) => randomArchive(n, 256 * 1024))))
      .map((bytes) => bytes.slice(0, bytes.length - 1000)),
  ];
  const ratio = await Promise.all([1, 2, 3].map(zerosArchive));
  assert.ok(ratio.every((bytes) => bytes.length < 64 * 1024), "the 1000:1 archives are small");

  const server = await startEdgeServer({
    args: [
      "--max-concurrent-uploads",
      String(SLOTS),
      "--retry-after",
      "1",
      "--timeout",
      String(SERVER_TIMEOUT),
      "--max-bytes",
      "4m",
    ],
    prefix: "raftsnap-edge-shed-",
  });
  const senders: Awaited<ReturnType<typeof stalledSender>>[] = [];
  let peak = 0;
  try {
    // The stalled senders come first and take every slot; then everything else at once.
    for (let i = 0; i < STALLED; i++) senders.push(await stalledSender(server.url, good.at(-1)!));
    const taken = (set: Uint8Array<ArrayBuffer>[]) =>
      Promise.all(set.map((bytes) => postUntilTaken(server.url, bytes)));
    const [goodRuns, truncatedRuns, ratioRuns] = await Promise.all([
      taken(good),
      taken(truncated),
      taken(ratio),
    ]);
    const stalledAnswers = await Promise.all(senders.map((s) => {
      const timer = setTimeout(() => s.close(), SERVER_TIMEOUT * 2);
      return s.answered.finally(() => clearTimeout(timer));
    }));

    // A good upload afterwards is answered at once: every slot came back.
    const after = await randomArchive(100, 64 * 1024);
    const afterAnswer = await post(server.url, after);
    peak = await server.peakRss();

    const statuses = (runs: { last: Answer }[]) => runs.map((r) => r.last.status);
    console.log(
      `  stalled: ${count(stalledAnswers)}; good: ${count(statuses(goodRuns))} after ` +
        `${goodRuns.reduce((n, r) => n + r.seen.length, 0)} tries; truncated: ` +
        `${count(statuses(truncatedRuns))}; 1000:1: ${count(statuses(ratioRuns))}; ` +
        `server peak RSS ${(peak / MIB).toFixed(1)} MiB`,
    );

    // Each stalled sender was shed (503) or timed out in its slot (408); most were shed.
    for (const status of stalledAnswers) assert.ok(status === 503 || status === 408, `${status}`);
    assert.ok(stalledAnswers.filter((s) => s === 503).length >= STALLED - SLOTS * 4);
    // Every busy answer is a 503 busy with Retry-After.
    for (const run of [...goodRuns, ...truncatedRuns, ...ratioRuns]) {
      for (const answer of run.seen.filter((a) => a.status === 503)) {
        assert.equal(answer.code, "busy");
        assert.equal(answer.retryAfter, "1");
      }
    }
    for (const [i, run] of goodRuns.entries()) {
      assert.equal(run.last.status, 201, `good upload ${i}: ${JSON.stringify(run.seen)}`);
    }
    for (const run of truncatedRuns) {
      assert.equal(run.last.status, 400, JSON.stringify(run.seen));
      assert.ok(["truncated", "gzip-checksum"].includes(run.last.code!), run.last.code);
    }
    for (const run of ratioRuns) {
      assert.equal(run.last.status, 413, JSON.stringify(run.seen));
      assert.equal(run.last.code, "inflate-limit");
    }
    assert.equal(afterAnswer.status, 201, JSON.stringify(afterAnswer));

    // The folder holds exactly the good uploads, byte for byte, and no staging file.
    const names: string[] = [];
    for await (const entry of Deno.readDir(server.dir)) names.push(entry.name);
    const stored = [...good, after];
    const keys = [...goodRuns.map((r) => r.last.key!), afterAnswer.key!];
    assert.deepEqual(names.sort(), [...new Set(keys)].sort());
    for (const [i, bytes] of stored.entries()) {
      const key = keys[i]!;
      const onDisk = await Deno.readFile(`${server.dir}/${key}`);
      assert.equal(sha256(onDisk), sha256(bytes), key);
      assert.ok(key.endsWith(`-${sha256(bytes).slice(0, 16)}.snap`), key);
    }
  } finally {
    for (const sender of senders) sender.close();
    await Promise.all(senders.map((s) => s.answered));
    await server.stop();
    await Deno.remove(server.dir, { recursive: true });
  }
});

function count(values: (number | string)[]): string {
  const tally = new Map<string, number>();
  for (const value of values) tally.set(String(value), (tally.get(String(value)) ?? 0) + 1);
  return [...tally].map(([value, n]) => `${n} × ${value}`).join(", ");
}

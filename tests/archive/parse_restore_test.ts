// Copyright 2026 the raftsnap authors. Apache-2.0 license.

import {
  createAesGcmSealer,
  MemorySpool,
  parseSnapshot,
  restoreSnapshot,
  Snapshot,
  SnapshotError,
  type Spool,
  verifySnapshot,
  writeSnapshot,
} from "../../mod.ts";
import { FileSpool } from "../../src/deno/file_spool.ts";
import {
  assert,
  chunked,
  collect,
  goManifest,
  hex,
  randomSizes,
  readFixture,
  verdict,
} from "../_helpers.ts";

const manifest = await goManifest();
const good = manifest.fixtures.filter((f) => f.verify_ok);
const bad = manifest.fixtures.filter((f) => !f.verify_ok);

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

for (const fixture of good) {
  Deno.test(`parseSnapshot() streams the state of ${fixture.file} and closes after it verified`, async () => {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const parsed = parseSnapshot(chunked(bytes, randomSizes(4, 3000)));
    const state = await collect(parsed.state);
    const result = await parsed.result;
    const meta = await parsed.meta;
    assert.equal(await sha256Hex(state), result.stateSha256);
    assert.equal(meta, result.meta);
    assert.equal(state.length, Number(meta.size));
  });
}

for (const fixture of bad) {
  Deno.test(`parseSnapshot() errors the state stream of ${fixture.file} instead of closing it`, async () => {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const expected = await verdict(verifySnapshot(bytes));
    const parsed = parseSnapshot(bytes);
    const streamVerdict = await verdict(collect(parsed.state));
    assert.equal(streamVerdict, expected);
    assert.equal(await verdict(parsed.result), expected);
  });

  Deno.test(`restoreSnapshot() never calls apply for ${fixture.file} and empties the spool`, async () => {
    const bytes = await readFixture(`go-reference/${fixture.file}`);
    const spools: Spool[] = [];
    let disposed = 0;
    let applied = false;
    const code = await verdict(
      restoreSnapshot(bytes, () => {
        applied = true;
      }, {
        spool: () => {
          const spool = new MemorySpool();
          const dispose = spool.dispose.bind(spool);
          spool.dispose = () => (disposed++, dispose());
          spools.push(spool);
          return spool;
        },
      }),
    );
    assert.notEqual(code, "ok");
    assert.equal(applied, false);
    assert.equal(spools.length, 1);
    assert.equal(disposed, 1);
    assert.equal(spools[0]!.size, 0);
  });
}

Deno.test("parseSnapshot() delivers state while the archive is still being read", async () => {
  const bytes = await readFixture("go-reference/one-mib.snap");
  const parsed = parseSnapshot(chunked(bytes, [16384]), { stateBuffer: 65536 });
  const reader = parsed.state.getReader();
  let seen = 0;
  let resolved = false;
  parsed.result.then(() => (resolved = true), () => {});
  const first = await reader.read();
  seen += first.value!.length;
  assert.equal(resolved, false, "the result resolved before the state was read");
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += value.length;
  }
  assert.equal(seen, 1048576);
  assert.equal((await parsed.result).stateSize, 1048576);
});

Deno.test("parseSnapshot() stops the whole pass when its state stream is cancelled", async () => {
  const bytes = await readFixture("go-reference/one-mib.snap");
  let pulled = 0;
  const source = chunked(bytes, (i) => (pulled = i, 8192));
  const parsed = parseSnapshot(source, { stateBuffer: 16384 });
  const reader = parsed.state.getReader();
  await reader.read();
  await reader.cancel(new Error("enough"));
  await assert.rejects(parsed.result);
  assert.ok(pulled < 100, `read ${pulled} chunks of 8 KiB after cancel`);
});

Deno.test("write, verify, parse and restore round-trip, sealed and unsealed, empty state included", async () => {
  const sealer = await createAesGcmSealer(manifest.seal_key_hex);
  const random = crypto.getRandomValues(new Uint8Array(65536));
  const states = [
    new Uint8Array(0),
    new TextEncoder().encode("x"),
    new Uint8Array(3 * 1024 * 1024).map((_, i) => random[i % 65536]! ^ (i >> 16)),
  ];
  for (const state of states) {
    for (const withSealer of [undefined, sealer]) {
      const meta = {
        id: "3-77-1",
        index: 77,
        term: 3,
        size: state.length,
        configuration: { servers: [{ suffrage: 0, id: "a", address: "10.0.0.1:8300" }] },
      };
      const archive = await collect(
        writeSnapshot(meta, chunked(state, randomSizes(state.length, 100000)), {
          sealer: withSealer,
        }),
      );
      const verified = await verifySnapshot(archive, { sealer: withSealer });
      assert.equal(verified.sealed, withSealer !== undefined);
      assert.equal(verified.sealVerified, withSealer !== undefined);
      assert.equal(verified.stateSha256, await sha256Hex(state));
      assert.deepEqual(verified.meta.configuration.servers, meta.configuration.servers);
      const parsed = parseSnapshot(archive, { sealer: withSealer });
      assert.equal(await sha256Hex(await collect(parsed.state)), verified.stateSha256);
      let restored: Uint8Array<ArrayBuffer> | undefined;
      await restoreSnapshot(archive, async (m, stream) => {
        assert.equal(m.index, 77n);
        restored = await collect(stream);
      }, { sealer: withSealer });
      assert.equal(await sha256Hex(restored!), verified.stateSha256);
    }
  }
});

Deno.test("restoreSnapshot() with a FileSpool removes its temporary file, verified or not", async () => {
  const paths: string[] = [];
  const spool = async () => {
    const s = await FileSpool.create();
    paths.push(s.path);
    return s;
  };
  let text = "";
  await restoreSnapshot(await readFixture("go-reference/small.snap"), async (_meta, stream) => {
    text = new TextDecoder().decode(await collect(stream));
  }, { spool });
  assert.equal(text, "hello raft snapshot\n");
  await assert.rejects(
    restoreSnapshot(await readFixture("go-reference/bad-state-bitflip.snap"), () => {
      throw new Error("apply must not run");
    }, { spool }),
    SnapshotError,
  );
  assert.equal(paths.length, 2);
  for (const path of paths) await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});

Deno.test("MemorySpool refuses more than its cap with spool-full", async () => {
  const bytes = await readFixture("go-reference/one-mib.snap");
  const error = await restoreSnapshot(bytes, () => {}, {
    spool: () => new MemorySpool({ maxBytes: 1000 }),
  })
    .then(() => undefined, (e) => e);
  assert.ok(error instanceof SnapshotError);
  assert.equal(error.code, "spool-full");
});

Deno.test("Snapshot.create() gives Go's Index, Size and Checksum, streams again and closes twice", async () => {
  const state = new TextEncoder().encode("hello raft snapshot\n");
  const snapshot = await Snapshot.create({ index: 5, term: 2, size: state.length }, state);
  const first = await collect(snapshot.stream());
  const second = await collect(snapshot.stream());
  assert.equal(snapshot.index, 5n);
  assert.equal(snapshot.size, first.length);
  assert.deepEqual(first, second);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", first));
  assert.equal(snapshot.checksum, "sha-256=" + btoa(String.fromCharCode(...digest)));
  assert.equal((await verifySnapshot(first)).stateSize, state.length);
  await snapshot.close();
  await snapshot.close();
  assert.throws(() => snapshot.stream(), TypeError);
});

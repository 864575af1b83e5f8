// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// What a JavaScript caller (no type checker) can get wrong: each is a TypeError or
// RangeError that names the field and the expected shape, never a riddle from inside.

import { verifySnapshot, writeSnapshot } from "../../mod.ts";
import { assert } from "../_helpers.ts";

const state = new TextEncoder().encode("hello");

async function thrown(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("nothing was thrown");
}

Deno.test("writeSnapshot() refuses Go's key names and says which field each is", async () => {
  const e = await thrown(() =>
    writeSnapshot({ Version: 1, ID: "x", Index: 5, Term: 2, Size: 5 } as never, state)
  );
  assert.ok(e instanceof TypeError);
  assert.match(
    e.message,
    /not Go's \(Version -> version, ID -> id, Index -> index, Term -> term, Size -> size\)/,
  );
  assert.match(e.message, /decodeMeta/);
});

Deno.test("writeSnapshot() names a missing size, a string index, a bad id, a negative term", async () => {
  const cases: [unknown, ErrorConstructor, RegExp][] = [
    [{ index: 1 }, TypeError, /SnapshotMeta\.size is missing/],
    [
      { index: "5", size: 5 },
      TypeError,
      /SnapshotMeta\.index must be a number or a bigint, got a string \("5"\)/,
    ],
    [{ id: 7, size: 5 }, TypeError, /SnapshotMeta\.id must be a string, got a number \(7\)/],
    [{ term: -1, size: 5 }, RangeError, /SnapshotMeta\.term out of range: -1/],
    [{ size: 1.5 }, RangeError, /SnapshotMeta\.size must be a safe integer/],
    [null, TypeError, /SnapshotMeta must be an object like \{ index, term, size \}, got null/],
  ];
  for (const [meta, cls, message] of cases) {
    const e = await thrown(() => writeSnapshot(meta as never, state));
    assert.ok(e instanceof cls, `${JSON.stringify(meta)}: ${e}`);
    assert.match(e.message, message);
  }
});

Deno.test("verifySnapshot() names what an archive must be: not a path, not a text stream", async () => {
  const path = await thrown(() => verifySnapshot("backup.snap" as never));
  assert.ok(path instanceof TypeError);
  assert.match(path.message, /got string \(encode text with TextEncoder; read files as bytes\)/);
  const text = await thrown(() => verifySnapshot(ReadableStream.from(["abc"]) as never));
  assert.ok(text instanceof TypeError, String(text));
  assert.match(
    text.message,
    /must be a byte stream \(ReadableStream<Uint8Array>\): a chunk is a string/,
  );
});

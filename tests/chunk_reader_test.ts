// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// ChunkReader reads a byte stream in pieces as large as the source has ready, every byte
// once and in order, and never changes a piece it handed on; other streams pass as they are.

import { ChunkReader } from "../src/_chunk_reader.ts";
import { assert, prng } from "./_helpers.ts";

/**
 * A byte stream that enqueues `chunks` all at its start, or one a pull. Closing answers
 * a waiting BYOB read with `respond(0)`, as the Streams standard asks of a byte source.
 */
function byteStream(chunks: Uint8Array[], eager: boolean, onCancel?: (r: unknown) => void) {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    start(controller) {
      if (!eager) return;
      for (const chunk of chunks) controller.enqueue(chunk.slice());
      controller.close();
    },
    pull(controller) {
      if (eager) return;
      if (i < chunks.length) return controller.enqueue(chunks[i++]!.slice());
      controller.close();
      (controller as ReadableByteStreamController).byobRequest?.respond(0);
    },
    cancel: onCancel,
  });
}

async function readAll(reader: ChunkReader): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return pieces;
    pieces.push(value);
  }
}

function randomChunks(seed: number, count: number, max: number): Uint8Array[] {
  const next = prng(seed);
  return Array.from({ length: count }, () => {
    const chunk = new Uint8Array(1 + Math.floor(next() * max));
    for (let i = 0; i < chunk.length; i++) chunk[i] = Math.floor(next() * 256);
    return chunk;
  });
}

const join = (parts: Uint8Array[]) => parts.flatMap((p) => [...p]);

Deno.test("ChunkReader: a byte stream's bytes once and in order, queued chunks read together", async () => {
  for (const [eager, max] of [[true, 100], [false, 100], [true, 70_000], [false, 1]] as const) {
    const chunks = randomChunks(eager ? 1 : 2, max > 1000 ? 40 : 400, max);
    const pieces = await readAll(new ChunkReader(byteStream(chunks, eager)));
    // Every piece is kept, then compared: a reused buffer would have changed earlier ones.
    assert.deepEqual(join(pieces), join(chunks), `eager ${eager}, chunks up to ${max}`);
    if (eager && max === 100) {
      assert.ok(pieces.length < chunks.length / 10, `${pieces.length} reads of 400 chunks`);
    }
  }
});

Deno.test("ChunkReader: other streams pass chunk by chunk, as they are", async () => {
  const chunks = randomChunks(3, 50, 300);
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull: (c) => i < chunks.length ? c.enqueue(chunks[i++]!) : c.close(),
  });
  const pieces = await readAll(new ChunkReader(stream));
  assert.equal(pieces.length, chunks.length);
  assert.ok(pieces.every((p, k) => p === chunks[k]), "a chunk was copied or merged");
});

Deno.test("ChunkReader: cancel reaches the source, and releaseLock frees the stream", async () => {
  let reason: unknown;
  const stream = byteStream(randomChunks(4, 10, 10), false, (r) => reason = r);
  const reader = new ChunkReader(stream);
  await reader.read();
  await reader.cancel("stop");
  assert.equal(reason, "stop");
  const other = byteStream([Uint8Array.of(1)], true);
  new ChunkReader(other).releaseLock();
  assert.deepEqual(join(await readAll(new ChunkReader(other))), [1]);
});

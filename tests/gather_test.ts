// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The Gatherer hands on every byte once, in order, in pieces of its size (a large chunk
// with nothing waiting passes as it is), and never hands on a chunk it was given small.

import { Gatherer } from "../src/_gather.ts";
import { assert, prng } from "./_helpers.ts";

async function gather(chunks: Uint8Array[], size: number) {
  const gatherer = new Gatherer(size);
  const pieces: Uint8Array[] = [];
  const handOn = (piece: Uint8Array) => {
    pieces.push(piece);
    return Promise.resolve();
  };
  for (const chunk of chunks) await gatherer.add(chunk, handOn);
  await gatherer.flush(handOn);
  return pieces;
}

Deno.test("Gatherer: every byte once, in order, in pieces of its size", async () => {
  const next = prng(3);
  for (const size of [1, 7, 4096]) {
    for (const max of [1, 5, 4096, 20_000]) {
      const chunks: Uint8Array[] = Array.from({ length: 50 }, () => {
        const chunk = new Uint8Array(Math.floor(next() * max));
        for (let i = 0; i < chunk.length; i++) chunk[i] = Math.floor(next() * 256);
        return chunk;
      });
      const pieces = await gather(chunks, size);
      const all = chunks.flatMap((c) => [...c]);
      assert.deepEqual(pieces.flatMap((p) => [...p]), all, `size ${size}, chunks up to ${max}`);
      // Every piece but the last is full, unless it is a large chunk passed as it is.
      for (const piece of pieces.slice(0, -1)) {
        assert.ok(piece.length === size || chunks.includes(piece), `a piece of ${piece.length}`);
      }
      // A small chunk is copied: the runtime may reuse its buffer.
      for (const chunk of chunks.filter((c) => c.length < size)) {
        assert.ok(!pieces.some((p) => p.buffer === chunk.buffer), "a small chunk was handed on");
      }
    }
  }
});

Deno.test("Gatherer: discard drops what waits; flush of nothing hands on nothing", async () => {
  const gatherer = new Gatherer(8);
  const pieces: Uint8Array[] = [];
  const handOn = (piece: Uint8Array) => {
    pieces.push(piece);
    return Promise.resolve();
  };
  await gatherer.add(Uint8Array.of(1, 2, 3), handOn);
  gatherer.discard();
  await gatherer.flush(handOn);
  assert.equal(pieces.length, 0);
  await gatherer.add(Uint8Array.of(4, 5), handOn);
  await gatherer.flush(handOn);
  assert.deepEqual(pieces.map((p) => [...p]), [[4, 5]]);
});

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Hostile archive generators for bench/bench_hostile.ts and tests/hostile_members_test.ts:
// a snapshot's tar gzipped as many small members (valid: Go's gzip reader joins them),
// the same cut short or with failing members, and a high-ratio single member. The tar is
// the library's own (writeSnapshotTar); the members are node:zlib's (fast, and a second
// gzip implementation beside the platform's). Deno only: never imported by src/.

import { gzipSync } from "node:zlib";
import { writeSnapshotTar } from "../mod.ts";

/** Fixed, so generated archives are the same from run to run. */
const MOD_TIME = new Date(1_700_000_000_000);

/** The tar of a snapshot of `state` (meta: id `hostile-1-100`, index 100, term 1). */
export async function snapshotTar(state: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const tar = writeSnapshotTar(
    { id: "hostile-1-100", index: 100, term: 1, size: state.length },
    state,
    { modTime: MOD_TIME },
  );
  return new Uint8Array(await new Response(tar).arrayBuffer());
}

/** A gzip stream of several members, and where each member ends. */
export interface Members {
  /** The members, back to back. */
  bytes: Uint8Array;
  /** The offset just past each member's trailer, in order. */
  ends: number[];
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Gzips `data` as `count` members of nearly equal size (the first `data.length % count`
 * one byte longer). Members of zeros are compressed once per length and repeated, so a
 * million members of a mostly-zero tar take a second, not minutes.
 *
 * @throws {RangeError} when `count` is not in [1, data.length].
 */
export function gzipMembers(data: Uint8Array, count: number, level = 6): Members {
  if (!Number.isInteger(count) || count < 1 || count > Math.max(1, data.length)) {
    throw new RangeError(`cannot cut ${data.length} bytes into ${count} members`);
  }
  const base = Math.floor(data.length / count);
  const extra = data.length % count;
  const zeros = new Map<number, Uint8Array>();
  const parts: Uint8Array[] = [];
  const ends: number[] = [];
  let total = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const piece = data.subarray(at, at + base + (i < extra ? 1 : 0));
    at += piece.length;
    let member: Uint8Array;
    if (isZero(piece)) {
      member = zeros.get(piece.length) ?? gzipSync(piece, { level });
      zeros.set(piece.length, member);
    } else {
      member = gzipSync(piece, { level });
    }
    parts.push(member);
    total += member.length;
    ends.push(total);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { bytes, ends };
}

/**
 * A copy of `members` with the CRC-32 of the chosen members wrong (its first byte
 * flipped), as a disk or a hostile writer might leave it.
 *
 * @param which The indexes of the members to spoil.
 */
export function spoilCrcs(members: Members, which: Iterable<number>): Uint8Array {
  const bytes = members.bytes.slice();
  for (const i of which) {
    const end = members.ends[i];
    if (end === undefined) throw new RangeError(`no member ${i}`);
    bytes[end - 8] = bytes[end - 8]! ^ 0xff;
  }
  return bytes;
}

/** `bytes` cut to `fraction` of its length (0 < fraction < 1). */
export function cutAt(bytes: Uint8Array, fraction: number): Uint8Array {
  return bytes.subarray(0, Math.floor(bytes.length * fraction));
}

/**
 * `members` with a garbage member inserted before member `at` (`at` = the count: after
 * the last): a 10-byte gzip header, so it reads as a new member, then bytes that are no
 * deflate data.
 */
export function withGarbageMember(members: Members, at: number): Uint8Array {
  const garbage = new Uint8Array([
    0x1f,
    0x8b,
    8,
    0,
    0,
    0,
    0,
    0,
    0,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
  ]);
  const end = at === 0 ? 0 : members.ends[at - 1]!;
  const out = new Uint8Array(members.bytes.length + garbage.length);
  out.set(members.bytes.subarray(0, end));
  out.set(garbage, end);
  out.set(members.bytes.subarray(end), end + garbage.length);
  return out;
}

/** A stream of `size` zero bytes, in fresh chunks of at most 1 MiB. */
export function zeroStream(size: number): ReadableStream<Uint8Array> {
  let left = size;
  return new ReadableStream({
    pull(controller) {
      if (left === 0) return controller.close();
      const n = Math.min(left, 1 << 20);
      left -= n;
      controller.enqueue(new Uint8Array(n));
    },
  });
}

/**
 * A snapshot of `size` zero bytes as one gzip member (about 1030:1 at level 6): the
 * archive a Go `raft` writes for a state of zeros, streamed, so its size is not bounded
 * by memory.
 */
export function zeroSnapshot(size: number): ReadableStream<Uint8Array> {
  const tar = writeSnapshotTar(
    { id: "ratio-1-100", index: 100, term: 1, size },
    zeroStream(size),
    { modTime: MOD_TIME },
  );
  return tar.pipeThrough(
    new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
}

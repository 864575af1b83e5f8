// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { type ArchiveInput, toByteStream } from "./_input.ts";
import { readArchive, type ReadOptions, type VerifyResult } from "./read_archive.ts";
import type { SnapshotMeta } from "../format/meta.ts";
import { MemorySpool, type SpoolFactory } from "./spool.ts";

/** Options of {@linkcode restoreSnapshot}. */
export interface RestoreOptions extends ReadOptions {
  /**
   * Where the state waits while the archive is verified.
   *
   * @default {() => new MemorySpool()}
   */
  spool?: SpoolFactory;
}

/**
 * Go's `snapshot.Restore`: spools `state.bin`, verifies the whole archive, and only then
 * hands the state to `apply`. An archive that fails never reaches `apply`, and the spool
 * is disposed of whatever happens.
 *
 * @example Restoring into memory
 * ```ts
 * import { restoreSnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const state = new TextEncoder().encode("fsm state");
 * let restored = "";
 * await restoreSnapshot(writeSnapshot({ index: 3, term: 1, size: state.length }, state), async (meta, stream) => {
 *   restored = `${meta.index}:${await new Response(stream).text()}`;
 * });
 * if (restored !== "3:fsm state") throw new Error(restored);
 * ```
 *
 * @param archive The `.snap` bytes.
 * @param apply Receives the verified metadata and state; the stream is valid until it returns.
 * @param options As for {@linkcode verifySnapshot}, plus the spool.
 * @returns The verification result, once `apply` has finished.
 * @throws {SnapshotError} when the archive is bad (and `apply` was not called).
 */
export async function restoreSnapshot(
  archive: ArchiveInput,
  apply: (meta: SnapshotMeta, state: ReadableStream<Uint8Array>) => void | Promise<void>,
  options: RestoreOptions = {},
): Promise<VerifyResult> {
  const spool = await (options.spool ?? (() => new MemorySpool()))();
  const writer = spool.writable.getWriter();
  try {
    let result: VerifyResult;
    try {
      result = await readArchive(toByteStream(archive), options, {
        state: (chunk) => writer.write(chunk),
      });
      await writer.close();
    } catch (error) {
      await writer.abort(error).catch(() => {});
      throw error;
    }
    await apply(result.meta, spool.readable());
    return result;
  } finally {
    await spool.dispose();
  }
}

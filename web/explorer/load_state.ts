// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * Reads a `.snap` once for the explorer: `parseSnapshot` verifies it as it streams, its
 * state goes to the spool (to read values again later) and through `decodeRecords`
 * (redacted) into the index, one chunk at a time with backpressure, so memory holds the
 * index and a few chunks whatever the state's size. Records are browsable as they arrive;
 * the state stream errors (and so does this) if the archive fails to verify.
 *
 * @module
 */

import {
  decodeRecords,
  parseSnapshot,
  type Sealer,
  type Sha256Factory,
  type SnapshotMeta,
  type VerifyResult,
} from "../../mod.ts";
import { openSpool, type Spool } from "./spool.ts";
import { StateIndex } from "./state_index.ts";

/** A state being read, then read. */
export interface LoadingState {
  /** Filled as records arrive. */
  index: StateIndex;
  /** The spooled state. */
  spool: Spool;
  /** The state's size, once meta.json was read. */
  stateSize: number | undefined;
  /** The snapshot's metadata, once read. */
  meta: SnapshotMeta | undefined;
  /** Resolves once every record is in and the archive verified. */
  done: Promise<VerifyResult>;
}

/** Options of {@linkcode loadState}. */
export interface LoadStateOptions {
  hasher?: Sha256Factory;
  sealer?: Sealer;
  signal?: AbortSignal;
}

/** Starts reading `snap` into an index and a spool. */
export async function loadState(
  snap: ReadableStream<Uint8Array>,
  options: LoadStateOptions = {},
): Promise<LoadingState> {
  const spool = await openSpool();
  const index = new StateIndex();
  const parsed = parseSnapshot(snap, {
    hasher: options.hasher,
    sealer: options.sealer,
    signal: options.signal,
  });
  const loading: LoadingState = {
    index,
    spool,
    stateSize: undefined,
    meta: undefined,
    done: undefined!,
  };
  parsed.meta.then((meta) => {
    loading.meta = meta;
    loading.stateSize = Number(meta.size);
  }, () => {});
  parsed.result.catch(() => {}); // awaited below; the state stream reports it first
  const spooled = parsed.state.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        await spool.write(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
  loading.done = (async () => {
    try {
      const reader = decodeRecords(spooled, {
        redact: true,
        signal: options.signal,
        onProduct: (product) => index.product = product,
      }).getReader();
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        index.add(value);
      }
      await spool.close();
      index.stateEnd = spool.size;
      index.sortKeys();
      index.version++;
      return await parsed.result;
    } catch (error) {
      await spool.dispose();
      throw error;
    }
  })();
  return loading;
}

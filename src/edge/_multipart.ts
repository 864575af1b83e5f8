// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Staging uploads in object storage, for `R2Store` and `S3Store`: the upload's bytes are
 * cut into parts of exactly `partSize` (R2 wants every part but the last the same size; S3
 * wants at least 5 MiB), sent as the parts of a multipart upload under a staging key,
 * with at most two parts in memory (one filling, one in flight). The final key and the
 * metadata are known only once the archive verified, and both services fix them when a
 * multipart upload is created: so a verified upload is completed under its staging key,
 * copied to its key with its metadata, and the staging object deleted. An upload no
 * bigger than one part never starts a multipart upload: it is put once, at its key.
 * Every failure aborts the multipart upload (or deletes the staging object).
 */

import type { StagedUpload, VerifiedUpload } from "./store.ts";

/** The least part size S3 accepts (every part but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** The part size the stores use by default. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/** One uploaded part, as CompleteMultipartUpload wants it. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/** What a stored object says about itself, enough to tell a re-upload of the same bytes. */
export interface StoredObject {
  size: number;
  checksum: string | undefined;
}

/** The operations a store needs from the service. */
export interface ObjectBackend<Upload> {
  head(key: string): Promise<StoredObject | undefined>;
  put(key: string, bytes: Uint8Array, metadata: Record<string, string>): Promise<void>;
  create(key: string, signal: AbortSignal): Promise<Upload>;
  uploadPart(
    upload: Upload,
    partNumber: number,
    bytes: Uint8Array,
    signal: AbortSignal,
  ): Promise<UploadedPart>;
  complete(upload: Upload, parts: UploadedPart[]): Promise<void>;
  abort(upload: Upload): Promise<void>;
  /** Copies `from` to `to` with `metadata` (replacing the source's). */
  copy(from: string, to: string, metadata: Record<string, string>, size: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The custom metadata a stored snapshot carries. */
export function snapshotMetadata(upload: VerifiedUpload): Record<string, string> {
  const { meta, stateSha256 } = upload.result;
  return {
    "snapshot-id": meta.id,
    "snapshot-index": String(meta.index),
    "snapshot-term": String(meta.term),
    "state-sha256": stateSha256,
    "archive-checksum": upload.checksum,
  };
}

function swallow(promise: Promise<unknown> | undefined): Promise<void> {
  return (promise ?? Promise.resolve()).then(() => {}, () => {});
}

/**
 * Stages one upload on `backend`; see the module documentation.
 *
 * @param keyFor The object key of a name (`snapshotKey`'s, or the staging name).
 */
export function stageMultipart<Upload>(
  backend: ObjectBackend<Upload>,
  options: { partSize: number; keyFor: (name: string) => string },
): StagedUpload {
  const { partSize, keyFor } = options;
  const stagingKey = keyFor(`.staging-${crypto.randomUUID()}`);
  const stop = new AbortController();
  let buffer: Uint8Array | undefined = new Uint8Array(partSize);
  let filled = 0;
  let creating: Promise<Upload> | undefined;
  let inFlight: Promise<void> | undefined;
  const parts: UploadedPart[] = [];
  let ended = false;
  let closed = false;
  let completed = false;

  const end = (what: string) => {
    if (ended) throw new Error(`the staged upload was already committed or aborted (${what})`);
    ended = true;
  };

  /** Sends the buffer as the next part (after the one in flight); the second buffer fills. */
  const send = async (bytes: Uint8Array) => {
    creating ??= backend.create(stagingKey, stop.signal);
    const previous = inFlight;
    const partNumber = parts.length + 1;
    parts.push({ partNumber, etag: "" });
    const sending = (async () => {
      const upload = await creating!;
      await previous; // in order, one at a time: at most two parts in memory
      const part = await backend.uploadPart(upload, partNumber, bytes, stop.signal);
      parts[partNumber - 1] = part;
    })();
    sending.catch(() => {}); // seen by the next write, by close, or dropped by abort
    inFlight = sending;
    // Wait for the previous part only: this one uploads while the next one fills.
    await previous;
  };

  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      let at = 0;
      while (at < chunk.length) {
        if (stop.signal.aborted) throw stop.signal.reason;
        const n = Math.min(partSize - filled, chunk.length - at);
        buffer!.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === partSize) {
          const full = buffer!;
          buffer = new Uint8Array(partSize);
          filled = 0;
          await send(full);
        }
      }
    },
    async close() {
      closed = true;
      // A multipart upload gets its last (shorter) part now; a smaller upload waits for
      // commit, which puts it at once under its key.
      if (creating !== undefined && filled > 0) {
        const last = buffer!.subarray(0, filled);
        buffer = undefined;
        filled = 0;
        await send(last);
      }
      await inFlight;
    },
  });

  const dropStaging = async () => {
    stop.abort(new Error("the staged upload was aborted"));
    buffer = undefined;
    if (completed) return await backend.delete(stagingKey);
    if (creating === undefined) return;
    await swallow(inFlight);
    let upload: Upload;
    try {
      upload = await creating;
    } catch {
      return; // never created
    }
    await backend.abort(upload);
  };

  return {
    writable,
    async commit(upload: VerifiedUpload) {
      end("commit");
      const key = keyFor(upload.key);
      const metadata = snapshotMetadata(upload);
      try {
        if (!closed) throw new Error("commit before the staged writable closed");
        const existing = await backend.head(key);
        if (existing) {
          if (existing.size === upload.size && existing.checksum === upload.checksum) {
            await dropStaging();
            return upload.key; // the same snapshot, stored before
          }
          throw new Error(`${upload.key} is already stored with different bytes`);
        }
        if (creating === undefined) {
          const bytes = buffer!.subarray(0, filled);
          buffer = undefined;
          await backend.put(key, bytes, metadata);
          return upload.key;
        }
        const staged = await creating;
        await backend.complete(staged, parts);
        completed = true;
      } catch (error) {
        await dropStaging().catch(() => {});
        throw error;
      }
      // Completed under the staging key: copy it to its key, then drop the staging object.
      try {
        await backend.copy(stagingKey, key, metadata, upload.size);
      } finally {
        await backend.delete(stagingKey).catch(() => {});
      }
      return upload.key;
    },
    async abort() {
      end("abort");
      await dropStaging();
    },
  };
}

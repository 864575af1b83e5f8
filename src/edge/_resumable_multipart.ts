// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Resumable uploads staged in object storage, for `R2Store.resumable()` and
 * `S3Store.resumable()`. An upload's bytes are cut into parts of exactly `partSize`
 * (independent of how the client cut its requests), each written once, as a readable
 * object `<prefix>.tus-staging/<id>/part-<n>`: a lost verifier is rebuilt by replaying
 * the staged bytes, and a multipart upload's parts cannot be read before it completes,
 * so no multipart upload is open while an upload is staged. The
 * bytes after the last full part (under `partSize`) stay in memory while a request runs;
 * each `flush` writes the bytes it adds to them as a readable segment
 * `tail-<parts>-<start>` (so many small requests cost no more than a few big ones): a
 * resume, in this process or another, reads them back and continues filling the part.
 *
 * The state (the record, the staged parts, the tail's segments, the commit's multipart
 * upload while it runs) is kept by a
 * {@linkcode ResumableRecords}: an object beside the staging by default
 * (`<prefix>.tus-records/<id>.json`), a Durable Object's storage in the Worker. It is
 * written after the bytes it counts, so a crash between the two only loses bytes the
 * record never claimed.
 *
 * Commit (the archive verified) creates a multipart upload at the snapshot's key with its
 * metadata, records its id (so no multipart upload is ever left without a record that
 * can abort it), fills its parts from the staged objects (S3: UploadPartCopy, no byte
 * through the server; R2's binding: each object's body streamed into `uploadPart`, as
 * the single-request commit streams its staging object to its key), sends the tail from
 * memory as the last part, completes it, and deletes everything staged: each byte is
 * written once while staging and once at commit, as for one request. An upload smaller
 * than one part is put once at its key. A commit that fails aborts its multipart upload
 * and leaves the staged objects and the record as they were (commit may be tried again;
 * the session ends the upload, which deletes them, and expiry would too). Ending an
 * upload any other way deletes every staged object (listed, so a part written after the
 * last record is found too) and aborts a multipart upload a commit cut short left.
 */

import type { VerifiedUpload } from "./store.ts";
import {
  type ObjectBackend,
  snapshotMetadata,
  type StoredObject,
  type UploadedPart,
} from "./_multipart.ts";
import type {
  ResumableEnding,
  ResumableRecord,
  ResumableStore,
  StagedResumable,
} from "./tus/resumable_store.ts";

/** What a resumable store keeps per upload besides its bytes (JSON-safe). */
export interface ResumableState {
  /** The tus record. */
  record: ResumableRecord;
  /**
   * The id of the multipart upload a commit created (at `uploadKey`), while it runs; in
   * states written before the staging was readable objects only, the staging's multipart
   * upload (at `<prefix>.tus-staging/<id>/upload`). Aborted by the next commit or end.
   */
  uploadId?: string;
  /** Where the multipart upload `uploadId` is (absent: the staging's, see `uploadId`). */
  uploadKey?: string;
  /**
   * The full parts staged as readable objects `part-<n>` (each `partSize` bytes), in
   * order (`etag`: only in states written before, the part's in the multipart upload).
   */
  parts: { partNumber: number; etag?: string }[];
  /**
   * Where the readable segments of the bytes after the last part start (each `flush`
   * writes the bytes it adds as one segment), relative to the end of the last part.
   */
  tail?: number[];
}

/**
 * Where a resumable store keeps each upload's state: the record and the multipart
 * upload's parts. By default an object in the bucket; in a Worker, a Durable Object's
 * storage (`ctx.storage` fits with `get`/`put`/`delete` wrapped).
 */
export interface ResumableRecords {
  /** The state of an upload, or undefined. */
  get(id: string): Promise<ResumableState | undefined>;
  /** Replaces the state of an upload. */
  put(state: ResumableState): Promise<void>;
  /** Deletes the state of an upload. */
  delete(id: string): Promise<void>;
  /** Every upload's id, for sweeping; optional. */
  ids?(): AsyncIterable<string>;
}

/** The operations a resumable store needs from the service, beyond a SnapshotStore's. */
export interface ResumableBackend<Upload> extends ObjectBackend<Upload> {
  /** Starts a multipart upload at `key` whose object will carry `metadata`. */
  createWith(key: string, metadata: Record<string, string>, signal: AbortSignal): Promise<Upload>;
  /** Fills part `partNumber` of `upload` with the whole object at `from`. */
  copyPart(
    upload: Upload,
    partNumber: number,
    from: string,
    signal: AbortSignal,
  ): Promise<UploadedPart>;
  /** An object's bytes (the first `length` of them, when given), or undefined. */
  get(key: string, length?: number): Promise<ReadableStream<Uint8Array> | undefined>;
  /** The keys under a prefix. */
  list(prefix: string): AsyncIterable<string>;
  /** A multipart upload created before, from its key and id. */
  resume(key: string, uploadId: string): Upload;
  /** The id of a multipart upload. */
  uploadIdOf(upload: Upload): string;
}

/** The staged parts copied into the commit's multipart upload at a time. */
const COPIES = 4;

const partName = (n: number) => `part-${String(n).padStart(5, "0")}`;
const tailName = (parts: number, start: number) =>
  `tail-${String(parts).padStart(5, "0")}-${String(start).padStart(10, "0")}`;

/** The recorded tail's segments: their keys' names and lengths, in order. */
function tailSegments(state: ResumableState, partSize: number): { name: string; length: number }[] {
  const count = state.parts.length;
  const length = state.record.ended ? 0 : state.record.offset - count * partSize;
  const starts = (state.tail ?? []).filter((start) => start < length);
  return starts.map((start, i) => ({
    name: tailName(count, start),
    length: (starts[i + 1] ?? length) - start,
  }));
}

/** Upload ids are letters, digits, `-` and `_` (the contract): anything else is refused. */
function checkId(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new TypeError(`not an upload id: ${id}`);
  return id;
}

/** Records as JSON objects in the bucket, under `<prefix>.tus-records/<id>.json`. */
export function objectRecords<Upload>(
  backend: ResumableBackend<Upload>,
  prefix: string,
): ResumableRecords {
  const folder = `${prefix}.tus-records/`;
  return {
    async get(id) {
      const body = await backend.get(folder + checkId(id) + ".json");
      if (!body) return undefined;
      return JSON.parse(await new Response(body).text()) as ResumableState;
    },
    async put(state) {
      const json = new TextEncoder().encode(JSON.stringify(state));
      await backend.put(folder + checkId(state.record.id) + ".json", json, {});
    },
    delete: (id) => backend.delete(folder + checkId(id) + ".json"),
    async *ids() {
      for await (const key of backend.list(folder)) {
        const id = /^([A-Za-z0-9_-]+)\.json$/.exec(key.slice(folder.length))?.[1];
        if (id) yield id;
      }
    },
  };
}

/** Options of {@linkcode multipartResumableStore}. */
export interface MultipartResumableOptions {
  /** Bytes per part, at least 5 MiB. */
  partSize: number;
  /** The key prefix. */
  prefix: string;
  /** Where the states are kept (default: objects in the bucket). */
  records?: ResumableRecords;
}

/** A {@linkcode ResumableStore} on a service; see the module documentation. */
export function multipartResumableStore<Upload>(
  backend: ResumableBackend<Upload>,
  options: MultipartResumableOptions,
): ResumableStore {
  const { partSize, prefix } = options;
  const records = options.records ?? objectRecords(backend, prefix);
  // Every record that can be read, for sweeping and counting (where the records list ids).
  const ids = records.ids?.bind(records);
  const stored = ids && async function* () {
    for await (const id of ids()) {
      const state = await records.get(id).catch(() => undefined);
      if (state) yield state.record;
    }
  };
  const stagingOf = (id: string) => `${prefix}.tus-staging/${checkId(id)}/`;

  const staged = async (state: ResumableState): Promise<StagedResumable> => {
    const record = state.record;
    const folder = stagingOf(record.id);
    const uploadKey = folder + "upload";
    // The bytes after the last full part: read back from the tail object on a resume.
    let buffer: Uint8Array | undefined;
    let filled = record.ended ? 0 : record.offset - state.parts.length * partSize;
    if (filled < 0 || filled >= partSize) {
      throw new Error(`the staged state of ${record.id} is inconsistent`);
    }
    if (filled > 0) {
      buffer = new Uint8Array(partSize);
      let at = 0;
      for (const segment of tailSegments(state, partSize)) {
        const body = await backend.get(folder + segment.name, segment.length);
        if (!body) throw new Error(`the staged ${segment.name} of ${record.id} is gone`);
        const end = at + segment.length;
        for await (const chunk of body) {
          const n = Math.min(chunk.length, end - at);
          buffer.set(chunk.subarray(0, n), at);
          at += n;
        }
        if (at !== end) throw new Error(`the staged ${segment.name} of ${record.id} is short`);
      }
      if (at !== filled) throw new Error(`the staged tail of ${record.id} is short`);
    }
    const parts = state.parts.slice(); // as written; state.parts: as recorded
    // A multipart upload a commit cut short left (or, in a state written before, the
    // staging's): aborted by the next commit or end.
    let upload: Upload | undefined = state.uploadId === undefined
      ? undefined
      : backend.resume(state.uploadKey ?? uploadKey, state.uploadId);
    let inFlight: Promise<void> | undefined;
    let failed: unknown;
    let ended = false;
    const stop = new AbortController();

    const save = async (next: Partial<ResumableState>) => {
      const saved = { ...state, ...next, record: { ...record, ...next.record } };
      await records.put(saved);
      Object.assign(state, saved);
    };

    /** Aborts the multipart upload a commit left, and forgets it. */
    const abortLeft = async () => {
      if (upload === undefined) return;
      await backend.abort(upload);
      upload = undefined;
      if (state.uploadId !== undefined) await save({ uploadId: undefined, uploadKey: undefined });
    };

    /** Writes one full part as a readable object, after the one in flight. */
    const send = async (bytes: Uint8Array) => {
      const previous = inFlight;
      const partNumber = parts.length + 1;
      parts.push({ partNumber });
      const sending = (async () => {
        await previous;
        await backend.put(folder + partName(partNumber), bytes, {});
      })();
      sending.catch((error) => failed ??= error);
      inFlight = sending;
      await previous; // this part uploads while the next one fills
    };

    const settle = async () => {
      await inFlight?.catch(() => {});
      if (failed !== undefined) throw failed;
    };

    const live = () => {
      if (ended) throw new Error(`the upload ${record.id} has ended`);
      if (failed !== undefined) throw failed;
    };

    const deleteStaging = async () => {
      stop.abort(new Error("the staged upload ended"));
      await inFlight?.catch(() => {});
      buffer = undefined;
      if (upload !== undefined) await backend.abort(upload);
      const keys: string[] = [];
      for await (const key of backend.list(folder)) keys.push(key);
      await Promise.all(keys.map((key) => backend.delete(key)));
    };

    return {
      record,
      async write(bytes) {
        live();
        let at = 0;
        while (at < bytes.length) {
          buffer ??= new Uint8Array(partSize);
          const n = Math.min(partSize - filled, bytes.length - at);
          buffer.set(bytes.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled === partSize) {
            const full = buffer;
            buffer = undefined;
            filled = 0;
            await send(full);
            live();
          }
        }
      },
      async flush(expires) {
        live();
        await settle();
        // Only the bytes this flush adds are written: a segment after the recorded ones,
        // or, once parts were sent, the first segment after the last of them.
        const count = parts.length;
        const old = tailSegments(state, partSize);
        const sameSlot = count === state.parts.length;
        const from = sameSlot ? record.offset - count * partSize : 0;
        const tail = sameSlot ? (state.tail ?? []).filter((start) => start < from) : [];
        if (filled > from) {
          await backend.put(folder + tailName(count, from), buffer!.subarray(from, filled), {});
          tail.push(from);
        }
        await save({
          parts: parts.slice(),
          tail,
          record: { ...record, offset: count * partSize + filled, expires },
        });
        record.offset = state.record.offset;
        record.expires = expires;
        if (!sameSlot) {
          await Promise.all(old.map((s) => backend.delete(folder + s.name).catch(() => {})));
        }
      },
      replay() {
        const count = state.parts.length;
        const segments = tailSegments(state, partSize);
        let n = 0;
        let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
        return new ReadableStream<Uint8Array>({
          async pull(controller) {
            for (;;) {
              if (reader) {
                const { done, value } = await reader.read();
                if (!done) return controller.enqueue(value);
                reader = undefined;
              }
              n++;
              if (n > count + segments.length) return controller.close();
              const segment = segments[n - count - 1];
              const key = segment ? segment.name : partName(n);
              const body = await backend.get(folder + key, segment?.length);
              if (!body) throw new Error(`the staged ${key} of ${record.id} is gone`);
              reader = body.getReader();
            }
          },
          async cancel(reason) {
            await reader?.cancel(reason);
          },
        }, { highWaterMark: 0 });
      },
      async commit(verified: VerifiedUpload) {
        live();
        ended = true;
        const key = prefix + verified.key;
        const metadata = snapshotMetadata(verified);
        try {
          await settle();
          const size = parts.length * partSize + filled;
          if (size !== verified.size) {
            throw new Error(`staged ${size} bytes, verified ${verified.size}`);
          }
          const existing: StoredObject | undefined = await backend.head(key);
          if (existing) {
            if (existing.size === verified.size && existing.checksum === verified.checksum) {
              await deleteStaging();
              return verified.key; // the same snapshot, stored before
            }
            throw new Error(`${verified.key} is already stored with different bytes`);
          }
          await abortLeft();
          if (parts.length === 0) {
            await backend.put(key, (buffer ?? new Uint8Array(0)).subarray(0, filled), metadata);
          } else {
            const target = await backend.createWith(key, metadata, stop.signal);
            upload = target;
            // Recorded before any part: nothing is left open that the record cannot abort.
            await save({ uploadId: backend.uploadIdOf(target), uploadKey: key });
            const all: UploadedPart[] = [];
            let next = 0;
            let copyFailed = false;
            const copier = async () => {
              while (next < parts.length && !copyFailed) {
                const n = ++next;
                try {
                  all[n - 1] = await backend.copyPart(target, n, folder + partName(n), stop.signal);
                } catch (error) {
                  copyFailed = true;
                  throw error;
                }
              }
            };
            // A few parts at a time (R2's binding streams each one through the Worker),
            // all settled before the multipart upload may be aborted.
            const copies = await Promise.allSettled(
              Array.from({ length: Math.min(COPIES, parts.length) }, copier),
            );
            for (const copy of copies) if (copy.status === "rejected") throw copy.reason;
            if (filled > 0) {
              const last = buffer!.subarray(0, filled);
              all.push(await backend.uploadPart(target, all.length + 1, last, stop.signal));
            }
            await backend.complete(target, all);
            upload = undefined; // completed: nothing to abort
          }
        } catch (error) {
          // The staged objects and the record stay as they were: commit may be tried
          // again; ending the upload (the session does) deletes them.
          try {
            await abortLeft();
          } finally {
            ended = false;
          }
          throw error;
        }
        await deleteStaging().catch(() => {});
        return verified.key;
      },
      async end(outcome: ResumableEnding | "deleted", expires?: number) {
        ended = true;
        try {
          await deleteStaging();
        } finally {
          if (outcome === "deleted") {
            await records.delete(record.id);
          } else {
            await save({
              uploadId: undefined,
              uploadKey: undefined,
              parts: [],
              tail: [],
              record: { ...record, ended: outcome, expires: expires ?? record.expires },
            });
            record.ended = outcome;
            if (expires !== undefined) record.expires = expires;
          }
        }
      },
    };
  };

  return {
    async create(record) {
      const state: ResumableState = { record: { ...record }, parts: [] };
      await records.put(state);
      return await staged(state);
    },
    async open(id) {
      let state: ResumableState | undefined;
      try {
        state = await records.get(checkId(id));
      } catch (error) {
        if (error instanceof TypeError && /not an upload id/.test(error.message)) return undefined;
        throw error;
      }
      if (!state) return undefined;
      return await staged(state);
    },
    expired: stored
      ? async function* (now: number) {
        for await (const record of stored()) if (record.expires < now) yield record.id;
      }
      : undefined,
    // Read from the records, so the bound on open uploads per token holds across restarts
    // and between servers sharing a bucket (each record is read: one request per upload).
    countOpen: stored
      ? async (owner: string, now: number) => {
        let open = 0;
        for await (const record of stored()) {
          if (record.owner === owner && !record.ended && record.expires >= now) open++;
        }
        return open;
      }
      : undefined,
  };
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { VerifiedUpload } from "../store.ts";
import type { FailedUploadJson, StoredUploadJson } from "../upload_json.ts";

/**
 * How a resumable upload ended: stored (with the JSON the single-request handler's 201
 * carries), or refused (with the error JSON and the status the refusal had).
 */
export type ResumableEnding =
  | { stored: StoredUploadJson }
  | { refused: FailedUploadJson & { status: number } };

/** What a store keeps about one resumable upload, between requests and across restarts. */
export interface ResumableRecord {
  /** The upload's id: the last segment of its URL (letters, digits, `-` and `_` only). */
  id: string;
  /** `Upload-Length`: the archive's size in bytes, known at creation. */
  length: number;
  /** `Upload-Metadata`, decoded (values are text; a key without a value maps to `""`). */
  metadata: Record<string, string>;
  /** A hash of the credentials that created it (never the credentials themselves). */
  owner: string;
  /** When it was created, in milliseconds since the epoch. */
  created: number;
  /** When it expires (its staged bytes and record are then deleted), ms since the epoch. */
  expires: number;
  /** Bytes durably staged, all of which have passed through a verifier. */
  offset: number;
  /** How it ended, once it has; the record is kept until it expires. */
  ended?: ResumableEnding;
}

/**
 * Where resumable uploads wait between requests: their record and their bytes. A store
 * may hold many uploads; each is reached through {@linkcode ResumableStore.open} by id,
 * after any restart of the server.
 */
export interface ResumableStore {
  /**
   * Starts staging a new upload: nothing is written yet besides its record.
   *
   * @param record The new record (`offset` 0, not ended). Its id is new.
   * @returns The staged upload.
   */
  create(record: ResumableRecord): Promise<StagedResumable>;
  /**
   * The staged upload with this id, as its record last said (bytes written after the
   * record's `offset` are dropped), after any restart; `undefined` when unknown.
   *
   * @param id The upload's id.
   */
  open(id: string): Promise<StagedResumable | undefined>;
  /**
   * The ids of uploads whose record says they expired before `now`, for sweeping: the
   * caller opens each and ends it with `"deleted"`.
   *
   * @param now Milliseconds since the epoch.
   */
  expired?(now: number): AsyncIterable<string>;
  /**
   * How many uploads created by `owner` are open (not ended, not expired at `now`), for
   * the bound on open uploads per token. Without it the handler counts the uploads it
   * created since it started.
   *
   * @param owner The owner's hash, as in {@linkcode ResumableRecord.owner}.
   * @param now Milliseconds since the epoch.
   */
  countOpen?(owner: string, now: number): Promise<number>;
}

/**
 * One resumable upload in a {@linkcode ResumableStore}. Its bytes are written in order,
 * then made durable by `flush`, which is what advances `record.offset`: the session
 * calls `flush` before it reports an offset. One session uses a staged upload at a time.
 */
export interface StagedResumable {
  /** The record as last made durable (`offset`, `expires`, `ended` change in place). */
  readonly record: ResumableRecord;
  /**
   * Stages bytes after those written so far. Not yet durable: a restart before `flush`
   * loses them (and `open` then starts from the record's offset).
   *
   * @param bytes The bytes; read them, do not keep or modify them after the promise.
   */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Makes every byte written durable, then records it: `record.offset` becomes the
   * bytes staged in all, `record.expires` becomes `expires`.
   *
   * @param expires The new expiry, in milliseconds since the epoch.
   */
  flush(expires: number): Promise<void>;
  /**
   * The staged bytes from 0 to `record.offset`, to rebuild a verifier.
   */
  replay(): ReadableStream<Uint8Array>;
  /**
   * Publishes the verified archive under its key (a `SnapshotStore`'s `commit`, with the
   * metadata it keeps today) and drops the staged bytes. The caller then ends the record
   * with `end({ stored })`.
   *
   * @param upload The verified archive.
   * @returns The key it was stored under, when the store names one.
   */
  commit(upload: VerifiedUpload): Promise<string | void>;
  /**
   * Ends the upload: deletes the staged bytes (and aborts any multipart upload). With an
   * ending, keeps the record (with `ended` set and `expires` as given) until it expires;
   * with `"deleted"` (terminated, expired) removes the record too.
   *
   * @param outcome How it ended, or `"deleted"`.
   * @param expires How long an ended record is kept, in ms since the epoch.
   */
  end(outcome: ResumableEnding | "deleted", expires?: number): Promise<void>;
}

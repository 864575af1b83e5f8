// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { AwsClient } from "aws4fetch";
import { toHex } from "../_bytes.ts";
import {
  DEFAULT_PART_SIZE,
  MIN_PART_SIZE,
  stageMultipart,
  type UploadedPart,
} from "./_multipart.ts";
import {
  multipartResumableStore,
  type ResumableBackend,
  type ResumableRecords,
} from "./_resumable_multipart.ts";
import type { SnapshotStore, StagedUpload } from "./store.ts";
import type { ResumableRecord, ResumableStore, StagedResumable } from "./tus/resumable_store.ts";

/** Options of {@linkcode S3Store}. */
export interface S3StoreOptions {
  /**
   * The service's endpoint, such as `https://s3.eu-west-1.amazonaws.com`,
   * `https://<account>.r2.cloudflarestorage.com` or `http://127.0.0.1:9000` (MinIO).
   */
  endpoint: string | URL;
  /** The bucket. */
  bucket: string;
  /** The access key ID. */
  accessKeyId: string;
  /** The secret access key. */
  secretAccessKey: string;
  /** A session token, with temporary credentials. */
  sessionToken?: string;
  /**
   * The region requests are signed for (R2 takes `auto`).
   *
   * @default {"us-east-1"}
   */
  region?: string;
  /**
   * Address the bucket as `<endpoint>/<bucket>/<key>` (path style, which every
   * S3-compatible service takes) rather than `<bucket>.<endpoint host>/<key>`.
   *
   * @default {true}
   */
  pathStyle?: boolean;
  /**
   * Prepended to every object key (a "folder", such as `consul/`).
   *
   * @default {""}
   */
  prefix?: string;
  /**
   * Bytes per part of the multipart upload, at least 5 MiB (S3's least part). Two parts at
   * most are held in memory per upload; an upload no bigger than one part is put at once,
   * at commit.
   *
   * @default {8388608} (8 MiB)
   */
  partSize?: number;
  /**
   * Times a part is sent again after a 5xx, a 429 or a network error.
   *
   * @default {2}
   */
  retries?: number;
  /**
   * Milliseconds one request may take, answer included, before it is given up (and, where
   * it is retried, sent again); `Infinity` for no limit. A service that stops answering
   * then fails the upload (and its abort or delete is tried again) rather than holding the
   * handler's upload slot forever.
   *
   * @default {60000}
   */
  requestTimeout?: number;
  /** The `fetch` to send requests with. @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/** An S3 error answer, as a thrown error. */
export class S3Error extends Error {
  /** The HTTP status (0 when no answer came in time: code `RequestTimeout`). */
  readonly status: number;
  /** S3's error code (`NoSuchUpload`, `EntityTooSmall`...), when the answer had one. */
  readonly code: string | undefined;

  /**
   * Makes the error of a refused request.
   *
   * @param operation What was asked (`UploadPart`, say).
   * @param status The HTTP status, 0 for none.
   * @param code S3's error code.
   * @param detail S3's message.
   */
  constructor(operation: string, status: number, code?: string, detail?: string) {
    super(
      `S3 ${operation} failed:${status ? ` ${status}` : ""}${code ? ` ${code}` : ""}` +
        (detail ? `: ${detail}` : ""),
    );
    this.name = "S3Error";
    this.status = status;
    this.code = code;
  }
}

const CONTENT_TYPE = "application/gzip";
const DEFAULT_TIMEOUT = 60_000;

function xmlField(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A metadata value as an HTTP header carries it: printable ASCII, else percent-encoded. */
function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource)));
}

/**
 * A {@linkcode SnapshotStore} in any S3-compatible object store (AWS S3, R2's S3 API,
 * MinIO, GCS's interoperability API), on `fetch`, with requests signed (AWS Signature
 * Version 4) by `aws4fetch`: it runs wherever `fetch` and WebCrypto do.
 *
 * ### Overview
 *
 * Each upload is staged as a multipart upload under `<prefix>.staging-<UUID>`
 * (CreateMultipartUpload on the first full part, then UploadPart as the bytes stream in:
 * parts of `partSize`, at least 5 MiB, at most two in memory, each part's SHA-256 signed,
 * so the service checks it). Only once the archive verified is it completed
 * (CompleteMultipartUpload), copied to its key (CopyObject, server side) with metadata
 * `x-amz-meta-snapshot-id`, `-snapshot-index`, `-snapshot-term`, `-state-sha256` and
 * `-archive-checksum`, and the staging object deleted. S3 fixes an object's key and
 * metadata when its multipart upload starts, before the archive has told either. An
 * upload no bigger than one part is one PutObject at its key. Any failure, the service's
 * own included, sends AbortMultipartUpload: a refused or failed upload leaves nothing.
 * (A bucket lifecycle rule that aborts incomplete multipart uploads after a day covers a
 * process killed mid-upload.)
 *
 * The key is `<prefix><snapshotKey>`: `<ID>-<Index>-<16 hex of the archive's SHA-256>.snap`,
 * as `FsStore` names files. A snapshot already stored under it is kept; different bytes
 * under that key are refused.
 *
 * @example Verifying uploads into S3
 * ```ts ignore
 * import { createVerifyHandler, S3Store } from "@raftsnap/raftsnap";
 *
 * declare const env: Record<string, string>; // the runtime's environment variables
 * const store = new S3Store({
 *   endpoint: "https://s3.eu-west-1.amazonaws.com",
 *   region: "eu-west-1",
 *   bucket: "raft-snapshots",
 *   accessKeyId: env.AWS_ACCESS_KEY_ID,
 *   secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
 * });
 * // Serve it with the runtime's own server (a Worker's fetch, Bun's or Deno's serve).
 * export const handler = createVerifyHandler({ store });
 * ```
 */
export class S3Store implements SnapshotStore, ResumableStore {
  /** The bucket. */
  readonly bucket: string;
  /** The key prefix. */
  readonly prefix: string;
  /** The part size. */
  readonly partSize: number;
  readonly #base: string;
  readonly #client: AwsClient;
  readonly #fetch: typeof fetch;
  readonly #retries: number;
  readonly #timeout: number;
  #resumable: ResumableStore | undefined;

  /**
   * Makes a store on a bucket.
   *
   * @param options The endpoint, bucket, credentials, prefix and part size.
   * @throws {RangeError} when `partSize` is under 5 MiB, or `requestTimeout` is not positive.
   * @throws {TypeError} without a bucket or credentials, or with a bad endpoint.
   */
  constructor(options: S3StoreOptions) {
    if (!options?.bucket) throw new TypeError("S3Store needs a bucket");
    if (!options.accessKeyId || !options.secretAccessKey) {
      throw new TypeError("S3Store needs an accessKeyId and a secretAccessKey");
    }
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? "";
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!(this.partSize >= MIN_PART_SIZE) || !Number.isInteger(this.partSize)) {
      throw new RangeError(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes`);
    }
    const endpoint = new URL(options.endpoint);
    const path = endpoint.pathname.replace(/\/+$/, "");
    if (options.pathStyle ?? true) {
      this.#base = `${endpoint.origin}${path}/${encodeURIComponent(this.bucket)}/`;
    } else {
      this.#base = `${endpoint.protocol}//${this.bucket}.${endpoint.host}${path}/`;
    }
    this.#client = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      sessionToken: options.sessionToken,
      region: options.region ?? "us-east-1",
      service: "s3",
      retries: 0, // retried here, where a failed answer's body is released first
    });
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#retries = options.retries ?? 2;
    this.#timeout = options.requestTimeout ?? DEFAULT_TIMEOUT;
    if (!(this.#timeout > 0)) throw new RangeError("requestTimeout must be a positive number");
  }

  /**
   * A store from an `s3://BUCKET[/PREFIX]` URL and the variables AWS tools read:
   * `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` (default AWS S3 in the region),
   * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, and
   * `AWS_REGION` or `AWS_DEFAULT_REGION` (default `us-east-1`).
   *
   * @example From the environment
   * ```ts
   * import { S3Store } from "@raftsnap/raftsnap";
   *
   * const store = S3Store.fromEnv("s3://backups/consul/", {
   *   AWS_ENDPOINT_URL: "http://127.0.0.1:9000",
   *   AWS_ACCESS_KEY_ID: "id",
   *   AWS_SECRET_ACCESS_KEY: "secret",
   * });
   * if (store.bucket !== "backups" || store.prefix !== "consul/") throw new Error("wrong");
   * ```
   *
   * @param url `s3://BUCKET` or `s3://BUCKET/PREFIX`.
   * @param env The environment, as a plain object (`process.env`, or Deno's `env.toObject()`).
   * @param options Other options, such as `partSize`.
   * @returns The store.
   * @throws {TypeError} for a URL that is not `s3://BUCKET...`, or missing credentials.
   */
  static fromEnv(
    url: string,
    env: Record<string, string | undefined>,
    options: Partial<S3StoreOptions> = {},
  ): S3Store {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!match) throw new TypeError(`not an s3://BUCKET[/PREFIX] URL: ${url}`);
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL ||
      `https://s3.${region}.amazonaws.com`;
    const prefix = match[2]!;
    return new S3Store({
      endpoint,
      region,
      bucket: match[1]!,
      prefix: prefix && !prefix.endsWith("/") ? `${prefix}/` : prefix,
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
      ...options,
    });
  }

  /** Sends one signed request; a failed answer's body is released before any retry. */
  async #send(
    operation: string,
    key: string,
    init: { method: string; query?: string; headers?: Record<string, string>; body?: Uint8Array },
    options: { signal?: AbortSignal; retries?: number; ok?: (status: number) => boolean } = {},
  ): Promise<Response> {
    const url = this.#base + encodeKey(key) + (init.query ? `?${init.query}` : "");
    const headers: Record<string, string> = { ...init.headers };
    const body = init.body ?? new Uint8Array(0);
    headers["x-amz-content-sha256"] = await sha256Hex(body);
    const retries = options.retries ?? 0;
    for (let attempt = 0;; attempt++) {
      options.signal?.throwIfAborted();
      const request = await this.#client.sign(url, {
        method: init.method,
        headers,
        body: init.body === undefined ? undefined : body as BodyInit,
      });
      // The attempt's own timeout also bounds reading the answer's body, which the caller
      // does after this returns: the signal stays with the response.
      const timeout = this.#timeout === Infinity ? undefined : AbortSignal.timeout(this.#timeout);
      const signals = [options.signal, timeout].filter((s) => s !== undefined);
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      let response: Response;
      try {
        response = await this.#fetch(request, { signal });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (timeout?.aborted && attempt >= retries) {
          throw new S3Error(operation, 0, "RequestTimeout", `no answer within ${this.#timeout} ms`);
        }
        if (attempt >= retries) throw error;
        await this.#backoff(attempt);
        continue;
      }
      if ((options.ok ?? ((s: number) => s >= 200 && s < 300))(response.status)) return response;
      const text = await response.text().catch(() => "");
      if ((response.status >= 500 || response.status === 429) && attempt < retries) {
        await this.#backoff(attempt);
        continue;
      }
      throw new S3Error(
        operation,
        response.status,
        xmlField(text, "Code"),
        xmlField(text, "Message"),
      );
    }
  }

  #backoff(attempt: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
  }

  /** The answer's body, refused if it holds an `<Error>` (S3 may say so with a 200). */
  async #xml(operation: string, response: Response): Promise<string> {
    const text = await response.text();
    if (/<Error>/.test(text)) {
      throw new S3Error(
        operation,
        response.status,
        xmlField(text, "Code"),
        xmlField(text, "Message"),
      );
    }
    return text;
  }

  #metaHeaders(metadata: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { "content-type": CONTENT_TYPE };
    for (const [name, value] of Object.entries(metadata)) {
      headers[`x-amz-meta-${name}`] = headerValue(value);
    }
    return headers;
  }

  /**
   * Stages an upload (the multipart upload starts with the first full part).
   *
   * @returns The staged upload.
   */
  begin(): StagedUpload {
    return stageMultipart(this.#backend(), {
      partSize: this.partSize,
      keyFor: (name) => this.prefix + name,
    });
  }

  /**
   * Resumable (tus) uploads staged in this bucket: parts of `partSize`, each written
   * once as a readable object under `<prefix>.tus-staging/<id>/` (a lost verifier is
   * rebuilt by reading them back), the bytes after the last part as readable `tail`
   * segments (each `flush` writes what it adds); once the archive verified, a multipart
   * upload at its key with its metadata, filled by `UploadPartCopy` from the staged parts
   * (no byte through the server) and the tail; and each upload's record as
   * `<prefix>.tus-records/<id>.json`; a server restarted between two requests carries
   * on from them. Everything staged is deleted when the upload is committed, refused,
   * terminated or expired. A verified upload is stored under its key as
   * {@linkcode S3Store.begin}'s are.
   *
   * @example Resumable uploads in S3
   * ```ts
   * import { S3Store } from "@raftsnap/raftsnap";
   *
   * const store = S3Store.fromEnv("s3://backups/consul/", {
   *   AWS_ENDPOINT_URL: "http://127.0.0.1:9000",
   *   AWS_ACCESS_KEY_ID: "id",
   *   AWS_SECRET_ACCESS_KEY: "secret",
   * }).resumable();
   * if (typeof store.open !== "function") throw new Error("not a store");
   * ```
   *
   * @param options Where the records are kept.
   * @returns The store.
   */
  resumable(options: { records?: ResumableRecords } = {}): ResumableStore {
    if (!options.records) return this.#resumable ??= this.#makeResumable({});
    return this.#makeResumable(options);
  }

  /**
   * Starts staging a resumable upload ({@linkcode S3Store.resumable}'s, with records in
   * the bucket): the store itself is a `ResumableStore`, so `createTusHandler({ store })`
   * and `serve:edge --store s3://...` take it as it is.
   *
   * @param record The new upload's record.
   * @returns The staged upload.
   */
  create(record: ResumableRecord): Promise<StagedResumable> {
    return this.resumable().create(record);
  }

  /**
   * A resumable upload staged in the bucket, after any restart; undefined when unknown.
   *
   * @param id The upload's id.
   * @returns The staged upload, or undefined.
   */
  open(id: string): Promise<StagedResumable | undefined> {
    return this.resumable().open(id);
  }

  /**
   * The ids of the resumable uploads whose records say they expired before `now`.
   *
   * @param now Milliseconds since the epoch.
   * @returns The ids.
   */
  expired(now: number): AsyncIterable<string> {
    return this.resumable().expired!(now);
  }

  #makeResumable(options: { records?: ResumableRecords }): ResumableStore {
    return multipartResumableStore(this.#backend(), {
      partSize: this.partSize,
      prefix: this.prefix,
      records: options.records,
    });
  }

  #backend(): ResumableBackend<{ key: string; uploadId: string }> {
    return {
      get: async (key, length) => {
        const headers: Record<string, string> = length === undefined
          ? {}
          : { range: `bytes=0-${length - 1}` };
        const response = await this.#send("GetObject", key, { method: "GET", headers }, {
          retries: this.#retries,
          ok: (s) => (s >= 200 && s < 300) || s === 404,
        });
        if (response.status === 404) {
          await response.body?.cancel();
          return undefined;
        }
        return response.body ?? new Response(new Uint8Array(0)).body!;
      },
      list: (prefix) => this.#list(prefix),
      resume: (key, uploadId) => ({ key, uploadId }),
      uploadIdOf: (upload) => upload.uploadId,
      head: async (key) => {
        const response = await this.#send("HeadObject", key, { method: "HEAD" }, {
          ok: (s) => (s >= 200 && s < 300) || s === 404,
        });
        await response.body?.cancel();
        if (response.status === 404) return undefined;
        return {
          size: Number(response.headers.get("content-length")),
          checksum: response.headers.get("x-amz-meta-archive-checksum") ?? undefined,
        };
      },
      put: async (key, bytes, metadata) => {
        const response = await this.#send("PutObject", key, {
          method: "PUT",
          headers: this.#metaHeaders(metadata),
          body: bytes,
        });
        await response.body?.cancel();
      },
      create: async (key, signal) => {
        const response = await this.#send("CreateMultipartUpload", key, {
          method: "POST",
          query: "uploads=",
          headers: { "content-type": CONTENT_TYPE },
        }, { signal });
        const uploadId = xmlField(await this.#xml("CreateMultipartUpload", response), "UploadId");
        if (!uploadId) throw new S3Error("CreateMultipartUpload", response.status, "NoUploadId");
        return { key, uploadId };
      },
      createWith: async (key, metadata, signal) => {
        const response = await this.#send("CreateMultipartUpload", key, {
          method: "POST",
          query: "uploads=",
          headers: { ...this.#metaHeaders(metadata) },
        }, { signal });
        const uploadId = xmlField(await this.#xml("CreateMultipartUpload", response), "UploadId");
        if (!uploadId) throw new S3Error("CreateMultipartUpload", response.status, "NoUploadId");
        return { key, uploadId };
      },
      copyPart: async (upload, partNumber, from, signal): Promise<UploadedPart> => {
        // UploadPartCopy: the service copies the object into the part, no byte through here.
        const query = `partNumber=${partNumber}&uploadId=${encodeURIComponent(upload.uploadId)}`;
        const response = await this.#send("UploadPartCopy", upload.key, {
          method: "PUT",
          query,
          headers: {
            "x-amz-copy-source": `/${encodeURIComponent(this.bucket)}/${encodeKey(from)}`,
          },
        }, { signal, retries: this.#retries });
        const etag = xmlField(await this.#xml("UploadPartCopy", response), "ETag");
        if (!etag) throw new S3Error("UploadPartCopy", response.status, "NoETag");
        return { partNumber, etag: unescapeXml(etag) };
      },
      uploadPart: async (upload, partNumber, bytes, signal): Promise<UploadedPart> => {
        const query = `partNumber=${partNumber}&uploadId=${encodeURIComponent(upload.uploadId)}`;
        const response = await this.#send(
          "UploadPart",
          upload.key,
          { method: "PUT", query, body: bytes },
          { signal, retries: this.#retries },
        );
        const etag = response.headers.get("etag");
        await response.arrayBuffer(); // a connection dropped mid-answer fails here
        if (!etag) throw new S3Error("UploadPart", response.status, "NoETag");
        return { partNumber, etag };
      },
      complete: async (upload, parts) => {
        const body = "<CompleteMultipartUpload>" +
          parts.map((p) =>
            `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`
          ).join("") +
          "</CompleteMultipartUpload>";
        const response = await this.#send("CompleteMultipartUpload", upload.key, {
          method: "POST",
          query: `uploadId=${encodeURIComponent(upload.uploadId)}`,
          headers: { "content-type": "application/xml" },
          body: new TextEncoder().encode(body),
        });
        await this.#xml("CompleteMultipartUpload", response);
      },
      abort: async (upload) => {
        const response = await this.#send("AbortMultipartUpload", upload.key, {
          method: "DELETE",
          query: `uploadId=${encodeURIComponent(upload.uploadId)}`,
        }, { retries: this.#retries, ok: (s) => (s >= 200 && s < 300) || s === 404 });
        await response.body?.cancel();
      },
      copy: async (from, to, metadata) => {
        const response = await this.#send("CopyObject", to, {
          method: "PUT",
          headers: {
            ...this.#metaHeaders(metadata),
            "x-amz-copy-source": `/${encodeURIComponent(this.bucket)}/${encodeKey(from)}`,
            "x-amz-metadata-directive": "REPLACE",
          },
        });
        await this.#xml("CopyObject", response);
      },
      delete: async (key) => {
        const response = await this.#send("DeleteObject", key, { method: "DELETE" }, {
          retries: this.#retries,
          ok: (s) => (s >= 200 && s < 300) || s === 404,
        });
        await response.body?.cancel();
      },
    };
  }

  /** The keys under `prefix` (ListObjectsV2, page by page). */
  async *#list(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const query = `list-type=2&prefix=${encodeURIComponent(prefix)}` +
        (token ? `&continuation-token=${encodeURIComponent(token)}` : "");
      const response = await this.#send("ListObjectsV2", "", { method: "GET", query }, {
        retries: this.#retries,
      });
      const xml = await this.#xml("ListObjectsV2", response);
      for (const [, key] of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) yield unescapeXml(key!);
      token = xmlField(xml, "IsTruncated") === "true"
        ? xmlField(xml, "NextContinuationToken")
        : undefined;
    } while (token);
  }
}

function unescapeXml(text: string): string {
  return text.replace(
    /&(#x?[0-9a-fA-F]+|amp|lt|gt|quot|apos);/g,
    (_, e: string) =>
      e === "amp"
        ? "&"
        : e === "lt"
        ? "<"
        : e === "gt"
        ? ">"
        : e === "quot"
        ? '"'
        : e === "apos"
        ? "'"
        : String.fromCodePoint(
          e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10),
        ),
  );
}

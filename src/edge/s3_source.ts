// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { AwsClient } from "aws4fetch";
import type { CatalogStorage } from "../watch/json_catalog.ts";
import type { ListOptions, SnapshotSource, SourceObject } from "../watch/source.ts";
import { S3Error, type S3StoreOptions } from "./s3_store.ts";

/** Options of {@linkcode S3Source}: the connection settings `S3Store` takes. */
export type S3SourceOptions =
  & {
    /** Keys per ListObjectsV2 page (S3's most is 1,000). @default {1000} */
    pageSize?: number;
  }
  & Pick<
    S3StoreOptions,
    | "endpoint"
    | "bucket"
    | "accessKeyId"
    | "secretAccessKey"
    | "sessionToken"
    | "region"
    | "pathStyle"
    | "prefix"
    | "requestTimeout"
    | "fetch"
  >;

function xmlField(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (e[0] !== "#") return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}

function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/**
 * An S3 bucket (or a prefix of one) as the watcher's {@linkcode SnapshotSource}, with the
 * settings `S3Store` and `serve:edge` read: ListObjectsV2, paged 1,000 keys at a time
 * (a page at a time in memory), GetObject streamed to the verifier, DeleteObject, and
 * CopyObject then DeleteObject to move a bad backup aside. Keys are relative to the
 * prefix. Requests are signed with `aws4fetch`.
 *
 * @example
 * ```ts ignore
 * import { JsonCatalog, S3Source, watchOnce } from "@raftsnap/raftsnap";
 *
 * declare const env: Record<string, string>;
 * const source = S3Source.fromEnv("s3://raft-snapshots/consul/", env);
 * const report = await watchOnce(source, new JsonCatalog(source.catalogStorage()));
 * ```
 */
export class S3Source implements SnapshotSource {
  /** `s3://BUCKET/PREFIX`. */
  readonly name: string;
  /** The bucket. */
  readonly bucket: string;
  /** The key prefix. */
  readonly prefix: string;
  readonly #bucketUrl: string;
  readonly #client: AwsClient;
  readonly #fetch: typeof fetch;
  readonly #timeout: number;
  readonly #pageSize: number;

  /**
   * A source on a bucket.
   *
   * @param options The endpoint, bucket, credentials and prefix.
   * @throws {TypeError} without a bucket or credentials, or with a bad endpoint.
   */
  constructor(options: S3SourceOptions) {
    if (!options?.bucket) throw new TypeError("S3Source needs a bucket");
    if (!options.accessKeyId || !options.secretAccessKey) {
      throw new TypeError("S3Source needs an accessKeyId and a secretAccessKey");
    }
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? "";
    this.name = `s3://${this.bucket}/${this.prefix}`;
    const endpoint = new URL(options.endpoint);
    const path = endpoint.pathname.replace(/\/+$/, "");
    this.#bucketUrl = options.pathStyle ?? true
      ? `${endpoint.origin}${path}/${encodeURIComponent(this.bucket)}/`
      : `${endpoint.protocol}//${this.bucket}.${endpoint.host}${path}/`;
    this.#client = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      sessionToken: options.sessionToken,
      region: options.region ?? "us-east-1",
      service: "s3",
      retries: 2,
    });
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeout = options.requestTimeout ?? 60_000;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /**
   * A source from an `s3://BUCKET[/PREFIX]` URL and the variables AWS tools read (as
   * `S3Store.fromEnv`: `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` or `AWS_DEFAULT_REGION`).
   *
   * @example
   * ```ts
   * import { S3Source } from "@raftsnap/raftsnap";
   *
   * const source = S3Source.fromEnv("s3://backups/consul", {
   *   AWS_ENDPOINT_URL: "http://127.0.0.1:9000", AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret",
   * });
   * if (source.name !== "s3://backups/consul/") throw new Error(source.name);
   * ```
   *
   * @param url `s3://BUCKET` or `s3://BUCKET/PREFIX`.
   * @param env The environment, as a plain object.
   * @returns The source.
   * @throws {TypeError} for a URL that is not `s3://BUCKET...`, or missing credentials.
   */
  static fromEnv(url: string, env: Record<string, string | undefined>): S3Source {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!match) throw new TypeError(`not an s3://BUCKET[/PREFIX] URL: ${url}`);
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";
    const prefix = match[2]!;
    return new S3Source({
      endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL ||
        `https://s3.${region}.amazonaws.com`,
      region,
      bucket: match[1]!,
      prefix: prefix && !prefix.endsWith("/") ? `${prefix}/` : prefix,
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
    });
  }

  async #send(
    operation: string,
    path: string,
    init: {
      method: string;
      headers?: Record<string, string>;
      body?: string | Uint8Array<ArrayBuffer>;
    },
    options: { signal?: AbortSignal; ok?: (status: number) => boolean } = {},
  ): Promise<Response> {
    const signals = [options.signal, AbortSignal.timeout(this.#timeout)].filter((s) =>
      s !== undefined
    );
    const request = await this.#client.sign(this.#bucketUrl + path, {
      method: init.method,
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...init.headers },
      body: init.body,
    });
    const response = await this.#fetch(request, { signal: AbortSignal.any(signals) });
    if ((options.ok ?? ((s) => s >= 200 && s < 300))(response.status)) return response;
    const text = await response.text().catch(() => "");
    throw new S3Error(
      operation,
      response.status,
      xmlField(text, "Code"),
      xmlField(text, "Message"),
    );
  }

  /** Pages through the `.snap` objects under the prefix, 1,000 keys a request. */
  async *list(options: ListOptions = {}): AsyncIterable<SourceObject> {
    let token: string | undefined;
    do {
      const query = new URLSearchParams({
        "list-type": "2",
        prefix: this.prefix + (options.prefix ?? ""),
      });
      query.set("max-keys", String(this.#pageSize));
      if (token) query.set("continuation-token", token);
      const response = await this.#send("ListObjectsV2", `?${query}`, { method: "GET" }, {
        signal: options.signal,
      });
      const xml = await response.text();
      if (/<Error>/.test(xml)) {
        throw new S3Error("ListObjectsV2", response.status, xmlField(xml, "Code"));
      }
      for (const [, block] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = unescapeXml(xmlField(block!, "Key") ?? "").slice(this.prefix.length);
        if (!key.endsWith(".snap")) continue;
        yield {
          key,
          size: Number(xmlField(block!, "Size")),
          etag: unescapeXml(xmlField(block!, "ETag") ?? ""),
          modified: Date.parse(xmlField(block!, "LastModified") ?? "") || 0,
        };
      }
      token = xmlField(xml, "IsTruncated") === "true"
        ? unescapeXml(xmlField(xml, "NextContinuationToken") ?? "")
        : undefined;
    } while (token);
  }

  /** The object's body; `undefined` when it is gone. */
  async open(key: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array> | undefined> {
    const response = await this.#send("GetObject", encodeKey(this.prefix + key), {
      method: "GET",
    }, { signal, ok: (s) => (s >= 200 && s < 300) || s === 404 });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    return response.body ?? new Blob([]).stream();
  }

  /** Deletes the object (S3 cannot tell whether it was there: claims guard against twice). */
  async delete(key: string): Promise<void> {
    const response = await this.#send("DeleteObject", encodeKey(this.prefix + key), {
      method: "DELETE",
    }, { ok: (s) => (s >= 200 && s < 300) || s === 404 });
    await response.body?.cancel();
  }

  /** Copies the object to `to` (server side), then deletes it. */
  async move(key: string, to: string): Promise<void> {
    const response = await this.#send("CopyObject", encodeKey(this.prefix + to), {
      method: "PUT",
      headers: {
        "x-amz-copy-source": `/${encodeURIComponent(this.bucket)}/${encodeKey(this.prefix + key)}`,
      },
    });
    const text = await response.text();
    if (/<Error>/.test(text)) {
      throw new S3Error("CopyObject", response.status, xmlField(text, "Code"));
    }
    await this.delete(key);
  }

  /**
   * The catalog's storage: the object `<prefix>.raftsnap-watch/catalog.json`, or `key`
   * (below the prefix), written with `If-Match: <ETag>` (or `If-None-Match: *` for the
   * first write), so that of two watchers writing at once one gets 412 and merges again.
   *
   * @param key The catalog object's key below the prefix.
   * @returns The storage, for a `JsonCatalog`.
   */
  catalogStorage(key = ".raftsnap-watch/catalog.json"): CatalogStorage {
    const path = encodeKey(this.prefix + key);
    return {
      read: async () => {
        const response = await this.#send("GetObject", path, { method: "GET" }, {
          ok: (s) => (s >= 200 && s < 300) || s === 404,
        });
        if (response.status === 404) {
          await response.body?.cancel();
          return undefined;
        }
        const version = response.headers.get("etag") ?? "";
        return { body: response.body ?? new Blob([]).stream(), version };
      },
      write: async (body, version) => {
        // S3 wants the length (and the signature the hash) first: the bytes, not one string.
        const bytes = new Uint8Array(await new Response(body).arrayBuffer());
        const response = await this.#send("PutObject", path, {
          method: "PUT",
          headers: {
            "content-type": "application/json",
            ...(version === undefined ? { "if-none-match": "*" } : { "if-match": version }),
          },
          body: bytes,
        }, { ok: (s) => (s >= 200 && s < 300) || s === 412 || s === 409 });
        await response.body?.cancel();
        return response.status < 300 && (response.headers.get("etag") ?? true);
      },
    };
  }
}

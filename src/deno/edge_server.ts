// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * The edge handler as a Deno server on 127.0.0.1, storing verified uploads in a folder
 * ({@linkcode FsStore}, the default) or any {@linkcode SnapshotStore}, such as an
 * `S3Store` (`--store s3://BUCKET`). Resumable uploads (tus 1.0.0, `createTusHandler`)
 * are served at `/uploads/` when the store is also a `ResumableStore` (as `FsStore` is);
 * every other path takes single-request uploads. `deno task serve:edge --help` lists the
 * flags.
 *
 * @example Serving from code
 * ```ts ignore
 * import { serveEdge } from "./src/deno/edge_server.ts";
 *
 * const server = await serveEdge({ dir: "./snapshots", port: 0 });
 * console.log(`upload to ${server.url}`);
 * await server.shutdown();
 * ```
 *
 * @module
 */

import {
  bearerAuthorizer,
  createAesGcmSealer,
  createTusHandler,
  createVerifyHandler,
  DEFAULT_LIMITS,
  parseLimits,
  type ResumableStore,
  S3Store,
  type SnapshotStore,
  type TusHandler,
  type TusHandlerOptions,
  type VerifyHandlerOptions,
} from "../../mod.ts";
import { FsStore, type FsStoreOptions } from "./fs_store.ts";
import { nativeSha256 } from "./native_sha256.ts";

/**
 * Options of {@linkcode serveEdge}: the handler's, but the store is a folder, and the
 * hasher defaults to `nativeSha256` (`node:crypto`, several times hash-wasm's speed: every
 * upload is hashed three times, for its state, its checksum and its staged copy).
 */
export interface EdgeServerOptions extends Omit<VerifyHandlerOptions, "store"> {
  /** The folder snapshots are stored in (created if missing), unless `store` is given. */
  dir?: string;
  /** Where snapshots go instead of a folder, such as an `S3Store`. */
  store?: SnapshotStore;
  /**
   * The TCP port; 0 picks a free one.
   *
   * @default {8787}
   */
  port?: number;
  /**
   * The address to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /** Options of the folder store. */
  fsStore?: FsStoreOptions;
  /** Receives one line per request once it is answered. */
  log?: (line: string) => void;
  /**
   * Resumable uploads at `/uploads/`: on (the default) when the store is also a
   * `ResumableStore`; `false` turns them off.
   */
  tus?: boolean;
  /** Resumable uploads: milliseconds after its last `PATCH` an upload expires. @default {86400000} */
  expiresAfter?: TusHandlerOptions["expiresAfter"];
  /** Resumable uploads: milliseconds an upload may take in all. @default {259200000} */
  maxUploadTime?: TusHandlerOptions["maxUploadTime"];
  /** Resumable uploads: most open uploads per token (429 beyond). @default {16} */
  maxOpenUploads?: TusHandlerOptions["maxOpenUploads"];
  /** Resumable uploads: origins allowed by CORS (`"*"` for any). @default {[]} */
  allowedOrigins?: TusHandlerOptions["allowedOrigins"];
  /** Resumable uploads: milliseconds an idle upload's verifier stays in memory. @default {30000} */
  idleTimeout?: TusHandlerOptions["idleTimeout"];
  /** Resumable uploads: the clock their expiry is reckoned by. @default {Date.now} */
  now?: TusHandlerOptions["now"];
  /**
   * Milliseconds between sweeps of expired resumable uploads (and one at start).
   *
   * @default {60000}
   */
  sweepInterval?: number;
}

/** A running edge server. */
export interface EdgeServer {
  /** Where it listens, such as `http://127.0.0.1:8787/`. */
  url: URL;
  /** The store: an {@linkcode FsStore} unless the options gave another. */
  store: SnapshotStore;
  /** The resumable-upload handler at `/uploads/`, when it is on. */
  tus: TusHandler | undefined;
  /** Stops: uploads in progress are aborted (503), then the listener closes. */
  shutdown(): Promise<void>;
  /** Settles once the server has stopped. */
  finished: Promise<void>;
}

/**
 * Serves the edge handler over a folder.
 *
 * @param options The folder, the address, and the handler's options.
 * @returns The running server.
 */
export async function serveEdge(options: EdgeServerOptions): Promise<EdgeServer> {
  const {
    dir,
    port,
    hostname,
    fsStore,
    log,
    signal,
    tus: tusOn,
    expiresAfter,
    maxUploadTime,
    maxOpenUploads,
    allowedOrigins,
    idleTimeout,
    now,
    sweepInterval,
    ...handlerOptions
  } = options;
  let store = options.store;
  if (!store) {
    if (dir === undefined) throw new TypeError("serveEdge needs a dir or a store");
    const fs = await FsStore.open(dir, fsStore);
    // What a crashed run left behind (uploads time out long before an hour).
    await fs.removeStaleStaging(60 * 60 * 1000);
    store = fs;
  }
  const stop = new AbortController();
  const stopping = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  // One count of uploads being received, for both kinds: --max-concurrent-uploads holds
  // for single-request uploads and PATCHes together.
  const slots = handlerOptions.slots ?? { active: 0 };
  const handler = createVerifyHandler({
    hasher: nativeSha256,
    ...handlerOptions,
    slots,
    store,
    signal: stopping,
  });
  const resumable = isResumable(store) && tusOn !== false ? store : undefined;
  const tus = resumable &&
    createTusHandler({
      hasher: nativeSha256,
      ...handlerOptions,
      slots,
      store: resumable,
      signal: stopping,
      expiresAfter,
      maxUploadTime,
      maxOpenUploads,
      allowedOrigins,
      idleTimeout,
      now,
    });
  const sweep = () => void tus?.sweep().catch((error) => log?.(`sweep failed: ${error}`));
  sweep();
  const sweeper = tus ? setInterval(sweep, sweepInterval ?? 60_000) : undefined;
  let url: URL | undefined;
  const close = new AbortController();
  /** Responses not yet delivered. */
  const delivering = new Set<Promise<void>>();
  const server = Deno.serve({
    hostname: hostname ?? "127.0.0.1",
    port: port ?? 8787,
    signal: close.signal,
    onListen: (addr) => {
      url = new URL(`http://${addr.hostname}:${addr.port}/`);
    },
  }, async (request, info) => {
    const delivered = info.completed.catch(() => {});
    delivering.add(delivered);
    delivered.then(() => delivering.delete(delivered));
    const started = performance.now();
    const { pathname } = new URL(request.url);
    const response = tus && (pathname === "/uploads" || pathname.startsWith("/uploads/"))
      ? await tus(request)
      : await handler(request);
    if (log) {
      const ms = (performance.now() - started).toFixed(0);
      log(`${response.status} ${request.method} ${pathname} ${ms} ms`);
    }
    return response;
  });
  // The uploads in flight are answered (503) first, their answers delivered and given a
  // moment to be read, and only then are the connections closed: closing at once would
  // cut the answers off, and a graceful shutdown would wait for clients that stalled.
  let closing: Promise<void> | undefined;
  const shutdown = () =>
    closing ??= Promise.resolve().then(async () => {
      stop.abort();
      if (delivering.size > 0) {
        await within(SHUTDOWN_GRACE, Promise.all(delivering));
        await within(READ_GRACE, new Promise(() => {}));
      }
      close.abort();
      await server.finished;
      clearInterval(sweeper);
      await tus?.close();
    });
  stopping.addEventListener("abort", () => void shutdown(), { once: true });
  return { url: url!, store, tus, shutdown, finished: server.finished };
}

function isResumable(store: SnapshotStore): store is SnapshotStore & ResumableStore {
  const candidate = store as Partial<ResumableStore>;
  return typeof candidate.create === "function" && typeof candidate.open === "function";
}

/** Milliseconds a shutdown waits for the answers to the uploads it stopped to be sent. */
const SHUTDOWN_GRACE = 2000;
/** Milliseconds it then leaves clients to read them. */
const READ_GRACE = 250;

/** Waits for `promise`, or `ms` milliseconds, whichever comes first. */
async function within(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => timer = setTimeout(resolve, ms))]);
  clearTimeout(timer);
}

const HELP = `raftsnap edge server: verifies uploaded .snap files as they stream in, and stores
only those that verify, in a folder or in S3-compatible object storage.

Usage: deno task serve:edge [--dir DIR | --store URL] [--port N] [options]

Options:
  --dir DIR          where snapshots are stored (default: ./snapshots)
  --store URL        where snapshots are stored: a folder (DIR or file:///DIR), or
                     s3://BUCKET[/PREFIX] in any S3-compatible service, its endpoint and
                     credentials from the environment as AWS tools read them:
                     AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3; default AWS S3),
                     AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
                     AWS_REGION (or AWS_DEFAULT_REGION; default us-east-1)
  --part-size SIZE   S3 multipart part size, at least 5m (default: 8m)
  --port N           TCP port on 127.0.0.1 (default: 8787; 0 picks a free one)
  --max-bytes N      largest upload, in bytes; k, m, g suffixes are KiB, MiB, GiB (default: 1g)
  --timeout MS       longest upload, in milliseconds (default: 600000)
  --max-concurrent-uploads N
                     uploads verified at once; one more gets 503 with Retry-After, its body
                     unread (default: 16; off for no bound)
  --retry-after S    seconds a 503 busy asks the client to wait (default: 2)
  --max-inflate-ratio N
                     most inflated bytes per uploaded byte, checked as the body streams:
                     413 inflate-limit beyond (default: 100; off for no bound). A valid
                     archive can reach ~1000 (a state of zeros): this bounds CPU per byte
  --max-inflated-bytes SIZE
                     most inflated bytes per upload: 413 beyond (default: 32g; off)
  --limit NAME=VALUE the library's read limits, repeatable or comma-separated, 0 or off
                     for none; k, m, g, t units (defaults: maxTarBytes=${
  gib(DEFAULT_LIMITS.maxTarBytes)
},
                     maxRatio=off, maxEntries=${DEFAULT_LIMITS.maxEntries}, maxSmallEntryBytes=${DEFAULT_LIMITS.maxSmallEntryBytes}, maxPaxBytes=64KiB;
                     the handler's bounds above apply on top, the tighter wins)
  --require-length   refuse uploads without Content-Length (411)
  --token TOKEN      require Authorization: Bearer TOKEN (also from RAFTSNAP_EDGE_TOKEN)
  --sealer-key HEX   the AES-256-GCM key of SHA256SUMS.sealed: refuse archives whose sealed
                     sums do not open and match
  --no-sync          do not flush snapshots to disk before naming them

Resumable uploads (tus 1.0.0 at /uploads/; the bounds above hold per upload, --timeout
per PATCH; see docs/resumable-uploads.md):
  --expires-after DURATION
                     an upload expires this long after its last PATCH, its staged bytes
                     deleted; ms, or with s, m, h, d (default: 24h)
  --max-upload-time DURATION
                     longest an upload may take in all, from its creation (default: 72h)
  --max-open-uploads N
                     open uploads per token; one more POST gets 429 (default: 16; off)
  --allow-origin ORIGIN
                     let a browser page on ORIGIN upload (CORS); repeatable or
                     comma-separated, * for any (default: none)
  --idle-timeout DURATION
                     how long an idle upload's verifier stays in memory (default: 30s)
  --no-tus           serve no resumable uploads
  --log              print a line per request
  --help             this text

Upload:
  curl -sS -T backup.snap http://127.0.0.1:8787/
  any tus 1.0.0 client (tus-js-client, Uppy, raftsnap upload) at http://127.0.0.1:8787/uploads/
  curl -sS --data-binary @backup.snap -H 'Content-Type: application/gzip' http://127.0.0.1:8787/

Snapshots are named <ID>-<Index>-<16 hex of the archive's SHA-256>.snap; uploads are
staged as .staging-<UUID> in the same folder and renamed only once they verified (in S3:
a multipart upload, completed and copied to its key only once it verified, else aborted).`;

function gib(bytes: number): string {
  return `${bytes / 1024 ** 3}GiB`;
}

function parseSize(text: string): number {
  const match = /^(\d+)([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a byte count: ${text}`);
  const scale = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[
    match[2]!.toLowerCase()
  ]!;
  return Number(match[1]) * scale;
}

/** A duration: milliseconds, or a number with s, m, h or d. */
function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text}`);
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[
    (match[2] ?? "ms").toLowerCase() as "ms"
  ];
  return Number(match[1]) * scale;
}

function limitsOf(text: string | undefined) {
  if (text === undefined) return undefined;
  try {
    return parseLimits(text);
  } catch (error) {
    throw new Error(`--limit ${(error as Error).message}`);
  }
}

/** A handler bound: a positive number (or size), or `off` for none. */
function parseBound(
  flag: string,
  text: string | undefined,
  parse: (text: string) => number = Number,
): number | undefined {
  if (text === undefined) return undefined;
  if (/^(off|none)$/i.test(text.trim())) return Infinity;
  const value = /^\s*\d/.test(text) ? parse(text) : NaN;
  if (!(value > 0)) throw new Error(`--${flag} must be a positive number or off, not ${text}`);
  return value;
}

function parseArgs(args: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  const flags = new Set(["require-length", "no-sync", "no-tus", "log", "help"]);
  const values = new Set([
    "dir",
    "store",
    "part-size",
    "port",
    "max-bytes",
    "timeout",
    "token",
    "sealer-key",
    "max-concurrent-uploads",
    "retry-after",
    "max-inflate-ratio",
    "max-inflated-bytes",
    "limit",
    "expires-after",
    "max-upload-time",
    "max-open-uploads",
    "allow-origin",
    "idle-timeout",
  ]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith("--") ? arg.slice(2).split(/=(.*)/s) : [arg];
    if (flags.has(name!) && inline === undefined) out[name!] = true;
    else if (values.has(name!)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      const before = out[name!];
      out[name!] = (name === "limit" || name === "allow-origin") && typeof before === "string"
        ? `${before},${value}`
        : value;
    } else throw new Error(`unknown argument: ${arg}`);
  }
  return out;
}

async function main(args: string[]): Promise<number> {
  let flags: Record<string, string | true>;
  try {
    flags = parseArgs(args);
  } catch (error) {
    console.error(`serve:edge: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const text = (name: string) => typeof flags[name] === "string" ? flags[name] : undefined;
  const token = text("token") ?? Deno.env.get("RAFTSNAP_EDGE_TOKEN");
  const sealerKey = text("sealer-key");
  let options: EdgeServerOptions;
  try {
    const storeUrl = text("store");
    if (storeUrl !== undefined && text("dir") !== undefined) {
      throw new Error("give --dir or --store, not both");
    }
    let store: SnapshotStore | undefined;
    let dir = text("dir") ?? "snapshots";
    if (storeUrl?.startsWith("s3://")) {
      store = S3Store.fromEnv(storeUrl, Deno.env.toObject(), {
        partSize: text("part-size") === undefined ? undefined : parseSize(text("part-size")!),
      });
    } else if (storeUrl !== undefined) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(storeUrl) && !storeUrl.startsWith("file://")) {
        throw new Error(`--store takes a folder or s3://BUCKET, not ${storeUrl}`);
      }
      dir = storeUrl.startsWith("file://") ? new URL(storeUrl).pathname : storeUrl;
    }
    options = {
      dir,
      store,
      port: text("port") === undefined ? 8787 : Number(text("port")),
      maxBytes: text("max-bytes") === undefined ? undefined : parseSize(text("max-bytes")!),
      timeout: parseBound("timeout", text("timeout")),
      maxConcurrentUploads: parseBound("max-concurrent-uploads", text("max-concurrent-uploads")),
      retryAfter: parseBound("retry-after", text("retry-after")),
      maxInflateRatio: parseBound("max-inflate-ratio", text("max-inflate-ratio")),
      maxInflatedBytes: parseBound("max-inflated-bytes", text("max-inflated-bytes"), parseSize),
      limits: limitsOf(text("limit")),
      requireLength: flags["require-length"] === true,
      authorize: token ? bearerAuthorizer(token) : undefined,
      sealer: sealerKey ? await createAesGcmSealer(sealerKey) : undefined,
      fsStore: { sync: flags["no-sync"] !== true },
      log: flags.log ? (line) => console.log(line) : undefined,
      tus: flags["no-tus"] !== true,
      expiresAfter: parseBound("expires-after", text("expires-after"), parseDuration),
      maxUploadTime: parseBound("max-upload-time", text("max-upload-time"), parseDuration),
      maxOpenUploads: parseBound("max-open-uploads", text("max-open-uploads")),
      idleTimeout: parseBound("idle-timeout", text("idle-timeout"), parseDuration),
      allowedOrigins: text("allow-origin")?.split(",").map((o) => o.trim()).filter(Boolean),
    };
    if (!Number.isInteger(options.port) || options.port! < 0 || options.port! > 65535) {
      throw new Error(`not a port: ${text("port")}`);
    }
  } catch (error) {
    console.error(`serve:edge: ${(error as Error).message}`);
    return 2;
  }
  let server: EdgeServer;
  try {
    server = await serveEdge(options);
  } catch (error) {
    console.error(`serve:edge: ${(error as Error).message}`);
    return error instanceof RangeError || error instanceof TypeError ? 2 : 1;
  }
  const where = server.store instanceof FsStore
    ? await Deno.realPath(server.store.dir)
    : server.store instanceof S3Store
    ? `s3://${server.store.bucket}/${server.store.prefix}`
    : "the store";
  console.log(
    `raftsnap edge: listening on ${server.url} storing verified snapshots in ${where}` +
      (token ? " (bearer token required)" : "") +
      (server.tus ? `; resumable uploads (tus) at ${new URL("/uploads/", server.url)}` : ""),
  );
  const stop = () => void server.shutdown();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await server.finished;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

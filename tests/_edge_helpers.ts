// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Helpers for the edge handler tests: a store that records (and checks) the handler's
// calls, request builders, and bodies that stall, fail or count what was pulled.

import {
  MemoryStore,
  type SnapshotStore,
  type StagedUpload,
  type UploadInfo,
  type VerifiedUpload,
} from "../mod.ts";
import { assert } from "./_helpers.ts";

/** What happened to one staged upload. */
export interface StagedRecord {
  info: UploadInfo;
  /** "write:N", "close", "sink-abort", "commit", "abort", in order. */
  events: string[];
  bytes: number;
  closed: boolean;
  commits: VerifiedUpload[];
  aborts: unknown[];
}

/** Options of {@linkcode RecordingStore}. */
export interface RecordingStoreOptions {
  /** Milliseconds each write takes. */
  writeDelay?: number;
  /** Fail the write that takes the staged bytes past this count. */
  failWriteAfter?: number;
  failBegin?: boolean;
  failCommit?: boolean;
  failAbort?: boolean;
  /** Called on every write with the bytes written so far. */
  onWrite?: (written: number) => void;
}

/**
 * A MemoryStore behind a recorder. It checks the handler's contract as it goes: commit
 * at most once and only after the writable closed, abort at most once, never both.
 */
export class RecordingStore implements SnapshotStore {
  readonly memory: MemoryStore = new MemoryStore();
  readonly records: StagedRecord[] = [];
  readonly violations: string[] = [];

  constructor(readonly options: RecordingStoreOptions = {}) {}

  async begin(info: UploadInfo): Promise<StagedUpload> {
    if (this.options.failBegin) throw new Error("begin failed on purpose");
    const inner = await this.memory.begin();
    const innerWriter = inner.writable.getWriter();
    const record: StagedRecord = {
      info,
      events: [],
      bytes: 0,
      closed: false,
      commits: [],
      aborts: [],
    };
    this.records.push(record);
    const { options, violations } = this;
    const ended = () => record.commits.length + record.aborts.length > 0;
    return {
      writable: new WritableStream<Uint8Array>({
        async write(chunk) {
          if (options.writeDelay) await new Promise((r) => setTimeout(r, options.writeDelay));
          if (
            options.failWriteAfter !== undefined &&
            record.bytes + chunk.length > options.failWriteAfter
          ) {
            throw new Error("write failed on purpose");
          }
          record.bytes += chunk.length;
          record.events.push(`write:${chunk.length}`);
          options.onWrite?.(record.bytes);
          await innerWriter.write(chunk);
        },
        async close() {
          record.closed = true;
          record.events.push("close");
          await innerWriter.close();
        },
        abort() {
          record.events.push("sink-abort");
        },
      }),
      async commit(upload) {
        record.events.push("commit");
        if (ended()) violations.push("commit after commit or abort");
        if (!record.closed) violations.push("commit before the writable closed");
        record.commits.push(upload);
        if (options.failCommit) throw new Error("commit failed on purpose");
        return await inner.commit(upload);
      },
      async abort(reason) {
        record.events.push("abort");
        if (ended()) violations.push("abort after commit or abort");
        record.aborts.push(reason);
        if (options.failAbort) throw new Error("abort failed on purpose");
        await inner.abort(reason);
      },
    };
  }

  /** The one staged upload, checked to have ended as `outcome`. */
  only(outcome: "commit" | "abort"): StagedRecord {
    assert.deepEqual(this.violations, []);
    assert.equal(this.records.length, 1, "one upload begun");
    const record = this.records[0]!;
    assert.equal(record.commits.length, outcome === "commit" ? 1 : 0, record.events.join(" "));
    assert.equal(record.aborts.length, outcome === "abort" ? 1 : 0, record.events.join(" "));
    return record;
  }
}

/** An upload request. */
export function uploadRequest(
  body: BodyInit | null,
  init: { method?: string; headers?: HeadersInit; signal?: AbortSignal } = {},
): Request {
  return new Request("http://edge.test/snapshots", {
    method: init.method ?? "POST",
    body,
    headers: init.headers,
    signal: init.signal,
    duplex: "half",
  } as RequestInit);
}

/** A body that yields `bytes` in `chunk`-sized pieces, optionally pausing, then failing. */
export function bodyStream(
  bytes: Uint8Array,
  options: {
    chunk?: number;
    delay?: number;
    /** Error the stream once this many bytes were sent. */
    failAfter?: number;
    /** Stall forever (until cancelled) once this many bytes were sent. */
    stallAfter?: number;
    onPull?: (sent: number) => void;
    onCancel?: (reason: unknown) => void;
  } = {},
): ReadableStream<Uint8Array> {
  const size = options.chunk ?? 16 * 1024;
  let sent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (options.failAfter !== undefined && sent >= options.failAfter) {
        controller.error(new Error("the body failed on purpose"));
        return;
      }
      if (options.stallAfter !== undefined && sent >= options.stallAfter) {
        await new Promise<void>((resolve) => wake = resolve);
        return;
      }
      if (options.delay) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, options.delay);
        });
      }
      if (cancelled) return;
      if (sent >= bytes.length) {
        controller.close();
        return;
      }
      const piece = bytes.slice(sent, sent + size);
      sent += piece.length;
      options.onPull?.(sent);
      controller.enqueue(piece);
    },
    cancel(reason) {
      cancelled = true;
      clearTimeout(timer);
      wake?.();
      options.onCancel?.(reason);
    },
  }, { highWaterMark: 0 });
}

/** The response's JSON, typed loosely for assertions. */
// deno-lint-ignore no-explicit-any
export async function json(response: Response): Promise<any> {
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  return await response.json();
}

/** `sha-256=` + base64 of the bytes, via WebCrypto. */
export async function checksumOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
  return "sha-256=" + btoa(String.fromCharCode(...digest));
}

/** `serve:edge` started as a subprocess on loopback (see {@linkcode startEdgeServer}). */
export interface EdgeServer {
  /** Where it listens: `http://127.0.0.1:PORT/`. */
  url: URL;
  /** The folder it stores into (a fresh temporary one unless `dir` or `store` was given). */
  dir: string;
  /** The line it printed to say where it listens. */
  banner: string;
  /** Its peak RSS so far (VmHWM), in bytes. */
  peakRss(): Promise<number>;
  /**
   * Stops it and returns all it printed. SIGTERM (the default) is a graceful stop, checked
   * to exit 0; SIGKILL is a crash (nothing flushed, nothing answered), not checked. Once it
   * has stopped, stopping it again only returns its output.
   */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<string>;
}

/** How {@linkcode startEdgeServer} starts the server. */
export interface EdgeServerLaunch {
  /** Flags added after the defaults (`--dir` or `--store`, `--port`, `--no-sync`). */
  args?: string[];
  /** The folder to store into, such as the one a server before it stored into. */
  dir?: string;
  /** `--store URL` in place of a folder (`s3://BUCKET/PREFIX`): no folder is made. */
  store?: string;
  /** The prefix of the fresh temporary folder. */
  prefix?: string;
  /**
   * The port, such as the one a server before it listened on (to restart it where its
   * clients expect it). 0, the default, takes a free one.
   */
  port?: number;
  /** Environment variables added to this process's (credentials, endpoints). */
  env?: Record<string, string>;
  /** Flush every file it stores (`--no-sync` is passed unless this is true). */
  sync?: boolean;
  /**
   * Another server script, relative to the repository's root, such as
   * `examples/deno-s3/main.ts`: it is given `args` alone, and its listening line is the
   * first that holds an `http://127.0.0.1:PORT/` URL.
   */
  script?: string;
}

const REPOSITORY = new URL("../", import.meta.url);

/**
 * Starts `src/deno/edge_server.ts` (`deno task serve:edge`) on 127.0.0.1, storing into
 * a fresh temporary folder unless told otherwise, and waits until it says where it listens.
 */
export async function startEdgeServer(launch: EdgeServerLaunch = {}): Promise<EdgeServer> {
  const { script, store } = launch;
  const dir = script || store ? launch.dir ?? "" : launch.dir ??
    await Deno.makeTempDir({ prefix: launch.prefix ?? "raftsnap-edge-" });
  const where = store ? ["--store", store] : ["--dir", dir];
  const args = script ? launch.args ?? [] : [
    ...where,
    "--port",
    String(launch.port ?? 0),
    ...(launch.sync ? [] : ["--no-sync"]),
    ...launch.args ?? [],
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--unstable-no-legacy-abort",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-write",
      // The S3 store reads its credentials and endpoint from the whole environment.
      launch.env ? "--allow-env" : "--allow-env=RAFTSNAP_EDGE_TOKEN",
      new URL(script ?? "src/deno/edge_server.ts", REPOSITORY).pathname,
      ...args,
    ],
    cwd: REPOSITORY.pathname,
    // glibc keeps freed buffers in its heap, where they fragment under this churn: RSS
    // then reads well above what is live. Mapping buffers of 64 KiB and more gives them
    // back on free, so the peak is closer to what the server holds.
    env: { MALLOC_MMAP_THRESHOLD_: "65536", ...launch.env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Both pipes are read to their end, so that the server never blocks on a full one.
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const listening = script
    ? /(http:\/\/127\.0\.0\.1:\d+\/)/
    : /listening on (http:\/\/127\.0\.0\.1:\d+\/)/;
  let first = "";
  let match: RegExpExecArray | null = null;
  while (!match) {
    const { done, value } = await lines.read();
    if (done) break;
    first += value;
    const line = first.includes("\n") ? first.slice(0, first.lastIndexOf("\n")) : "";
    match = listening.exec(line);
  }
  const rest = (async () => {
    let out = "";
    for (;;) {
      const { done, value } = await lines.read();
      if (done) return out;
      out += value;
    }
  })();
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // (it has exited already)
    }
  };
  if (!match) {
    kill("SIGKILL");
    await child.status;
    throw new Error(`the server did not start: ${first}\n${await stderr}`);
  }
  let stopped: Promise<string> | undefined;
  return {
    url: new URL(match[1]!),
    dir,
    banner: first.split("\n").find((line) => listening.test(line))!,
    async peakRss() {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    stop(signal = "SIGTERM") {
      return stopped ??= (async () => {
        kill(signal);
        const { code } = await child.status;
        const output = first + await rest + await stderr;
        if (signal === "SIGTERM" && code !== 0) {
          throw new Error(`the server exited with ${code}:\n${output}`);
        }
        return output;
      })();
    },
  };
}

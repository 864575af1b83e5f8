// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * The one place the command line meets its runtime: files, standard streams, signals,
 * the exit, and the hasher. `deno.ts` gives Deno's, `node.ts` Node's (the npm package's
 * `raftsnap` command); the commands stay runtime-neutral and reach the runtime through
 * {@linkcode runtime}, which the entry point sets once with {@linkcode useRuntime}.
 *
 * @module
 */

import type { Sha256Factory } from "../../sha256/sha256.ts";

/** What a file system call failed with, whatever the runtime. */
export type FsErrorKind =
  | "not-found"
  | "permission-denied"
  | "is-a-folder"
  | "not-a-folder"
  | "already-exists"
  | "other";

/**
 * A file system failure as the runtime layer reports it: each runtime turns its own
 * errors (`Deno.errors.NotFound`, Node's `ENOENT`) into this.
 */
export class FsError extends Error {
  /** What went wrong. */
  readonly kind: FsErrorKind;
  /**
   * An error of this kind.
   *
   * @param kind What went wrong.
   * @param reason A short lowercase reason: `no such file or directory`.
   * @param cause The runtime's own error.
   */
  constructor(kind: FsErrorKind, reason: string, cause?: unknown) {
    super(reason, { cause });
    this.name = "FsError";
    this.kind = kind;
  }
}

/** The reasons the CLI prints for each kind. */
export const FS_REASONS: Record<Exclude<FsErrorKind, "other">, string> = {
  "not-found": "no such file or directory",
  "permission-denied": "permission denied",
  "is-a-folder": "is a folder",
  "not-a-folder": "a part of the path is not a folder",
  "already-exists": "already exists",
};

/** What `stat` tells. */
export interface FileInfo {
  /** Whether it is a folder. */
  isDirectory: boolean;
  /** Its size in bytes. */
  size: number;
  /** When it was last modified, in milliseconds since the epoch, where the system says. */
  mtime?: number;
}

/** An HTTP server the runtime started (`raftsnap watch --metrics-port`). */
export interface HttpServer {
  /** The port it listens on (the one chosen, for port 0). */
  readonly port: number;
  /** Stops it. */
  close(): Promise<void>;
}

/** The signals the CLI stops on. */
export type StopSignal = "SIGINT" | "SIGTERM";

/**
 * The runtime as the CLI uses it. Every file method throws {@linkcode FsError} for a
 * file system failure.
 */
export interface Runtime {
  /** The command line's arguments, without the program. */
  readonly args: readonly string[];
  /** Ends the process (after what was written to standard output and error is out). */
  exit(code: number): Promise<never>;
  /** Writes text to standard output, in order with {@linkcode Runtime.stdoutWritable}. */
  writeOut(text: string): void;
  /** Writes text to standard error. */
  writeErr(text: string): void;
  /** Standard input as bytes. */
  stdin(): ReadableStream<Uint8Array>;
  /** Standard output as bytes (closed when the stream ends). */
  stdoutWritable(): WritableStream<Uint8Array>;
  /** Whether standard input, output and error are terminals. */
  isTerminal(fd: 0 | 1 | 2): boolean;
  /** The terminal's width in columns (80 when unknown). */
  columns(): number;
  /** Calls `listener` on `signal`; returns what removes it (a no-op where the signal is missing). */
  onSignal(signal: StopSignal, listener: () => void): () => void;
  /** Follows symbolic links. */
  stat(path: string): Promise<FileInfo>;
  /** Whether `path` exists (a dangling symbolic link counts). */
  exists(path: string): Promise<boolean>;
  /** A file's bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** A file's text (UTF-8). */
  readTextFile(path: string): Promise<string>;
  /** Writes a whole file, from bytes or a stream. */
  writeFile(path: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<void>;
  /**
   * A file as a stream from `offset` (0 by default), read 256 KiB at a time (or
   * `chunkSize`); closed when the stream ends or is cancelled.
   */
  openRead(
    path: string,
    options?: { offset?: number; chunkSize?: number },
  ): Promise<ReadableStream<Uint8Array>>;
  /** The absolute path, with symbolic links resolved. */
  realPath(path: string): Promise<string>;
  /** An environment variable; `undefined` when unset or not readable (no permission). */
  env(name: string): string | undefined;
  /** An existing file, open for writing from its start. */
  openWrite(path: string): Promise<WritableStream<Uint8Array>>;
  /** Renames, replacing the target. */
  rename(from: string, to: string): Promise<void>;
  /** A folder's entries. */
  readDir(path: string): AsyncIterable<{ name: string; isFile: boolean; isDirectory: boolean }>;
  /** Creates a file with `bytes` only if none is there; `false` when one is. */
  createNew(path: string, bytes: Uint8Array): Promise<boolean>;
  /** Serves HTTP on `hostname:port` (port 0: any free port). */
  serve(
    options: { port: number; hostname?: string },
    handler: (request: Request) => Response | Promise<Response>,
  ): Promise<HttpServer>;
  /** `mkdir -p`. */
  mkdirAll(path: string): Promise<void>;
  /** Removes a file, or a folder with all it holds when `recursive`. */
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  /**
   * Creates an empty file (mode 0600) `dir/PREFIX…SUFFIX` and returns its path; without
   * `dir`, in the system's temporary folder.
   */
  makeTempFile(options: { dir?: string; prefix: string; suffix: string }): Promise<string>;
  /** The fastest SHA-256 this runtime has. */
  hasher: Sha256Factory;
}

let current: Runtime | undefined;

/** Sets the runtime the CLI runs on: the entry point's first step. */
export function useRuntime(runtime: Runtime): void {
  current = runtime;
}

/**
 * The runtime the CLI runs on.
 *
 * @throws {Error} when no entry point set one.
 */
export function runtime(): Runtime {
  if (!current) throw new Error("the CLI runs without a runtime: call useRuntime() first");
  return current;
}

/**
 * Standard output's reader went away (`| head`): what a write to it throws once the
 * runtime saw the broken pipe. The CLI then stops quietly with {@linkcode CLOSED_PIPE_EXIT}.
 */
export class StdoutClosed extends Error {
  /**
   * Makes the error.
   *
   * @param cause The runtime's own error (Deno's BrokenPipe, Node's EPIPE).
   */
  constructor(cause?: unknown) {
    super("standard output was closed by its reader", { cause });
    this.name = "StdoutClosed";
  }
}

/**
 * The exit status after a closed pipe: 128 + SIGPIPE (13), what a shell reports for `cat`,
 * Go's programs and most Unix tools that a broken pipe stops, so a `set -o pipefail` script
 * sees the same status from raftsnap as from them.
 */
export const CLOSED_PIPE_EXIT = 141;

let stdoutGone = false;

/** Records that standard output's reader went away (the runtime calls this). */
export function markStdoutClosed(): void {
  stdoutGone = true;
}

/** Whether standard output's reader went away. */
export function stdoutClosed(): boolean {
  return stdoutGone;
}

/**
 * `inner` (standard output as a stream), with a broken pipe (as `isBrokenPipe` tells it)
 * turned into {@linkcode StdoutClosed} and recorded.
 */
export function guardStdout(
  inner: WritableStream<Uint8Array>,
  isBrokenPipe: (error: unknown) => boolean,
): WritableStream<Uint8Array> {
  const writer = inner.getWriter();
  const guard = async (step: () => Promise<void>) => {
    if (stdoutGone) throw new StdoutClosed();
    try {
      await step();
    } catch (error) {
      if (!isBrokenPipe(error)) throw error;
      markStdoutClosed();
      throw new StdoutClosed(error);
    }
  };
  return new WritableStream<Uint8Array>({
    write: (chunk) => guard(() => writer.write(chunk)),
    close: () => guard(() => writer.close()),
    abort: (reason) => writer.abort(reason).catch(() => {}),
  });
}

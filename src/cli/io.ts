// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * What a command reaches the outside world through: text output, standard input and
 * output, files, the sealer key, the progress bar, and the interrupt signal.
 *
 * @module
 */

import { createAesGcmSealer, parseLimits, type ReadOptions, type Sealer } from "../../mod.ts";
import { type ParsedArgs, UsageError } from "./args.ts";
import { IoError, withIo } from "./errors.ts";
import { Progress } from "./progress.ts";
import { FsError, runtime, stdoutClosed } from "./runtime/runtime.ts";

/** The world as a command sees it. {@linkcode runtimeContext} gives the real one. */
export interface Context {
  /** Writes text to standard output. */
  out(text: string): void;
  /** Writes text to standard error. */
  err(text: string): void;
  /** Standard input as bytes. */
  stdin(): ReadableStream<Uint8Array>;
  /** Standard output as bytes (closed when the stream ends). */
  stdoutWritable(): WritableStream<Uint8Array>;
  /** Whether standard input is a terminal. */
  stdinIsTerminal: boolean;
  /** Whether standard output is a terminal. */
  stdoutIsTerminal: boolean;
  /** Whether standard error is a terminal. */
  stderrIsTerminal: boolean;
  /** Aborts with an `Interrupted` error on Ctrl-C or SIGTERM. */
  signal: AbortSignal;
}

/** The process's own standard streams, through the runtime ({@linkcode runtime}). */
export function runtimeContext(signal: AbortSignal): Context {
  const rt = runtime();
  return {
    out: (text) => rt.writeOut(text),
    // After a closed pipe, nothing more is said: a failure it caused is no failure.
    err: (text) => {
      if (!stdoutClosed()) rt.writeErr(text);
    },
    stdin: () => rt.stdin(),
    stdoutWritable: () => rt.stdoutWritable(),
    stdinIsTerminal: rt.isTerminal(0),
    stdoutIsTerminal: rt.isTerminal(1),
    stderrIsTerminal: rt.isTerminal(2),
    signal,
  };
}

/** The shown name of an input or output: `-` is standard input or output. */
export const STDIO = "-";

/** An archive to read: its bytes, and its size when known. */
export interface Input {
  /** The name as given (`-` for standard input). */
  name: string;
  /** The bytes. */
  stream: ReadableStream<Uint8Array>;
  /** The size in bytes, when it is a regular file. */
  size?: number;
}

/**
 * Opens `path` for reading (256 KiB reads), or standard input for `-`.
 *
 * @throws {FsError} when the file is missing, a folder, or unreadable.
 * @throws {UsageError} for `-` when standard input is a terminal.
 */
export async function openInput(ctx: Context, path: string): Promise<Input> {
  if (path === STDIO) {
    if (ctx.stdinIsTerminal) {
      throw new UsageError(
        "refusing to read a snapshot from a terminal: pipe one into '-', or name a FILE",
      );
    }
    return { name: path, stream: ctx.stdin() };
  }
  // An FsError here is reported as `raftsnap: verify x.snap: no such file or directory`.
  const info = await runtime().stat(path);
  if (info.isDirectory) throw new FsError("is-a-folder", "is a folder");
  return { name: path, stream: await runtime().openRead(path), size: info.size };
}

/** Whether `path` exists (a dangling symbolic link counts). */
export function exists(path: string): Promise<boolean> {
  return runtime().exists(path);
}

/** `dir/name`, without doubling a trailing separator. */
export function joinPath(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? dir + name : `${dir}/${name}`;
}

/** The folder part of a path (`.` for a bare name). */
export function dirOf(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (cut < 0) return ".";
  if (cut === 0) return path.slice(0, 1);
  return path.slice(0, cut);
}

/**
 * The sealer for `--sealer-key`: 64 hex digits, or `@FILE` holding them (whitespace
 * around them is ignored), for an AES-256-GCM key.
 *
 * @throws {UsageError} when the key is not 32 bytes of hex.
 * @throws {IoError} when the key file cannot be read.
 */
export async function loadSealer(value: string | true | undefined): Promise<Sealer | undefined> {
  if (typeof value !== "string") return undefined;
  let hex = value;
  if (value.startsWith("@")) {
    const path = value.slice(1);
    hex = await withIo(`cannot read the key file ${path}`, () => runtime().readTextFile(path));
  }
  try {
    return await createAesGcmSealer(hex.trim());
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      // Never echo the key itself.
      const why = error.message.charAt(0).toLowerCase() + error.message.slice(1);
      throw new UsageError(`--sealer-key: ${why} (give 64 hex digits, or @FILE)`);
    }
    throw error;
  }
}

/** A progress bar for this command line: on when standard error is a terminal or `--progress`, off with `--quiet`. */
export function progressFor(
  ctx: Context,
  args: ParsedArgs,
  label: string,
  total?: number,
): Progress {
  const enabled = !args.flags.quiet && (args.flags.progress === true || ctx.stderrIsTerminal);
  return new Progress({ label, total, enabled, write: (text) => ctx.err(text) });
}

/**
 * A temporary file in `dir` (mode 0600), named so it is plainly raftsnap's:
 * `.raftsnap-XXXX.NAME.tmp`.
 */
export function tempFileIn(dir: string, name: string): Promise<string> {
  return withIo(
    `cannot create a temporary file in ${dir}`,
    () => runtime().makeTempFile({ dir, prefix: ".raftsnap-", suffix: `.${name}.tmp` }),
  );
}

/**
 * Writes `target` all or nothing: `write` fills a temporary file beside it (see
 * {@linkcode tempFileIn}), which takes `target`'s name only once `write` has returned.
 * If anything throws, the temporary file is removed and `target` is untouched.
 *
 * @param write Fills `sink` (closing it, as `pipeTo` does); it may read the finished
 *   file back from `path` to check it before it is renamed.
 */
export async function writeAtomically<T>(
  target: string,
  name: string,
  write: (sink: WritableStream<Uint8Array>, path: string) => Promise<T>,
): Promise<T> {
  const path = await tempFileIn(dirOf(target), name);
  try {
    const sink = await withIo(`cannot write ${path}`, () => runtime().openWrite(path));
    const value = await write(sink, path);
    await withIo(`cannot write ${target}`, () => runtime().rename(path, target));
    return value;
  } catch (error) {
    await removeQuietly(path).catch(() => {});
    throw error;
  }
}

/** Removes a file, ignoring one that is already gone. */
export async function removeQuietly(
  path: string,
  options?: { recursive?: boolean },
): Promise<void> {
  try {
    await runtime().remove(path, options);
  } catch (error) {
    if (!(error instanceof FsError && error.kind === "not-found")) throw error;
  }
}

/** Refuses to overwrite `path` unless forced. @throws {IoError} when it exists. */
export async function refuseToOverwrite(path: string, force: boolean): Promise<void> {
  if (force) return;
  if (await exists(path)) {
    throw new IoError(`${path} already exists (--force overwrites it)`);
  }
}

/**
 * The reader options every reading command uses: the runtime's hasher, the sealer, the
 * zero-padding flag, the `--limit`s, the archive checksum and the command's signal.
 */
export function readOptions(
  ctx: Context,
  args: ParsedArgs,
  sealer: Sealer | undefined,
): ReadOptions {
  return {
    hasher: runtime().hasher,
    sealer,
    allowZeroPadding: args.flags["allow-zero-padding"] === true,
    limits: typeof args.flags.limit === "string" ? parseLimits(args.flags.limit) : undefined,
    checksum: true,
    signal: ctx.signal,
  };
}

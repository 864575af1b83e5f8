// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * The CLI's exit codes and how every error maps to one: a bad snapshot is 1, a bad
 * command line 2, a file that cannot be read or written 3.
 *
 * @module
 */

import { SnapshotError } from "../../mod.ts";
import { UsageError } from "./args.ts";
import { FsError } from "./runtime/runtime.ts";

/** The exit codes, as `--help` and the README document them. */
export const EXIT = {
  /** Everything verified (or was written). */
  ok: 0,
  /** A snapshot is bad: a check failed. */
  bad: 1,
  /** The command line is wrong. */
  usage: 2,
  /** A file could not be read or written (missing, a folder, no permission, exists). */
  io: 3,
  /** Something raftsnap did not expect: a bug. */
  internal: 4,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM. */
  interrupted: 130,
} as const;

/** The exit code lines every `--help` ends with. */
export const EXIT_CODES_HELP = `Exit codes:
    0  ok
    1  a snapshot is bad (a check failed; the message says which)
    2  usage error (unknown flag, missing argument)
    3  I/O error (a file is missing, unreadable, a folder, or exists without --force;
       for upload: anything that is not the archive's fault, such as no server)
    4  internal error (a bug: please report it with the --debug output)
  130  interrupted (Ctrl-C)
  141  standard output was closed by its reader (| head): stopped quietly, as Unix tools do`;

/** A file-level failure with its context: `cannot open x.snap: no such file or directory`. */
export class IoError extends Error {
  /**
   * @param message What could not be done, to which file, and why.
   * @param cause The underlying error, for `--debug`.
   */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "IoError";
  }
}

/** Thrown when the command was stopped by a signal. */
export class Interrupted extends Error {
  constructor(signal: string) {
    super(`interrupted (${signal})`);
    this.name = "Interrupted";
  }
}

/**
 * Whether `error` is a file system failure, as the runtime layer reports them
 * ({@linkcode FsError}: Deno's `NotFound`, Node's `ENOENT`, ...).
 */
export function isFsError(error: unknown): error is FsError {
  return error instanceof FsError;
}

/** A short lowercase reason for a file system failure: `no such file or directory`. */
export function describeIoError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs `fn`, turning a file system failure into an {@linkcode IoError} that says what was
 * being done: `withIo("cannot open x.snap", ...)` fails as `cannot open x.snap: no such
 * file or directory`.
 */
export async function withIo<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isFsError(error)) throw new IoError(`${what}: ${describeIoError(error)}`, error);
    throw error;
  }
}

/** What an error means to the CLI: its exit code, a stable code for `--json`, one line. */
export interface Classified {
  /** The process exit code. */
  exit: number;
  /** A {@linkcode SnapshotError} code, or `usage`, `io`, `interrupted`, `internal`. */
  code: string;
  /** The message, without the library's `Cannot verify the snapshot: ` prefix. */
  message: string;
}

/**
 * A library message as the CLI shows it: without the `Cannot verify the snapshot: `
 * prefix (the CLI line already says what it was doing), and naming the CLI's flag where
 * the library names its option.
 */
export function stripPrefix(message: string): string {
  return message.replace(/^Cannot (verify|write) the snapshot: /, "")
    .replace("the allowZeroPadding option", "--allow-zero-padding")
    .replace(
      /raise limits\.(\w+) to read it/g,
      (_, name: string) => `raise it with --limit ${name}=${limitValue(name)} to read it`,
    )
    .replace(/\(limits\.(\w+)\)/g, (_, name: string) => `(--limit ${name}=${limitValue(name)})`);
}

/** How `--limit NAME=` takes its value, for the hint after a limit-exceeded error. */
function limitValue(name: string): string {
  if (name === "maxRatio") return "N (e.g. 2000, or off)";
  if (name === "maxEntries") return "N";
  return "SIZE (e.g. 128GiB, or off)";
}

/** Classifies any error the CLI may meet. */
export function classify(error: unknown): Classified {
  if (error instanceof SnapshotError) {
    return { exit: EXIT.bad, code: error.code, message: stripPrefix(error.message) };
  }
  if (error instanceof UsageError) {
    return { exit: EXIT.usage, code: "usage", message: error.message };
  }
  if (error instanceof IoError) return { exit: EXIT.io, code: "io", message: error.message };
  if (error instanceof Interrupted) {
    return { exit: EXIT.interrupted, code: "interrupted", message: error.message };
  }
  if (isFsError(error)) return { exit: EXIT.io, code: "io", message: describeIoError(error) };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { exit: EXIT.internal, code: "internal", message: `internal error: ${message}` };
}

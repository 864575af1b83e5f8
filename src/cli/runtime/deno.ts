// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * The CLI's runtime on Deno: `Deno.*` for files, standard streams and signals, and
 * `node:crypto` hashing on a Worker ({@linkcode nativeSha256}).
 *
 * @module
 */

import { nativeSha256 } from "../../deno/native_sha256.ts";
import { openFileStream } from "../../deno/file_stream.ts";
import {
  FS_REASONS,
  FsError,
  type FsErrorKind,
  guardStdout,
  markStdoutClosed,
  type Runtime,
  StdoutClosed,
  stdoutClosed,
} from "./runtime.ts";

const encoder = new TextEncoder();

function writeAllSync(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
}

/** Deno's I/O error as an {@linkcode FsError}, anything else as it is. */
function fsError(error: unknown): unknown {
  const kinds: [new (...args: never[]) => Error, FsErrorKind][] = [
    [Deno.errors.NotFound, "not-found"],
    [Deno.errors.PermissionDenied, "permission-denied"],
    [Deno.errors.IsADirectory, "is-a-folder"],
    [Deno.errors.NotADirectory, "not-a-folder"],
    [Deno.errors.AlreadyExists, "already-exists"],
  ];
  for (const [cls, kind] of kinds) {
    if (error instanceof cls) {
      return new FsError(kind, FS_REASONS[kind as keyof typeof FS_REASONS], error);
    }
  }
  if (Object.values(Deno.errors).some((cls) => error instanceof cls)) {
    // "No space left on device (os error 28): write" -> "no space left on device"
    const text = (error as Error).message.replace(/ \(os error \d+\).*$/s, "");
    return new FsError("other", text.charAt(0).toLowerCase() + text.slice(1), error);
  }
  return error;
}

async function fs<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw fsError(error);
  }
}

/** Whether a write failed because the reader of the pipe went away. */
function isBrokenPipe(error: unknown): boolean {
  return error instanceof Deno.errors.BrokenPipe;
}

/** The CLI's runtime on Deno. */
export const denoRuntime: Runtime = {
  args: Deno.args,
  exit: (code) => Deno.exit(code),
  writeOut(text) {
    if (stdoutClosed()) throw new StdoutClosed();
    try {
      writeAllSync(Deno.stdout, text);
    } catch (error) {
      if (!isBrokenPipe(error)) throw error;
      markStdoutClosed();
      throw new StdoutClosed(error);
    }
  },
  writeErr: (text) => writeAllSync(Deno.stderr, text),
  stdin: () => Deno.stdin.readable,
  stdoutWritable: () => guardStdout(Deno.stdout.writable, isBrokenPipe),
  isTerminal: (fd) => [Deno.stdin, Deno.stdout, Deno.stderr][fd]!.isTerminal(),
  columns() {
    try {
      return Deno.consoleSize().columns || 80;
    } catch {
      return 80;
    }
  },
  onSignal(signal, listener) {
    try {
      Deno.addSignalListener(signal, listener);
    } catch {
      // Not every platform has every signal (Windows has no SIGTERM listener).
      return () => {};
    }
    return () => Deno.removeSignalListener(signal, listener);
  },
  stat: (path) =>
    fs(async () => {
      const info = await Deno.stat(path);
      return { isDirectory: info.isDirectory, size: info.size, mtime: info.mtime?.getTime() };
    }),
  async exists(path) {
    try {
      await fs(() => Deno.lstat(path));
      return true;
    } catch (error) {
      if (error instanceof FsError && error.kind === "not-found") return false;
      throw error;
    }
  },
  readFile: (path) => fs(() => Deno.readFile(path)),
  readTextFile: (path) => fs(() => Deno.readTextFile(path)),
  writeFile: (path, data) => fs(() => Deno.writeFile(path, data)),
  openRead: (path, options) => fs(() => openFileStream(path, options)),
  realPath: (path) => fs(() => Deno.realPath(path)),
  env(name) {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no --allow-env for it
    }
  },
  openWrite: (path) => fs(async () => (await Deno.open(path, { write: true })).writable),
  rename: (from, to) => fs(() => Deno.rename(from, to)),
  async *readDir(path) {
    try {
      for await (const entry of Deno.readDir(path)) {
        yield { name: entry.name, isFile: entry.isFile, isDirectory: entry.isDirectory };
      }
    } catch (error) {
      throw fsError(error);
    }
  },
  createNew: (path, bytes) =>
    fs(async () => {
      try {
        await Deno.writeFile(path, bytes, { createNew: true });
        return true;
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) return false;
        throw error;
      }
    }),
  serve(options, handler) {
    const server = Deno.serve({
      port: options.port,
      hostname: options.hostname ?? "127.0.0.1",
      onListen: () => {},
    }, handler);
    return Promise.resolve({
      port: server.addr.port,
      close: () => server.shutdown(),
    });
  },
  mkdirAll: (path) => fs(() => Deno.mkdir(path, { recursive: true })),
  remove: (path, options) => fs(() => Deno.remove(path, options)),
  makeTempFile: (options) => fs(() => Deno.makeTempFile(options)),
  hasher: nativeSha256,
};

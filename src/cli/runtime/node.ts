// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * The CLI's runtime on Node (the npm package's `raftsnap` command): `node:fs` for files,
 * `process` for standard streams, signals and the exit, `node:crypto` for hashing. The
 * only CLI file that imports `node:` modules.
 *
 * @module
 */

import { constants, createReadStream } from "node:fs";
import * as fsp from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Readable, Writable } from "node:stream";
import { isatty } from "node:tty";
import { createServer } from "node:http";
import process from "node:process";
import { createNodeCryptoSha256 } from "../../deno/node_crypto_sha256.ts";
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

const KINDS: Record<string, FsErrorKind> = {
  ENOENT: "not-found",
  EACCES: "permission-denied",
  EPERM: "permission-denied",
  EISDIR: "is-a-folder",
  ERR_FS_EISDIR: "is-a-folder",
  ENOTDIR: "not-a-folder",
  EEXIST: "already-exists",
};

/** Node's file system error as an {@linkcode FsError}, anything else as it is. */
function fsError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (!(error instanceof Error) || typeof code !== "string") return error;
  const kind = KINDS[code];
  if (kind && kind !== "other") return new FsError(kind, FS_REASONS[kind], error);
  if (!/^E[A-Z]+$/.test(code)) return error;
  // "ENOSPC: no space left on device, write" -> "no space left on device"
  const reason = error.message.replace(/^E[A-Z]+: /, "").replace(/, \w+( '.*')?$/s, "");
  return new FsError("other", reason, error);
}

async function fs<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw fsError(error);
  }
}

const CHUNK = 256 * 1024;

/** Waits until what was written to `stream` is handed to the system. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write("", () => resolve());
  });
}

/** Whether a write failed because the reader of the pipe went away. */
function isBrokenPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "EPIPE" || (code === "ERR_STREAM_DESTROYED" && stdoutClosed());
}

let watching = false;

/**
 * Node reports a broken pipe as an `error` event on `process.stdout`, which would
 * otherwise crash the process with a stack trace: record it, so the next write stops the
 * command and the CLI exits quietly.
 */
function watchStdout() {
  if (watching) return;
  watching = true;
  process.stdout.on("error", (error) => {
    if (isBrokenPipe(error)) markStdoutClosed();
    else throw error;
  });
}

/** The CLI's runtime on Node. */
export const nodeRuntime: Runtime = {
  args: process.argv.slice(2),
  async exit(code) {
    // process.exit drops what a pipe has not taken yet: wait for it first.
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  },
  writeOut(text) {
    watchStdout();
    if (stdoutClosed()) throw new StdoutClosed();
    process.stdout.write(text);
  },
  writeErr: (text) => void process.stderr.write(text),
  stdin: () => Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
  stdoutWritable() {
    watchStdout();
    return guardStdout(Writable.toWeb(process.stdout) as WritableStream<Uint8Array>, isBrokenPipe);
  },
  isTerminal: (fd) => isatty(fd),
  columns: () => process.stderr.columns || 80,
  onSignal(signal, listener) {
    process.on(signal, listener);
    return () => void process.off(signal, listener);
  },
  stat: (path) =>
    fs(async () => {
      const info = await fsp.stat(path);
      return { isDirectory: info.isDirectory(), size: info.size, mtime: info.mtimeMs };
    }),
  async exists(path) {
    try {
      await fs(() => fsp.lstat(path));
      return true;
    } catch (error) {
      if (error instanceof FsError && error.kind === "not-found") return false;
      throw error;
    }
  },
  readFile: (path) => fs(async () => new Uint8Array(await fsp.readFile(path))),
  readTextFile: (path) => fs(() => fsp.readFile(path, "utf8")),
  writeFile: (path, data) => fs(() => fsp.writeFile(path, data)),
  openRead: (path, options) =>
    fs(async () => {
      const file = await fsp.open(path, "r");
      // A folder opens; reading it fails: say so now, as Deno does.
      const info = await file.stat();
      if (info.isDirectory()) {
        await file.close();
        throw Object.assign(new Error("EISDIR: illegal operation on a directory"), {
          code: "EISDIR",
        });
      }
      // Reads no bigger than the file (16 KiB at least, for one that grows while read): a
      // watcher opening thousands of 1 KiB backups leaves no 64 KiB buffer behind for each.
      const chunk = options?.chunkSize ?? CHUNK;
      const left = info.size - (options?.offset ?? 0);
      const stream = createReadStream("", {
        fd: file,
        highWaterMark: left > 0 ? Math.min(chunk, Math.max(left, 16384)) : chunk,
        start: options?.offset ?? 0,
      });
      return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
    }),
  realPath: (path) => fs(() => fsp.realpath(path)),
  env: (name) => process.env[name],
  openWrite: (path) =>
    fs(async () => {
      const file = await fsp.open(path, constants.O_WRONLY);
      let position = 0;
      return new WritableStream<Uint8Array>({
        async write(chunk) {
          let at = 0;
          while (at < chunk.length) {
            const { bytesWritten } = await fs(() =>
              file.write(chunk, at, chunk.length - at, position)
            );
            at += bytesWritten;
            position += bytesWritten;
          }
        },
        close: () => file.close(),
        abort: () => file.close(),
      });
    }),
  rename: (from, to) => fs(() => fsp.rename(from, to)),
  async *readDir(path) {
    let dir;
    try {
      dir = await fsp.opendir(path);
    } catch (error) {
      throw fsError(error);
    }
    for await (const entry of dir) {
      yield { name: entry.name, isFile: entry.isFile(), isDirectory: entry.isDirectory() };
    }
  },
  createNew: (path, bytes) =>
    fs(async () => {
      try {
        await fsp.writeFile(path, bytes, { flag: "wx" });
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === "EEXIST") return false;
        throw error;
      }
    }),
  serve(options, handler) {
    const server = createServer((req, res) => {
      const url = `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`;
      Promise.resolve()
        .then(() => handler(new Request(url, { method: req.method })))
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(new Uint8Array(await response.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.hostname ?? "127.0.0.1", () => {
        const address = server.address();
        resolve({
          port: typeof address === "object" && address ? address.port : options.port,
          close: () =>
            new Promise((done) => {
              server.close(() => done());
              server.closeAllConnections();
            }),
        });
      });
    });
  },
  mkdirAll: (path) => fs(async () => void await fsp.mkdir(path, { recursive: true })),
  remove: (path, options) => fs(() => fsp.rm(path, { recursive: options?.recursive ?? false })),
  makeTempFile: ({ dir, prefix, suffix }) =>
    fs(async () => {
      for (;;) {
        const path = join(dir ?? tmpdir(), `${prefix}${randomBytes(6).toString("hex")}${suffix}`);
        try {
          await (await fsp.open(path, "wx", 0o600)).close();
          return path;
        } catch (error) {
          if ((error as { code?: string }).code !== "EEXIST") throw error;
        }
      }
    }),
  hasher: createNodeCryptoSha256,
};

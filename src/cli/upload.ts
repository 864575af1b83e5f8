// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * `raftsnap upload FILE URL`: sends a snapshot to a verifier's tus endpoint
 * (`uploadSnapshot`), resuming on its own, and across runs through a small state file.
 *
 * @module
 */

import {
  type StoredUploadJson,
  UploadFailedError,
  uploadSnapshot,
  verifySnapshot,
} from "../../mod.ts";
import { type CommandSpec, COMMON_FLAGS, type ParsedArgs, UsageError } from "./args.ts";
import { classify, EXIT, Interrupted, IoError, withIo } from "./errors.ts";
import { errorLine, jsonLine } from "./format.ts";
import { type Context, joinPath, progressFor, removeQuietly } from "./io.ts";
import { FsError, runtime } from "./runtime/runtime.ts";

/** The environment variable the token is read from when `--token` is not given. */
export const TOKEN_ENV = "RAFTSNAP_UPLOAD_TOKEN";

const MIB = 1024 * 1024;

function parseSize(text: string): number {
  const match = /^(\d+)([kmg]?)(i?b)?$/i.exec(text.trim());
  if (!match) throw new RangeError(`must be a size such as 50m, not ${JSON.stringify(text)}`);
  const unit = { "": 1, k: 1024, m: MIB, g: 1024 * MIB }[match[2]!.toLowerCase()]!;
  const bytes = Number(match[1]) * unit;
  if (bytes < 1) throw new RangeError("must be at least 1 byte");
  return bytes;
}

function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) throw new RangeError(`must be a whole number, not ${text}`);
  return Number(text);
}

/** The spec of `upload`. */
export const uploadSpec: CommandSpec = {
  name: "upload",
  summary: "send a snapshot to a verifier (tus), resuming on its own",
  usage: ["upload [flags] FILE URL"],
  description: [
    "Uploads FILE to the resumable-upload (tus 1.0.0) endpoint URL of a verifier such as\n" +
    "`deno task serve:edge` or the Cloudflare Worker example (their /uploads/), in requests\n" +
    "of --chunk-size bytes. The server verifies the archive as it arrives and stores it only\n" +
    "if it is good. A dropped connection or a server restart is retried with exponential\n" +
    "backoff (1 s, 2 s, 4 s... at most 30 s apart, --retries attempts in a row, at most 10\n" +
    "minutes without progress), resuming from the offset the server reports.",
    "The upload's URL is kept in a state file (in --state-dir, else $RAFTSNAP_STATE_DIR,\n" +
    "$XDG_STATE_HOME/raftsnap/uploads or ~/.local/state/raftsnap/uploads), keyed by the\n" +
    "file's path, size and modification time and by URL, so running the same command again\n" +
    "after it was killed resumes the upload. The state file is removed once the server\n" +
    "stored or refused the snapshot.",
    `The bearer token comes from --token (TOKEN, or @FILE holding it) or, without it, from\n` +
    `$${TOKEN_ENV}; it is never printed.`,
    "Prints where the snapshot was stored: `FILE: stored as KEY`. Exit code 1 means the\n" +
    "server refused the archive as a bad snapshot (the message says which check failed);\n" +
    "3 means anything that is not the archive's fault (unreachable server, wrong token,\n" +
    "a server bound): the state file stays, so a later run resumes.",
  ],
  flags: [
    { name: "token", value: "TOKEN|@FILE", help: `bearer token (default: $${TOKEN_ENV})` },
    {
      name: "chunk-size",
      value: "SIZE",
      help: "most bytes per request (default: 50m; Cloudflare takes at most 100 MB)",
      check: (value) => void parseSize(value),
    },
    {
      name: "retries",
      value: "N",
      help: "failed attempts in a row before giving up (default: 8)",
      check: (value) => void parseCount(value),
    },
    { name: "state-dir", value: "DIR", help: "where to remember uploads to resume" },
    { name: "no-resume", help: "neither read nor write a state file" },
    { name: "verify-first", help: "verify FILE locally first; a bad one is not sent (exit 1)" },
    { name: "json", help: "print the server's JSON for the stored snapshot" },
    ...COMMON_FLAGS,
  ],
  positionals: [2, 2],
  positionalNames: ["FILE", "URL"],
  examples: [
    [
      "upload backup.snap https://verify.example.com/uploads/",
      "upload (token from $RAFTSNAP_UPLOAD_TOKEN); exit code 0 once stored",
    ],
    [
      "upload --token @/etc/raftsnap/token -q /var/backups/consul.snap https://verify.example.com/uploads/",
      "in cron, after `consul snapshot save /var/backups/consul.snap`",
    ],
    [
      "upload --verify-first --chunk-size 90m vault.snap http://127.0.0.1:8787/uploads/",
      "check locally, then send in 90 MiB requests",
    ],
  ],
};

/** What the state file holds. */
interface UploadState {
  file: string;
  size: number;
  mtime: number | null;
  endpoint: string;
  uploadUrl: string;
  created: string;
}

function stateDir(args: ParsedArgs): string | undefined {
  if (args.flags["no-resume"]) return undefined;
  const rt = runtime();
  if (typeof args.flags["state-dir"] === "string") return args.flags["state-dir"];
  const own = rt.env("RAFTSNAP_STATE_DIR");
  if (own) return own;
  const xdg = rt.env("XDG_STATE_HOME");
  if (xdg) return joinPath(xdg, "raftsnap/uploads");
  const home = rt.env("HOME") ?? rt.env("USERPROFILE");
  return home ? joinPath(home, ".local/state/raftsnap/uploads") : undefined;
}

async function stateName(parts: unknown[]): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(JSON.stringify(parts)),
  );
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 32)}.json`;
}

async function readToken(args: ParsedArgs): Promise<string | undefined> {
  const flag = args.flags.token;
  let token = typeof flag === "string" ? flag : runtime().env(TOKEN_ENV);
  if (token?.startsWith("@")) {
    const path = token.slice(1);
    token = await withIo(`cannot read the token file ${path}`, () => runtime().readTextFile(path));
  }
  token = token?.trim();
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    // Never echo the token itself.
    throw new UsageError("--token: a token is printable ASCII without spaces");
  }
  return token === "" ? undefined : token;
}

/** Runs `upload`. @returns The exit code. */
export async function uploadCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const [file, url] = args.positionals as [string, string];
  let endpoint: URL;
  try {
    endpoint = new URL(url);
    if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") throw new TypeError();
  } catch {
    throw new UsageError(`URL must be an http:// or https:// URL, not ${JSON.stringify(url)}`);
  }
  const token = await readToken(args);
  const rt = runtime();
  const info = await withIo(`cannot open ${file}`, async () => {
    const info = await rt.stat(file);
    if (info.isDirectory) throw new FsError("is-a-folder", "is a folder");
    return info;
  });

  if (args.flags["verify-first"]) {
    const progress = progressFor(ctx, args, `verify ${file}`, info.size);
    try {
      await verifySnapshot((await rt.openRead(file)).pipeThrough(progress.counter()), {
        hasher: rt.hasher,
        signal: ctx.signal,
      });
    } catch (error) {
      progress.stop();
      ctx.err(errorLine("upload", file, classify(error)));
      return classify(error).exit;
    } finally {
      progress.stop();
    }
  }

  // The state file: where this file's upload to this endpoint was, in an earlier run.
  const dir = stateDir(args);
  let statePath: string | undefined;
  let uploadUrl: string | undefined;
  if (dir !== undefined) {
    const real = await withIo(`cannot open ${file}`, () => rt.realPath(file));
    statePath = joinPath(dir, await stateName([real, info.size, info.mtime, endpoint.href]));
    try {
      const saved = JSON.parse(await rt.readTextFile(statePath)) as UploadState;
      if (typeof saved.uploadUrl === "string") uploadUrl = saved.uploadUrl;
    } catch {
      // none yet, or unreadable: a new upload
    }
  }
  const remember = async (at: string) => {
    if (statePath === undefined) return;
    const state: UploadState = {
      file: await rt.realPath(file),
      size: info.size,
      mtime: info.mtime ?? null,
      endpoint: endpoint.href,
      uploadUrl: at,
      created: new Date().toISOString(),
    };
    try {
      await withIo(`cannot write the state file ${statePath}`, async () => {
        await rt.mkdirAll(dir!);
        await rt.writeFile(statePath!, new TextEncoder().encode(JSON.stringify(state) + "\n"));
      });
    } catch (error) {
      // The upload goes on; only a later run cannot resume it.
      if (!(error instanceof IoError)) throw error;
      ctx.err(`raftsnap: upload ${file}: ${error.message} (a later run starts over)\n`);
      statePath = undefined;
    }
  };

  const progress = progressFor(ctx, args, `upload ${file}`, info.size);
  const plain = !args.flags.quiet && !progress.enabled;
  let lastLine = -1;
  let stored: StoredUploadJson;
  try {
    if (uploadUrl !== undefined && plain) ctx.err(`upload ${file}: resuming ${uploadUrl}\n`);
    stored = await uploadSnapshot(
      { size: info.size, read: (offset) => rt.openRead(file, { offset }) },
      endpoint,
      {
        token,
        chunkSize: typeof args.flags["chunk-size"] === "string"
          ? parseSize(args.flags["chunk-size"])
          : undefined,
        retries: typeof args.flags.retries === "string"
          ? parseCount(args.flags.retries)
          : undefined,
        signal: ctx.signal,
        uploadUrl,
        onUploadUrl: remember,
        metadata: { filename: file.replace(/^.*[\\/]/, "") },
        onProgress: ({ sent, acknowledged, total }) => {
          progress.bytes = sent;
          // Without a terminal: one line per acknowledged request, for a log.
          if (plain && acknowledged !== lastLine && acknowledged > 0 && acknowledged < total) {
            lastLine = acknowledged;
            ctx.err(`upload ${file}: ${mb(acknowledged)} of ${mb(total)} MB stored\n`);
          }
        },
        onRetry: (error, attempt, delay) => {
          if (args.flags.quiet) return;
          progress.stop();
          ctx.err(
            `upload ${file}: ${error.message}; retry ${attempt} in ${
              (delay / 1000).toFixed(1)
            } s\n`,
          );
        },
      },
    );
  } catch (error) {
    progress.stop();
    return await failed(ctx, args, file, error, statePath);
  } finally {
    progress.stop();
  }
  if (statePath !== undefined) await removeQuietly(statePath).catch(() => {});
  if (args.flags.json) ctx.out(jsonLine(stored));
  else if (!args.flags.quiet) {
    ctx.out(`${file}: stored as ${stored.key ?? "(no key)"} at ${endpoint.origin}\n`);
  }
  return EXIT.ok;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

async function failed(
  ctx: Context,
  args: ParsedArgs,
  file: string,
  error: unknown,
  statePath: string | undefined,
): Promise<number> {
  if (error instanceof Interrupted || error instanceof IoError) {
    // Interrupted: the state file stays, so the same command resumes.
    const classified = classify(error);
    ctx.err(errorLine("upload", file, classified));
    return classified.exit;
  }
  if (error instanceof UploadFailedError) {
    const bad = error.kind === "bad-snapshot";
    // The upload ended on the server (stored, refused or gone): nothing to resume.
    if (bad && statePath !== undefined) await removeQuietly(statePath).catch(() => {});
    if (args.flags.json) {
      ctx.out(jsonLine({ ok: false, status: error.status ?? null, error: error.error ?? null }));
    }
    const what = bad
      ? `refused as a bad snapshot: ${error.error!.message} [${error.error!.code}]`
      : error.kind === "source"
      ? `${error.message} (did the file change while it was sent?)`
      : `${error.message}${
        error.error?.hint ? `; ${error.error.hint}` : ""
      } (not the archive's fault)`;
    ctx.err(`raftsnap: upload ${file}: ${what}\n`);
    if (bad && error.error?.hint) ctx.err(`  ${error.error.hint}\n`);
    if (args.flags.debug) ctx.err(`${error.stack}\n`);
    return bad ? EXIT.bad : EXIT.io;
  }
  if (error instanceof Error && /NotCapable|PermissionDenied/.test(error.name)) {
    ctx.err(
      `raftsnap: upload ${file}: ${error.message} (upload needs --allow-net)\n`,
    );
    return EXIT.io;
  }
  const classified = classify(error);
  ctx.err(errorLine("upload", file, classified));
  if (args.flags.debug && error instanceof Error) ctx.err(`${error.stack}\n`);
  return classified.exit;
}

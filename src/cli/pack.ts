// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * `raftsnap pack DIR FILE`: a `.snap` from a folder holding `meta.json` and `state.bin`,
 * such as `unpack` writes or a raft data directory's `snapshots/<id>/` holds.
 *
 * @module
 */

import {
  decodeMeta,
  encodeMeta,
  MetaDecodeError,
  metaToJson,
  SnapshotError,
  writeSnapshot,
} from "../../mod.ts";
import { type CommandSpec, COMMON_FLAGS, type ParsedArgs, UsageError } from "./args.ts";
import { EXIT, IoError, withIo } from "./errors.ts";
import { jsonLine, metaSummary, reportFailure } from "./format.ts";
import {
  type Context,
  joinPath,
  loadSealer,
  progressFor,
  refuseToOverwrite,
  STDIO,
  writeAtomically,
} from "./io.ts";
import type { Progress } from "./progress.ts";
import { JSON_FLAG, SEALER_KEY_FLAG } from "./verify.ts";
import { FsError, runtime } from "./runtime/runtime.ts";

/** The largest mtime a tar header's 11 octal digits hold. */
const MAX_MTIME = 8 ** 11 - 1;
/** A `meta.json` larger than this is not snapshot metadata. */
const MAX_META_FILE = 1 << 20;

/** The spec of `pack`. */
export const packSpec: CommandSpec = {
  name: "pack",
  summary: "write a snapshot archive from a folder holding meta.json and state.bin",
  usage: ["pack [flags] DIR FILE"],
  description: [
    "The reverse of unpack, and the way to turn a raft data directory's snapshots/<id>/\n" +
    "folder (which holds exactly meta.json and state.bin) into a .snap that\n" +
    "`consul snapshot restore`, `vault operator raft snapshot restore` or\n" +
    "`nomad operator snapshot restore` accepts. meta.json is read as Go reads it (unknown\n" +
    "keys such as raft's CRC are ignored) and written as Go writes it; its Size must be\n" +
    "state.bin's length. Other files in DIR (a SHA256SUMS, say) are ignored: the sums are\n" +
    "computed afresh. The archive is the one Go's snapshot.Write makes, byte for byte in\n" +
    "its tar.",
    "FILE is written under a temporary name beside it and renamed at the end; it refuses\n" +
    "to overwrite FILE without --force. FILE - writes standard output (not a terminal).",
    "--parallel compresses on two Workers, each 4 MiB of tar a gzip member of its own:\n" +
    "Go's reader (so Consul, Vault and Nomad) reads them as one stream. The tar inside is\n" +
    "the same, the file about 0.01% larger. One member where the runtime has no Workers.",
  ],
  flags: [
    { name: "force", short: "f", help: "overwrite FILE" },
    { ...SEALER_KEY_FLAG, help: "seal the sums with this AES-256-GCM key" },
    {
      name: "mtime",
      value: "UNIX_SECONDS",
      help: "the entries' modification time (default: now)",
    },
    {
      name: "parallel",
      help: "compress on two cores, as several gzip members (see above)",
    },
    { ...JSON_FLAG, help: "a JSON document, not the summary" },
    { ...COMMON_FLAGS[0]!, help: "no progress bar; no summary" },
    ...COMMON_FLAGS.slice(1),
  ],
  positionals: [2, 2],
  positionalNames: ["DIR", "FILE"],
  examples: [
    [
      "pack /opt/consul/raft/snapshots/2-433-1710350056693 consul.snap",
      "a restorable snapshot from a raft data directory",
    ],
    ["pack ./backup - | ssh host 'cat > backup.snap'", "write standard output"],
    ["pack --mtime 1700000000 ./backup backup.snap", "a reproducible archive"],
    ["pack --parallel ./backup backup.snap", "twice as fast on two idle cores"],
  ],
};

function parseMtime(value: string | true | undefined): Date {
  if (typeof value !== "string") return new Date();
  if (!/^\d+$/.test(value) || Number(value) > MAX_MTIME) {
    throw new UsageError(
      `--mtime must be whole seconds since 1970 (0 to ${MAX_MTIME}), not ${JSON.stringify(value)}`,
      packSpec,
    );
  }
  return new Date(Number(value) * 1000);
}

/** Runs `pack`. @returns The exit code. */
export async function packCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const [dir, file] = args.positionals as [string, string];
  const toStdout = file === STDIO;
  const modTime = parseMtime(args.flags.mtime);
  if (toStdout && args.flags.json) {
    throw new UsageError(
      "--json cannot be used with FILE -: standard output carries the snapshot",
      packSpec,
    );
  }
  if (toStdout && ctx.stdoutIsTerminal) {
    throw new UsageError(
      "refusing to write a snapshot to a terminal: redirect standard output",
      packSpec,
    );
  }
  const sealer = await loadSealer(args.flags["sealer-key"]);
  let progress: Progress | undefined;
  try {
    if (!toStdout) {
      await withIo(
        `cannot check ${file}`,
        () => refuseToOverwrite(file, args.flags.force === true),
      );
    }
    const metaPath = joinPath(dir, "meta.json");
    const statePath = joinPath(dir, "state.bin");
    const metaBytes = await withIo(`cannot read ${metaPath}`, async () => {
      const info = await runtime().stat(metaPath);
      if (info.isDirectory) throw new FsError("is-a-folder", "is a folder");
      if (info.size > MAX_META_FILE) {
        throw new IoError(`${metaPath} is ${info.size} bytes: not snapshot metadata`);
      }
      return await runtime().readFile(metaPath);
    });
    let meta;
    try {
      meta = decodeMeta(metaBytes);
    } catch (error) {
      if (!(error instanceof MetaDecodeError)) throw error;
      throw new SnapshotError(
        "meta-invalid",
        `${metaPath} is not valid snapshot metadata: ${error.message}`,
        {
          layer: "meta",
          entry: "meta.json",
          cause: error,
        },
      );
    }
    const stateSize = await withIo(`cannot read ${statePath}`, async () => {
      const info = await runtime().stat(statePath);
      if (info.isDirectory) throw new FsError("is-a-folder", "is a folder");
      return info.size;
    });
    if (meta.size !== BigInt(stateSize)) {
      throw new SnapshotError(
        "size-mismatch",
        `${metaPath} says Size ${meta.size}, but ${statePath} is ${stateSize} bytes`,
        {
          layer: "write",
          entry: "state.bin",
          expected: `${meta.size} bytes`,
          found: `${stateSize} bytes`,
        },
      );
    }
    const encoded = encodeMeta(meta).length;
    if (encoded >= 8192) {
      throw new SnapshotError(
        "entry-too-large",
        `meta.json would be ${encoded} bytes; Go's readers refuse 8192 bytes or more`,
        {
          layer: "entry",
          entry: "meta.json",
          expected: "at most 8191 bytes",
          found: `${encoded} bytes`,
        },
      );
    }

    const state = await withIo(`cannot read ${statePath}`, () => runtime().openRead(statePath));
    progress = progressFor(ctx, args, `pack ${dir}`, stateSize);
    const hasher = await runtime().hasher();
    let size = 0;
    const archive = writeSnapshot(meta, state.pipeThrough(progress.counter()), {
      sealer,
      modTime,
      hasher: runtime().hasher,
      parallel: args.flags.parallel === true,
      signal: ctx.signal,
    }).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        async transform(chunk, controller) {
          await hasher.update(chunk);
          size += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    const pack = async (sink: WritableStream<Uint8Array>) => {
      try {
        await archive.pipeTo(sink);
      } finally {
        progress!.stop();
      }
    };
    if (toStdout) await pack(ctx.stdoutWritable());
    else await writeAtomically(file, "snap", pack);
    const checksum = "sha-256=" + btoa(String.fromCharCode(...await hasher.digest()));
    if (args.flags.json) {
      ctx.out(jsonLine({
        file,
        ok: true,
        dir,
        meta: metaToJson(meta),
        size,
        checksum,
        sealed: sealer !== undefined,
        mtime: Math.floor(modTime.getTime() / 1000),
      }));
    } else if (!args.flags.quiet && !toStdout) {
      ctx.out(
        `${file}: packed from ${dir}  ${
          metaSummary(meta)
        }\n  ${size} bytes, checksum ${checksum}\n`,
      );
    }
    return EXIT.ok;
  } catch (error) {
    progress?.stop();
    return reportFailure(ctx, args, "pack", file, error, { dir });
  }
}

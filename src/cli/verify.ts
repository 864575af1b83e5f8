// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/** `raftsnap verify FILE...`: Go's `Verify` for each file. @module */

import { DEFAULT_LIMITS, parseLimits, verifySnapshot } from "../../mod.ts";
import {
  type CommandSpec,
  COMMON_FLAGS,
  type FlagSpec,
  type ParsedArgs,
  UsageError,
} from "./args.ts";
import { EXIT } from "./errors.ts";
import { jsonLine, reportFailure, reportJson, verifyDetails, verifyLine } from "./format.ts";
import { type Context, loadSealer, openInput, progressFor, readOptions, STDIO } from "./io.ts";
import type { Progress } from "./progress.ts";

/** `--sealer-key`, shared by the commands that read or write sealed archives. */
export const SEALER_KEY_FLAG: FlagSpec = {
  name: "sealer-key",
  value: "HEX|@FILE",
  help: "AES-256-GCM key: 64 hex digits, or @FILE",
};

/** `--allow-zero-padding`, shared by the readers. */
export const ZERO_PADDING_FLAG: FlagSpec = {
  name: "allow-zero-padding",
  help: "accept GNU tar's zero padding (Go refuses it)",
};

/** `--limit NAME=VALUE`, shared by the readers: any {@linkcode ReadLimits} field. */
export const LIMIT_FLAG: FlagSpec = {
  name: "limit",
  value: "NAME=VALUE",
  help: "set a read limit (repeatable; see Limits above): maxRatio=100",
  repeatable: true,
  check: (value) => void parseLimits(value),
};

/**
 * The flags of a command that reads archives and takes nothing else of its own after
 * them (`readOptions` turns them into reader options), with the common flags last.
 */
export const READ_FLAGS: FlagSpec[] = [
  SEALER_KEY_FLAG,
  ZERO_PADDING_FLAG,
  LIMIT_FLAG,
  ...COMMON_FLAGS,
];

/** The help paragraph of the readers on `--limit`: each limit and its default. */
export const LIMITS_HELP: string = [
  "Limits (--limit NAME=VALUE; 0 or off for none; k, m, g, t units are KiB..TiB):",
  ...([
    ["maxTarBytes", gib(DEFAULT_LIMITS.maxTarBytes), "most bytes the archive inflates to"],
    ["maxRatio", "off", "most inflated bytes per compressed byte (checked past 16 MiB)"],
    ["maxEntries", `${DEFAULT_LIMITS.maxEntries}`, "most tar entries (a snapshot has 3 or 4)"],
    [
      "maxSmallEntryBytes",
      `${DEFAULT_LIMITS.maxSmallEntryBytes}`,
      "largest meta.json or sums file (Go's own cap)",
    ],
    ["maxPaxBytes", `${DEFAULT_LIMITS.maxPaxBytes / 1024}KiB`, "largest PAX header"],
  ] as const).map(([name, value, what]) => `  ${`${name}=${value}`.padEnd(24)}  ${what}`),
  "The defaults refuse no archive Go accepts (but for Go's own 8191-byte cap); a",
  "limit-exceeded error names the limit to raise.",
].join("\n");

function gib(bytes: number): string {
  return `${bytes / 1024 ** 3}GiB`;
}

/** `--json`. */
export const JSON_FLAG: FlagSpec = {
  name: "json",
  help: "one JSON document per file, one line each",
};

/** The spec of `verify`. */
export const verifySpec: CommandSpec = {
  name: "verify",
  summary: "check snapshot archives as Go's snapshot.Verify does",
  usage: ["verify [flags] FILE..."],
  description: [
    "Reads each archive once, in constant memory, and checks what Go checks: the gzip\n" +
    "stream and its trailer, the tar headers, the entry names, every SHA256SUMS line,\n" +
    "SHA256SUMS.sealed when --sealer-key is given, and that nothing follows the archive.\n" +
    "FILE - reads standard input.",
    "For a good file it prints `FILE: ok` with the ID, Index, Term and Size from meta.json;\n" +
    "with a single FILE, each entry's size and SHA-256 and the archive's checksum follow.\n" +
    "For a bad file it prints one line on standard error saying which check failed, and\n" +
    "goes on with the next file. Without --sealer-key, SHA256SUMS.sealed is read but not\n" +
    "opened, as in Go's Verify.",
    LIMITS_HELP,
  ],
  flags: [
    SEALER_KEY_FLAG,
    ZERO_PADDING_FLAG,
    LIMIT_FLAG,
    JSON_FLAG,
    { ...COMMON_FLAGS[0]!, help: "no progress bar; print nothing for good files" },
    ...COMMON_FLAGS.slice(1),
  ],
  positionals: [1, Infinity],
  positionalNames: ["FILE"],
  examples: [
    ["verify backup.snap", "check one snapshot and list its entries"],
    ["verify --json *.snap", "one JSON document per file; exit code 1 if any is bad"],
    [
      "verify --sealer-key @vault.key vault.snap",
      "also open and check SHA256SUMS.sealed",
    ],
    ["verify -q backup.snap && echo good", "use only the exit code"],
    ["verify - < backup.snap", "read standard input (curl -s URL | raftsnap verify -)"],
  ],
};

/** Runs `verify`. @returns The exit code: the highest of the files' codes. */
export async function verifyCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const files = args.positionals;
  if (files.filter((f) => f === STDIO).length > 1) {
    throw new UsageError("standard input (-) can be read only once", verifySpec);
  }
  const sealer = await loadSealer(args.flags["sealer-key"]);
  let exit: number = EXIT.ok;
  for (const file of files) {
    let progress: Progress | undefined;
    try {
      const input = await openInput(ctx, file);
      progress = progressFor(ctx, args, `verify ${file}`, input.size);
      const result = await verifySnapshot(
        input.stream.pipeThrough(progress.counter()),
        readOptions(ctx, args, sealer),
      );
      progress.stop();
      if (args.flags.json) ctx.out(jsonLine(reportJson(file, result)));
      else if (!args.flags.quiet) {
        ctx.out(verifyLine(file, result) + (files.length === 1 ? verifyDetails(result) : ""));
      }
    } catch (error) {
      progress?.stop();
      exit = Math.max(exit, reportFailure(ctx, args, "verify", file, error));
      if (ctx.signal.aborted) break;
    }
  }
  return exit;
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * `raftsnap unpack FILE DIR`: verify, then write the archive's files into DIR. Nothing
 * appears in DIR unless the whole archive verified: the state goes to a temporary file
 * in DIR, and every file is renamed into place only at the end.
 *
 * @module
 */

import { parseSnapshot } from "../../mod.ts";
import { type CommandSpec, COMMON_FLAGS, type ParsedArgs } from "./args.ts";
import { EXIT, IoError, withIo } from "./errors.ts";
import { jsonLine, reportFailure, reportJson, verifyLine } from "./format.ts";
import {
  type Context,
  dirOf,
  exists,
  joinPath,
  loadSealer,
  openInput,
  progressFor,
  readOptions,
  refuseToOverwrite,
  removeQuietly,
  tempFileIn,
} from "./io.ts";
import type { Progress } from "./progress.ts";
import {
  JSON_FLAG,
  LIMIT_FLAG,
  LIMITS_HELP,
  SEALER_KEY_FLAG,
  ZERO_PADDING_FLAG,
} from "./verify.ts";
import { FsError, runtime } from "./runtime/runtime.ts";

/** The names an archive may hold, and so the files unpack may write. */
const NAMES = ["meta.json", "state.bin", "SHA256SUMS", "SHA256SUMS.sealed"] as const;

/** The spec of `unpack`. */
export const unpackSpec: CommandSpec = {
  name: "unpack",
  summary: "verify a snapshot, then write its files into a folder",
  usage: ["unpack [flags] FILE DIR"],
  description: [
    "Writes meta.json, state.bin, SHA256SUMS (and SHA256SUMS.sealed if the archive has it)\n" +
    "into DIR, creating DIR if needed. The archive is verified first, in the same pass:\n" +
    "the files are written under temporary names and renamed into place only once\n" +
    "everything checked, so a bad archive leaves DIR exactly as it was (and a DIR that\n" +
    "did not exist is not left behind). The files are created with mode 0600.",
    "It refuses to overwrite any of those four names in DIR without --force; with --force,\n" +
    "a SHA256SUMS.sealed left from an earlier archive is removed if the new one has none.\n" +
    "FILE - reads standard input.",
    LIMITS_HELP,
  ],
  flags: [
    { name: "force", short: "f", help: "overwrite the files in DIR" },
    SEALER_KEY_FLAG,
    ZERO_PADDING_FLAG,
    LIMIT_FLAG,
    { ...JSON_FLAG, help: "verify's JSON document, with dir" },
    { ...COMMON_FLAGS[0]!, help: "no progress bar; no summary" },
    ...COMMON_FLAGS.slice(1),
  ],
  positionals: [2, 2],
  positionalNames: ["FILE", "DIR"],
  examples: [
    ["unpack backup.snap ./backup", "verify, then write ./backup/{meta.json,state.bin,SHA256SUMS}"],
    [
      "unpack - restore-me < backup.snap",
      "from standard input; `raftsnap pack restore-me new.snap` reverses it",
    ],
  ],
};

/**
 * The folders `mkdir -p dir` would create, outermost first; empty if `dir` exists.
 * @throws {IoError} when `dir` exists and is not a folder.
 */
async function missingFolders(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      const info = await runtime().stat(current);
      if (!info.isDirectory) throw new IoError(`${current} is not a folder`);
      return missing;
    } catch (error) {
      if (!(error instanceof FsError && error.kind === "not-found")) throw error;
    }
    missing.unshift(current);
    const parent = dirOf(current);
    if (parent === current || parent === ".") return missing;
    current = parent;
  }
}

/** Runs `unpack`. @returns The exit code. */
export async function unpackCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const [file, dir] = args.positionals as [string, string];
  const force = args.flags.force === true;
  const sealer = await loadSealer(args.flags["sealer-key"]);
  let progress: Progress | undefined;
  let created: string | undefined;
  const temps: string[] = [];
  try {
    const toCreate = await withIo(`cannot use ${dir}`, () => missingFolders(dir));
    for (const name of NAMES) {
      await withIo(`cannot check ${dir}`, () => refuseToOverwrite(joinPath(dir, name), force));
    }
    const input = await openInput(ctx, file);
    if (toCreate.length > 0) {
      await withIo(`cannot create ${dir}`, () => runtime().mkdirAll(dir));
      created = toCreate[0];
    }
    progress = progressFor(ctx, args, `unpack ${file}`, input.size);
    const parsed = parseSnapshot(
      input.stream.pipeThrough(progress.counter()),
      readOptions(ctx, args, sealer),
    );
    const stateTemp = await tempFileIn(dir, "state.bin");
    temps.push(stateTemp);
    const sink = await withIo(`cannot write ${stateTemp}`, () => runtime().openWrite(stateTemp));
    // The state stream closes only once the whole archive verified; on a bad archive it
    // errors with the SnapshotError, and a failed write cancels the pass.
    const [written, verified] = await Promise.allSettled([
      withIo(`cannot write ${stateTemp}`, () => parsed.state.pipeTo(sink)),
      parsed.result,
    ]);
    progress.stop();
    if (written.status === "rejected") throw written.reason;
    if (verified.status === "rejected") throw verified.reason;
    const result = verified.value;

    // Everything verified: write the small entries, then rename all into place.
    const files = new Map<string, string>([["state.bin", stateTemp]]);
    for (const name of NAMES) {
      const parts = result.entries.filter((e) => e.name === name && e.content);
      if (name === "state.bin" || parts.length === 0) continue;
      const temp = await tempFileIn(dir, name);
      temps.push(temp);
      // Go hashes repeated entries of one name as one: so are they written.
      const bytes = new Uint8Array(parts.reduce((n, e) => n + e.content!.length, 0));
      parts.reduce((at, e) => (bytes.set(e.content!, at), at + e.content!.length), 0);
      await withIo(`cannot write ${temp}`, () => runtime().writeFile(temp, bytes));
      files.set(name, temp);
    }
    for (const name of NAMES) {
      const target = joinPath(dir, name);
      const temp = files.get(name);
      if (temp) await withIo(`cannot write ${target}`, () => runtime().rename(temp, target));
      else if (force && name === "SHA256SUMS.sealed" && await exists(target)) {
        await withIo(`cannot remove the stale ${target}`, () => runtime().remove(target));
      }
    }
    temps.length = 0;
    if (args.flags.json) ctx.out(jsonLine({ ...reportJson(file, result), dir }));
    else if (!args.flags.quiet) {
      ctx.out(verifyLine(file, result));
      ctx.out(`wrote ${NAMES.filter((n) => files.has(n)).join(", ")} to ${dir}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    progress?.stop();
    for (const temp of temps) await removeQuietly(temp).catch(() => {});
    if (created) await removeQuietly(created, { recursive: true }).catch(() => {});
    return reportFailure(ctx, args, "unpack", file, error, { dir });
  }
}

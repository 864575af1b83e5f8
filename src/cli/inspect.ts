// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/** `raftsnap inspect FILE`: the metadata and the entries of one archive. @module */

import { metaToJson, parseSnapshot, type SnapshotMeta, type VerifyResult } from "../../mod.ts";
import { type CommandSpec, COMMON_FLAGS, type ParsedArgs } from "./args.ts";
import { EXIT } from "./errors.ts";
import { inspectText, jsonLine, reportFailure, reportJson } from "./format.ts";
import { type Context, loadSealer, openInput, progressFor, readOptions } from "./io.ts";
import type { Progress } from "./progress.ts";
import { SEALER_KEY_FLAG, ZERO_PADDING_FLAG } from "./verify.ts";

/** The spec of `inspect`. */
export const inspectSpec: CommandSpec = {
  name: "inspect",
  summary: "show a snapshot's metadata, configuration and entries",
  usage: ["inspect [flags] FILE"],
  description: [
    "Prints meta.json (ID, Size, Index, Term, Version, as `consul snapshot inspect` shows\n" +
    "them), the raft configuration's servers, and each archive entry with its size and\n" +
    "SHA-256. The whole archive is verified on the way, as `verify` does; if it fails\n" +
    "after meta.json was read, the metadata is still shown, marked as not verified, and\n" +
    "the failure follows on standard error (exit code 1). FILE - reads standard input.",
  ],
  flags: [
    {
      name: "format",
      value: "pretty|json",
      choices: ["pretty", "json"],
      help: "pretty (the default) or json (one line)",
    },
    { name: "json", help: "the same as --format json" },
    SEALER_KEY_FLAG,
    ZERO_PADDING_FLAG,
    ...COMMON_FLAGS,
  ],
  positionals: [1, 1],
  positionalNames: ["FILE"],
  examples: [
    ["inspect backup.snap", "metadata, servers and entries"],
    ["inspect --format json backup.snap | jq .meta.Index", "the raft index, as a string"],
  ],
};

/** Runs `inspect`. @returns The exit code. */
export async function inspectCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  if (args.flags.format === "json") args.flags.json = true;
  const file = args.positionals[0]!;
  const sealer = await loadSealer(args.flags["sealer-key"]);
  let progress: Progress | undefined;
  let meta: SnapshotMeta | undefined;
  try {
    const input = await openInput(ctx, file);
    progress = progressFor(ctx, args, `inspect ${file}`, input.size);
    const parsed = parseSnapshot(
      input.stream.pipeThrough(progress.counter()),
      readOptions(ctx, args, sealer),
    );
    parsed.meta.then((m) => (meta = m), () => {});
    // The state is not needed here: read it away. It ends only once everything verified.
    const drained = parsed.state.pipeTo(new WritableStream());
    let result: VerifyResult;
    try {
      [, result] = await Promise.all([drained, parsed.result]);
    } finally {
      progress.stop();
    }
    if (args.flags.json) ctx.out(jsonLine(reportJson(file, result)));
    else ctx.out(inspectText(result.meta, result));
    return EXIT.ok;
  } catch (error) {
    progress?.stop();
    // Show what meta.json said, if it was read before the failure.
    if (meta && !args.flags.json) ctx.out(inspectText(meta, undefined));
    return reportFailure(ctx, args, "inspect", file, error, meta ? { meta: metaToJson(meta) } : {});
  }
}

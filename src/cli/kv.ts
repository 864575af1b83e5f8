// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * `raftsnap kv export FILE`: a snapshot's Consul KV pairs as `consul kv export` prints
 * them, for `consul kv import`.
 *
 * @module
 */

import { exportKv } from "../../mod.ts";
import { type CommandSpec, type ParsedArgs, UsageError } from "./args.ts";
import { EXIT, withIo } from "./errors.ts";
import { runtime } from "./runtime/runtime.ts";
import { reportFailure } from "./format.ts";
import {
  type Context,
  loadSealer,
  openInput,
  progressFor,
  readOptions,
  refuseToOverwrite,
  removeQuietly,
  writeAtomically,
} from "./io.ts";
import type { Progress } from "./progress.ts";
import { LIMITS_HELP, READ_FLAGS } from "./verify.ts";

/** The spec of `kv`. */
export const kvSpec: CommandSpec = {
  name: "kv",
  summary: "export Consul KV pairs as `consul kv export` prints them (values included)",
  usage: ["kv export [flags] FILE"],
  description: [
    "Prints the Consul KV pairs under --prefix (all of them without it) exactly as\n" +
    '`consul kv export PREFIX` prints them: a JSON array of {"key", "flags", "value"},\n' +
    "values in base64, indented with tabs, so `consul kv import @FILE` restores them; one\n" +
    "subtree back without restoring the whole snapshot.",
    "SECRETS LEAVE THE SNAPSHOT HERE, by request: every value under the prefix is printed\n" +
    "as it is stored (Vault's Consul storage, tokens, passwords). Mind where it goes; use\n" +
    "--output FILE (created with mode 0600) rather than a terminal or a shared log.",
    "Nothing is printed unless the whole archive verified: the pairs are gathered in a\n" +
    "temporary file (beside --output, or in the system's temporary folder) and printed or\n" +
    "renamed only at the end. It refuses to overwrite --output without --force.",
    LIMITS_HELP,
  ],
  flags: [
    { name: "prefix", value: "P", help: "only keys that start with P (a leading / is dropped)" },
    { name: "output", short: "o", value: "FILE", help: "write to FILE instead of stdout" },
    { name: "force", short: "f", help: "overwrite --output" },
    ...READ_FLAGS,
  ],
  positionals: [2, 2],
  positionalNames: ["export", "FILE"],
  examples: [
    ["kv export --prefix app/ backup.snap -o app.json", "the app/ subtree, into app.json"],
    ["kv export backup.snap | consul kv import -", "every pair, straight into a cluster"],
  ],
};

/** Runs `kv export`. @returns The exit code. */
export async function kvCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const [sub, file] = args.positionals as [string, string];
  if (sub !== "export") {
    throw new UsageError(`unknown kv command ${JSON.stringify(sub)}: only export`, kvSpec);
  }
  const output = typeof args.flags.output === "string" ? args.flags.output : undefined;
  const sealer = await loadSealer(args.flags["sealer-key"]);
  let progress: Progress | undefined;
  let temp: string | undefined;
  try {
    if (output) {
      await withIo(`cannot check ${output}`, () => refuseToOverwrite(output, !!args.flags.force));
    }
    const source = await openInput(ctx, file);
    progress = progressFor(ctx, args, `kv export ${file}`, source.size);
    const text = exportKv(source.stream.pipeThrough(progress.counter()), {
      ...readOptions(ctx, args, sealer),
      checksum: false,
      prefix: typeof args.flags.prefix === "string" ? args.flags.prefix : "",
    });
    const write = async (sink: WritableStream<Uint8Array>) => {
      try {
        await text.pipeTo(sink);
      } finally {
        progress!.stop();
      }
    };
    // The archive verified before anything reaches OUT or standard output.
    if (output) return await writeAtomically(output, "json", write).then(() => EXIT.ok);
    const path = temp = await withIo(
      "cannot create a temporary file",
      () => runtime().makeTempFile({ prefix: ".raftsnap-", suffix: ".kv.json.tmp" }),
    );
    await write(await withIo(`cannot write ${path}`, () => runtime().openWrite(path)));
    await (await runtime().openRead(path)).pipeTo(ctx.stdoutWritable(), { preventClose: false });
    await removeQuietly(path);
    temp = undefined;
    return EXIT.ok;
  } catch (error) {
    progress?.stop();
    if (temp) await removeQuietly(temp).catch(() => {});
    return reportFailure(ctx, args, "kv export", file, error, output ? { out: output } : {});
  }
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * The raftsnap command line: `raftsnap verify|inspect|decode|diff|kv|redact|unpack|pack|checksum|upload|watch ...`.
 *
 * Run it from a checkout with `deno task raftsnap ...`, install it as a `raftsnap`
 * command with `deno install -g --allow-read --allow-write -n raftsnap
 * jsr:@raftsnap/raftsnap/cli` (or the checkout's `src/cli/main.ts`; `upload` needs
 * `--allow-net --allow-env` too), or from npm
 * (`npm i -g raftsnap`: `node_main.ts`). It uses only the library's public API, and
 * reaches files, standard streams and signals through its runtime layer (`runtime/`).
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };
import {
  commandHelp,
  type CommandSpec,
  parseArgs,
  type ParsedArgs,
  shortUsage,
  UsageError,
} from "./args.ts";
import { checksumCommand, checksumSpec } from "./checksum.ts";
import { decodeCommand, decodeSpec } from "./decode.ts";
import { diffCommand, diffSpec } from "./diff.ts";
import { classify, EXIT, EXIT_CODES_HELP, Interrupted } from "./errors.ts";
import { debugText, errorLine } from "./format.ts";
import { inspectCommand, inspectSpec } from "./inspect.ts";
import { kvCommand, kvSpec } from "./kv.ts";
import { type Context, runtimeContext } from "./io.ts";
import { packCommand, packSpec } from "./pack.ts";
import { redactCommand, redactSpec } from "./redact.ts";
import { unpackCommand, unpackSpec } from "./unpack.ts";
import { uploadCommand, uploadSpec } from "./upload.ts";
import { verifyCommand, verifySpec } from "./verify.ts";
import { watchCommand, watchSpec } from "./watch.ts";
import { CLOSED_PIPE_EXIT, type Runtime, stdoutClosed, useRuntime } from "./runtime/runtime.ts";

export type * from "./runtime/runtime.ts";

type Command = (ctx: Context, args: ParsedArgs) => Promise<number>;

const COMMANDS: [CommandSpec, Command][] = [
  [verifySpec, verifyCommand],
  [inspectSpec, inspectCommand],
  [decodeSpec, decodeCommand],
  [diffSpec, diffCommand],
  [kvSpec, kvCommand],
  [redactSpec, redactCommand],
  [unpackSpec, unpackCommand],
  [packSpec, packCommand],
  [checksumSpec, checksumCommand],
  [uploadSpec, uploadCommand],
  [watchSpec, watchCommand],
];

/** The version, from deno.json. */
export const VERSION: string = config.version;

/** `raftsnap --help`. */
export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map(([s]) => s.usage[0]!.replace(" [flags]", "").length));
  const lines = COMMANDS.map(([s]) =>
    `  ${s.usage[0]!.replace(" [flags]", "").padEnd(width)}  ${s.summary}`
  );
  return `raftsnap ${VERSION}: HashiCorp raft snapshot archives (.snap files of consul, vault, nomad)

Usage: raftsnap COMMAND [flags] ARGS...

Commands:
${lines.join("\n")}

A FILE of - is standard input (standard output for pack). Run 'raftsnap COMMAND --help'
for a command's flags and examples.

${EXIT_CODES_HELP}
`;
}

const GLOBAL_USAGE =
  "usage: raftsnap verify|inspect|decode|diff|kv|redact|unpack|pack|checksum|upload|watch [flags] ARGS...\n" +
  "Run 'raftsnap --help' for the commands.\n";

/**
 * Runs one command line, in-process, on `runtime` (Deno's or Node's, from `runtime/`).
 *
 * @param argv The arguments, without the program name: `["verify", "x.snap"]`.
 * @param runtime Files, standard streams, signals and the hasher.
 * @returns The exit code.
 */
export async function main(argv: readonly string[], runtime: Runtime): Promise<number> {
  useRuntime(runtime);
  const interrupt = new AbortController();
  const ctx: Context = runtimeContext(interrupt.signal);
  const removers = (["SIGINT", "SIGTERM"] as const).map((name) =>
    runtime.onSignal(name, () => {
      // A second signal means now.
      if (interrupt.signal.aborted) void runtime.exit(EXIT.interrupted);
      interrupt.abort(new Interrupted(name));
    })
  );
  try {
    const code = await run(ctx, argv);
    // The reader of standard output went away (`| head`): stop as Unix tools do, quietly
    // (runtimeContext drops what would go to standard error after it), with 128+SIGPIPE.
    return stdoutClosed() ? CLOSED_PIPE_EXIT : code;
  } catch (error) {
    if (stdoutClosed()) return CLOSED_PIPE_EXIT;
    throw error;
  } finally {
    for (const remove of removers) remove();
  }
}

async function run(ctx: Context, argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    ctx.err(`raftsnap: missing COMMAND\n${GLOBAL_USAGE}`);
    return EXIT.usage;
  }
  if (name === "--help" || name === "-h" || (name === "help" && rest.length === 0)) {
    ctx.out(globalHelp());
    return EXIT.ok;
  }
  if (name === "--version" || name === "-V") {
    ctx.out(`raftsnap ${VERSION}\n`);
    return EXIT.ok;
  }
  if (name === "help") return run(ctx, [rest[0]!, "--help"]);
  const found = COMMANDS.find(([spec]) => spec.name === name);
  if (!found) {
    ctx.err(`raftsnap: unknown command ${JSON.stringify(name)}\n${GLOBAL_USAGE}`);
    return EXIT.usage;
  }
  const [spec, command] = found;
  let args: ParsedArgs | undefined;
  try {
    args = parseArgs(spec, rest);
    if (args.flags.help) {
      ctx.out(commandHelp(spec, EXIT_CODES_HELP));
      return EXIT.ok;
    }
    return await command(ctx, args);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.err(`raftsnap ${spec.name}: ${error.message}\n${shortUsage(spec)}`);
      return EXIT.usage;
    }
    // A failure before any file was opened (a key file that cannot be read, say).
    const classified = classify(error);
    ctx.err(errorLine(spec.name, "", classified));
    if (args?.flags.debug) ctx.err(debugText(error));
    return classified.exit;
  }
}

if (import.meta.main) {
  // Deno's runtime, loaded only here: the npm build drops this block (see `node_main.ts`).
  const { denoRuntime } = await import("./runtime/deno.ts");
  await denoRuntime.exit(await main(denoRuntime.args, denoRuntime));
}

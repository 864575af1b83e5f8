// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * The raftsnap command line: `raftsnap verify|inspect|decode|diff|kv|redact|unpack|pack|checksum ...`.
 *
 * Run it from a checkout with `deno task raftsnap ...`, or install it as a `raftsnap`
 * command with `deno install -g --allow-read --allow-write -n raftsnap --config
 * <checkout>/deno.json <checkout>/src/cli/main.ts`. It uses only the library's public API
 * (`mod.ts` and the `src/deno/` subpaths).
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
import { type Context, denoContext } from "./io.ts";
import { packCommand, packSpec } from "./pack.ts";
import { redactCommand, redactSpec } from "./redact.ts";
import { unpackCommand, unpackSpec } from "./unpack.ts";
import { verifyCommand, verifySpec } from "./verify.ts";

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
  "usage: raftsnap verify|inspect|decode|diff|kv|redact|unpack|pack|checksum [flags] ARGS...\n" +
  "Run 'raftsnap --help' for the commands.\n";

/** Options of {@linkcode main}. */
export interface MainOptions {
  /**
   * Makes the context the command runs in, from the interrupt signal.
   *
   * @default {denoContext}
   */
  context?: (signal: AbortSignal) => Context;
}

/**
 * Runs one command line, in-process.
 *
 * @param argv The arguments, without the program name: `["verify", "x.snap"]`.
 * @returns The exit code.
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const interrupt = new AbortController();
  const ctx = (options.context ?? denoContext)(interrupt.signal);
  const listeners: [Deno.Signal, () => void][] = [];
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    const listener = () => {
      // A second signal means now.
      if (interrupt.signal.aborted) Deno.exit(EXIT.interrupted);
      interrupt.abort(new Interrupted(name));
    };
    try {
      Deno.addSignalListener(name, listener);
      listeners.push([name, listener]);
    } catch {
      // Not every platform has every signal (Windows has no SIGTERM listener).
    }
  }
  try {
    return await run(ctx, argv);
  } finally {
    for (const [name, listener] of listeners) Deno.removeSignalListener(name, listener);
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

if (import.meta.main) Deno.exit(await main(Deno.args));

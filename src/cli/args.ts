// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * Command-line parsing for the raftsnap CLI: each command declares its flags and
 * positional arguments, and {@linkcode parseArgs} checks a command line against that.
 * A bad command line is a {@linkcode UsageError} (exit code 2).
 *
 * @module
 */

/** One flag of a command. */
export interface FlagSpec {
  /** The long name, without the dashes: `sealer-key`. */
  name: string;
  /** A one-letter alias, without the dash: `q`. */
  short?: string;
  /** The name of its value in the help (`HEX|@FILE`); a flag without one is a switch. */
  value?: string;
  /** The values it accepts, if it is an enumeration. */
  choices?: readonly string[];
  /** One line of help. */
  help: string;
  /** It may be given more than once; the values are joined with commas, in order. */
  repeatable?: boolean;
  /**
   * Checks a value as the command line is parsed, so that a bad one is a usage error
   * before any file is opened: a `RangeError` it throws becomes the message.
   */
  check?: (value: string) => void;
}

/** What a command accepts and how its help reads. */
export interface CommandSpec {
  /** The command's name: `verify`. */
  name: string;
  /** The synopsis lines, without the leading `raftsnap `. */
  usage: string[];
  /** One line: what the command does. */
  summary: string;
  /** Paragraphs of help, after the synopsis. */
  description: string[];
  /** The flags, in the order the help lists them. */
  flags: FlagSpec[];
  /** The fewest positional arguments, and the most (`Infinity` for no limit). */
  positionals: [min: number, max: number];
  /** What each positional argument means, for the "missing" error. */
  positionalNames: string[];
  /** Example command lines (without `raftsnap `) and what they do. */
  examples: [command: string, what: string][];
}

/** The parsed command line: flag values by long name, and the positional arguments. */
export interface ParsedArgs {
  /** `true` for a switch that was given, the string for a flag with a value. */
  flags: Record<string, string | true | undefined>;
  /** The positional arguments, in order. `-` stays as it is. */
  positionals: string[];
}

/** A command line that does not fit the command: exit code 2, with the usage. */
export class UsageError extends Error {
  /** The command whose usage to print, if known. */
  readonly command: CommandSpec | undefined;

  /**
   * @param message What is wrong, in one line.
   * @param command The command whose usage follows the message.
   */
  constructor(message: string, command?: CommandSpec) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** Flags every command takes. */
export const COMMON_FLAGS: FlagSpec[] = [
  { name: "quiet", short: "q", help: "no progress bar" },
  { name: "progress", help: "progress bar even if stderr is not a terminal" },
  { name: "debug", help: "stack traces with errors" },
  { name: "help", short: "h", help: "this help" },
];

/**
 * Parses `argv` (the arguments after the command name) against `spec`.
 *
 * Accepts `--flag value`, `--flag=value`, `-x value`, grouped switches (`-qf`), `--` to
 * end the flags, and `-` as a positional argument. A flag given twice keeps its last
 * value, unless it is `repeatable`: then its values are joined with commas. `--help` short-circuits the positional checks.
 *
 * @throws {UsageError} for an unknown flag, a missing or unexpected value, a value
 * outside the flag's choices, or too few or too many positional arguments.
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const flags: ParsedArgs["flags"] = {};
  const positionals: string[] = [];
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const byShort = new Map(spec.flags.filter((f) => f.short).map((f) => [f.short!, f]));
  const fail = (message: string): never => {
    throw new UsageError(message, spec);
  };
  const set = (flag: FlagSpec, shown: string, value: string | undefined) => {
    if (flag.value === undefined) {
      if (value !== undefined) fail(`${shown} does not take a value`);
      flags[flag.name] = true;
      return;
    }
    if (value === undefined) return fail(`${shown} needs a value (${flag.value})`);
    if (flag.choices && !flag.choices.includes(value)) {
      fail(`${shown} must be one of ${flag.choices.join(", ")}, not ${JSON.stringify(value)}`);
    }
    try {
      flag.check?.(value);
    } catch (error) {
      if (error instanceof RangeError) fail(`${shown} ${error.message}`);
      throw error;
    }
    const before = flags[flag.name];
    flags[flag.name] = flag.repeatable && typeof before === "string" ? `${before},${value}` : value;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const flag = byName.get(name) ?? fail(`unknown flag --${name}`);
      let value = eq < 0 ? undefined : arg.slice(eq + 1);
      if (flag.value !== undefined && value === undefined && i + 1 < argv.length) value = argv[++i];
      set(flag, `--${name}`, value);
    } else if (arg.startsWith("-") && arg !== "-") {
      const letters = arg.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const flag = byShort.get(letters[j]!) ?? fail(`unknown flag -${letters[j]}`);
        if (flag.value === undefined) {
          set(flag, `-${letters[j]}`, undefined);
          continue;
        }
        // `-kVALUE` or `-k VALUE`
        const rest = letters.slice(j + 1);
        set(flag, `-${letters[j]}`, rest !== "" ? rest : argv[++i]);
        break;
      }
    } else {
      positionals.push(arg);
    }
  }

  if (flags.help) return { flags, positionals };
  const [min, max] = spec.positionals;
  if (positionals.length < min) {
    const missing = spec.positionalNames[positionals.length] ?? spec.positionalNames.at(-1);
    fail(`missing ${missing}`);
  }
  if (positionals.length > max) {
    fail(`unexpected argument ${JSON.stringify(positionals[max])}`);
  }
  return { flags, positionals };
}

/** The short usage printed after a usage error: the synopsis and where the help is. */
export function shortUsage(spec: CommandSpec): string {
  const lines = spec.usage.map((u, i) => `${i === 0 ? "usage:" : "      "} raftsnap ${u}`);
  return `${lines.join("\n")}\nRun 'raftsnap ${spec.name} --help' for the flags and examples.\n`;
}

/** The text of `raftsnap COMMAND --help`. */
export function commandHelp(spec: CommandSpec, exitCodes: string): string {
  const out: string[] = [];
  out.push(`raftsnap ${spec.name}: ${spec.summary}`, "");
  out.push("Usage:", ...spec.usage.map((u) => `  raftsnap ${u}`), "");
  for (const paragraph of spec.description) out.push(paragraph, "");
  out.push("Flags:");
  const labels = spec.flags.map((f) =>
    `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.value ? ` ${f.value}` : ""}`
  );
  const width = Math.max(...labels.map((l) => l.length));
  spec.flags.forEach((f, i) => out.push(`  ${labels[i]!.padEnd(width)}  ${f.help}`));
  out.push("", "Examples:");
  for (const [command, what] of spec.examples) out.push(`  raftsnap ${command}`, `      ${what}`);
  out.push("", exitCodes);
  return out.join("\n") + "\n";
}

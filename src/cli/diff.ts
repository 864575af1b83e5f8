// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * `raftsnap diff OLD NEW`: what changed between two snapshots: metadata, records per
 * type, and Consul KV keys or Vault storage paths added, removed and changed.
 *
 * @module
 */

import { diffSnapshots, diffToJson, formatDiff, type Product } from "../../mod.ts";
import { type CommandSpec, type ParsedArgs, UsageError } from "./args.ts";
import { classify } from "./errors.ts";
import { debugText, errorJson, errorLine, jsonLine } from "./format.ts";
import { type Context, loadSealer, openInput, readOptions } from "./io.ts";
import { PRODUCT_FLAG } from "./inspect.ts";
import { LIMITS_HELP, READ_FLAGS } from "./verify.ts";

/** diff's own exit codes, as `diff(1)` has them. */
export const DIFF_EXIT = { same: 0, differ: 1, trouble: 2 } as const;

/** The spec of `diff`. */
export const diffSpec: CommandSpec = {
  name: "diff",
  summary: "compare two snapshots: metadata, records per type, keys added/removed/changed",
  usage: ["diff [flags] OLD NEW"],
  description: [
    "Verifies both archives in full and compares them: the metadata fields that differ\n" +
    "(ID, Index, Term, servers), each record type's count and size in OLD and NEW and the\n" +
    "change, and for Consul KV keys and Vault storage paths the keys added, removed and\n" +
    "changed (a changed key's value bytes differ; values are never printed), by prefix of\n" +
    "--kv-depth parts and by name (up to --max-keys). The last line is the verdict.",
    "Both products write their keys in key order (Consul's memdb, Vault's BoltDB), so the\n" +
    "two states are read side by side in one pass each: memory holds one record of each,\n" +
    "whatever the number of keys. A state whose keys are out of order is refused.",
    "Exit codes, as diff(1): 0 when both states are byte-identical (the same records in\n" +
    "the same order; the metadata may still differ), 1 when they differ, 2 for trouble: a\n" +
    "bad snapshot, a bad command line (3 for a file that cannot be read, 130 interrupted).",
    LIMITS_HELP,
  ],
  flags: [
    {
      name: "format",
      value: "pretty|json",
      choices: ["pretty", "json"],
      help: "pretty (the default) or json",
    },
    { name: "json", help: "the same as --format json" },
    {
      name: "kv-depth",
      value: "N",
      help: "key parts that name a prefix row (default 2; 0: whole keys)",
    },
    { name: "kv-filter", value: "PREFIX", help: "compare only keys that start with PREFIX" },
    { name: "max-keys", value: "N", help: "list at most N changed keys by name (default 1000)" },
    PRODUCT_FLAG,
    ...READ_FLAGS,
  ],
  positionals: [2, 2],
  positionalNames: ["OLD", "NEW"],
  examples: [
    ["diff monday.snap tuesday.snap", "what changed, with a one-line verdict"],
    ["diff --kv-filter vault/sys --kv-depth 3 a.snap b.snap", "only keys under vault/sys"],
    ["diff --json a.snap b.snap | jq .keys.removed", "keys removed, as a number"],
  ],
};

function whole(value: string | true | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`--${flag} must be a whole number of at least 0, not ${value}`, diffSpec);
  }
  return n;
}

/** Runs `diff`. @returns 0 same, 1 differ, 2 trouble (3 I/O, 130 interrupted). */
export async function diffCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const { flags } = args;
  if (flags.json) flags.format = "json";
  const json = flags.format === "json";
  flags.json = json || undefined;
  const depth = whole(flags["kv-depth"], "kv-depth", 2);
  const maxKeys = whole(flags["max-keys"], "max-keys", 1000);
  const [older, newer] = args.positionals as [string, string];
  const sealer = await loadSealer(flags["sealer-key"]);
  let current = older;
  try {
    const a = await openInput(ctx, older);
    current = newer;
    const b = await openInput(ctx, newer);
    if (older === "-" && newer === "-") {
      throw new UsageError("OLD and NEW cannot both be standard input", diffSpec);
    }
    current = `${older} ${newer}`;
    const diff = await diffSnapshots(a.stream, b.stream, {
      ...readOptions(ctx, args, sealer),
      checksum: false,
      depth,
      filter: typeof flags["kv-filter"] === "string" ? flags["kv-filter"] : "",
      maxKeys,
      product: flags.product as Product | undefined,
    });
    if (json) ctx.out(jsonLine({ files: [older, newer], ok: true, ...diffToJson(diff) }));
    else ctx.out(formatDiff(diff));
    return diff.same ? DIFF_EXIT.same : DIFF_EXIT.differ;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const classified = classify(error);
    if (json) {
      ctx.out(jsonLine({
        files: [older, newer],
        ok: false,
        error: errorJson(error, classified),
      }));
    } else ctx.err(errorLine("diff", current, classified));
    if (flags.debug) ctx.err(debugText(error));
    return classified.exit === 1 ? DIFF_EXIT.trouble : classified.exit;
  }
}

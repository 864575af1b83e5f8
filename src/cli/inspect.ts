// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * `raftsnap inspect FILE`: the metadata, the entries, and what the state holds (records
 * per type, keys per prefix), in raftsnap's own layout or exactly as Consul's, Nomad's
 * or Vault's inspect prints it.
 *
 * @module
 */

import {
  formatConsulInspect,
  formatInspect,
  formatNomadInspect,
  formatVaultInspect,
  type InspectResult,
  inspectResultToJson,
  inspectSnapshot,
  metaToJson,
  type Product,
  type SnapshotMeta,
} from "../../mod.ts";
import { type CommandSpec, type ParsedArgs, UsageError } from "./args.ts";
import { EXIT } from "./errors.ts";
import { inspectText, jsonLine, reportFailure } from "./format.ts";
import { type Context, loadSealer, progressFor, readOptions } from "./io.ts";
import type { Progress } from "./progress.ts";
import { openSource } from "./source.ts";
import { LIMITS_HELP, READ_FLAGS } from "./verify.ts";

const STYLES = ["raftsnap", "consul", "nomad", "vault"] as const;
type Style = typeof STYLES[number];

/** `--product`, shared with `decode`. */
export const PRODUCT_FLAG = {
  name: "product",
  value: "consul|nomad|vault",
  choices: ["consul", "nomad", "vault"],
  help: "decode the state as this product's (detected from its first bytes otherwise)",
};

/** The spec of `inspect`. */
export const inspectSpec: CommandSpec = {
  name: "inspect",
  summary: "show what a snapshot holds: metadata, entries, records and keys",
  usage: ["inspect [flags] FILE"],
  description: [
    "Verifies the archive as `verify` does and decodes state.bin as it streams past, in\n" +
    "constant memory: which product wrote it (Consul, Nomad or Vault, from the state's first\n" +
    "bytes), the records of each type with their share of the size, the keys by prefix\n" +
    "(Consul KV with --kv-details, Vault storage always), record types the product does\n" +
    "not know (a restore would fail on them), and for Vault which seal key sealed the sums.",
    "FILE is a .snap, - for standard input, or a raft data directory's raw snapshot: the\n" +
    "snapshots/<id>/ folder, or its state.bin (its meta.json is read from beside it;\n" +
    "nothing vouches for a raw state, so it is not verified).",
    "--style consul|nomad|vault prints exactly what `consul snapshot inspect`, `nomad\n" +
    "operator snapshot inspect` or `vault operator raft snapshot inspect` print (with\n" +
    "--format json, their JSON), for diffing against them.",
    LIMITS_HELP,
  ],
  flags: [
    {
      name: "format",
      value: "pretty|json",
      choices: ["pretty", "json", "table"],
      help: "pretty (the default) or json",
    },
    { name: "json", help: "the same as --format json" },
    {
      name: "style",
      value: "raftsnap|consul|nomad|vault",
      choices: STYLES,
      help: "raftsnap's layout (the default), or a product's own output, byte for byte",
    },
    { name: "kv-details", help: "also the keys by prefix (Consul KV; Vault shows them always)" },
    {
      name: "kv-depth",
      value: "N",
      help: "key parts that name a prefix row (default 2; 0: whole keys for Vault)",
    },
    { name: "kv-filter", value: "PREFIX", help: "count only keys that start with PREFIX" },
    { name: "no-details", help: "--style vault: leave out the key table, as -details=false" },
    PRODUCT_FLAG,
    ...READ_FLAGS,
  ],
  positionals: [1, 1],
  positionalNames: ["FILE"],
  examples: [
    ["inspect backup.snap", "metadata, entries, and records by type"],
    ["inspect --kv-details --kv-depth 3 backup.snap", "also Consul KV keys by 3-part prefix"],
    [
      "inspect --style consul --kv-details backup.snap",
      "what `consul snapshot inspect -kvdetails` prints",
    ],
    ["inspect --style vault --format json vault.snap", "Vault's own JSON"],
    ["inspect /opt/consul/data/raft/snapshots/2-433-1710350056693", "a raw snapshot folder"],
    ["inspect --format json backup.snap | jq .meta.Index", "the raft index, as a string"],
  ],
};

/** Runs `inspect`. @returns The exit code. */
export async function inspectCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const { flags } = args;
  if (flags.json) flags.format = "json";
  const json = flags.format === "json";
  if (json && (flags.style ?? "raftsnap") === "raftsnap") flags.json = true;
  const style = (flags.style ?? "raftsnap") as Style;
  const depth = flags["kv-depth"] === undefined ? 2 : Number(flags["kv-depth"]);
  if (!Number.isSafeInteger(depth) || depth < 0) {
    throw new UsageError(
      `--kv-depth must be a whole number of at least 0, not ${flags["kv-depth"]}`,
      inspectSpec,
    );
  }
  const file = args.positionals[0]!;
  const sealer = await loadSealer(flags["sealer-key"]);
  let progress: Progress | undefined;
  let meta: SnapshotMeta | undefined;
  let raw = false;
  try {
    const source = await openSource(ctx, file);
    raw = source.meta !== undefined;
    progress = progressFor(ctx, args, `inspect ${file}`, source.input.size);
    const stream = source.input.stream.pipeThrough(progress.counter());
    let result: InspectResult;
    try {
      result = await inspectSnapshot(source.meta ? { state: stream, meta: source.meta } : stream, {
        ...readOptions(ctx, args, sealer),
        depth,
        filter: typeof flags["kv-filter"] === "string" ? flags["kv-filter"] : "",
        product: flags.product as Product | undefined,
        onMeta: (m) => (meta = m),
      });
    } finally {
      progress.stop();
    }
    if (style !== "raftsnap" && result.product !== style) {
      ctx.err(
        `raftsnap: inspect ${file}: --style ${style} prints ${style}'s layout, but this is ` +
          (result.product === "unknown" ? "no product's state" : `a ${result.product} snapshot`) +
          ` (--product ${style} decodes it as ${style}'s)\n`,
      );
      return EXIT.usage;
    }
    ctx.out(render(style, json, flags, file, result) + "\n");
    return EXIT.ok;
  } catch (error) {
    progress?.stop();
    // Show what meta.json said, if it was read before the failure.
    if (meta && !flags.json && style === "raftsnap") ctx.out(inspectText(meta, undefined, raw));
    return reportFailure(ctx, args, "inspect", file, error, meta ? { meta: metaToJson(meta) } : {});
  }
}

function render(
  style: Style,
  json: boolean,
  flags: ParsedArgs["flags"],
  file: string,
  result: InspectResult,
): string {
  const kvDetails = flags["kv-details"] === true;
  switch (style) {
    case "consul":
      return formatConsulInspect(result, { format: json ? "json" : "pretty", kvDetails });
    case "nomad":
      return formatNomadInspect(result, { json });
    case "vault":
      return formatVaultInspect(result, {
        format: json ? "json" : "table",
        details: !flags["no-details"],
      });
    case "raftsnap":
      if (json) return jsonLine({ file, ok: true, ...inspectResultToJson(result) }).trimEnd();
      return (result.verify
        ? inspectText(result.meta, result.verify)
        : inspectText(result.meta, undefined, true)) +
        "\n" +
        formatInspect(result, { keys: kvDetails || result.product === "vault", header: false });
  }
}

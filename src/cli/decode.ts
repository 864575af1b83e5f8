// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * `raftsnap decode FILE`: every record of the state as a JSON line, as `consul snapshot
 * decode` prints them, secrets redacted unless asked.
 *
 * @module
 */

import {
  decodeRecords,
  formatDecodeHeader,
  parseSnapshot,
  type Product,
  readMetaJson,
  type SnapshotMeta,
  stringifyDecoded,
} from "../../mod.ts";
import type { CommandSpec, ParsedArgs } from "./args.ts";
import { EXIT } from "./errors.ts";
import { reportFailure } from "./format.ts";
import { type Context, loadSealer, progressFor, readOptions } from "./io.ts";
import { PRODUCT_FLAG } from "./inspect.ts";
import type { Progress } from "./progress.ts";
import { openSource } from "./source.ts";
import { LIMITS_HELP, READ_FLAGS } from "./verify.ts";

/** The spec of `decode`. */
export const decodeSpec: CommandSpec = {
  name: "decode",
  summary: "print every record of the state as JSON lines",
  usage: ["decode [flags] FILE"],
  description: [
    "Prints one JSON line per record, as `consul snapshot decode` does: first\n" +
    '{"Data": <meta.json>, "Type": "SnapshotHeader"}, then {"Data": <record>, "Type": <name>}\n' +
    "for each record of state.bin in order (Consul and Nomad records by their type names,\n" +
    "Unknown(N) for types the product does not know; Vault entries as StorageEntry\n" +
    "{Key, Value, SealWrap}). Byte strings that are not text are base64, Go times RFC 3339.",
    "Secrets are redacted by default: ACL token secrets, private and signing keys, KV and\n" +
    "Vault values, Nomad variables and root keys become [redacted: N bytes]. --redact false\n" +
    "prints them: mind where the output goes.",
    "Records are printed as the archive is read, in constant memory; the archive is\n" +
    "verified on the way, and if it fails (say its sums do not match at the end), the\n" +
    "error follows the lines already printed and the exit code is 1. FILE is a .snap, -,\n" +
    "or a raw snapshot folder or state.bin, as for `inspect`.",
    LIMITS_HELP,
  ],
  flags: [
    {
      name: "redact",
      value: "true|false",
      choices: ["true", "false"],
      help: "replace secrets by their size (default true)",
    },
    PRODUCT_FLAG,
    ...READ_FLAGS,
  ],
  positionals: [1, 1],
  positionalNames: ["FILE"],
  examples: [
    ["decode backup.snap > records.jsonl", "every record, secrets redacted"],
    ["decode backup.snap | jq -c 'select(.Type == \"KVS\") | .Data.Key'", "the KV keys"],
    ["decode --redact=false backup.snap", "with the secrets (careful)"],
  ],
};

/** Lines are written in batches of about this many characters. */
const BATCH = 64 * 1024;

/** Runs `decode`. @returns The exit code. */
export async function decodeCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const file = args.positionals[0]!;
  const redact = args.flags.redact !== "false";
  const product = args.flags.product as Product | undefined;
  const sealer = await loadSealer(args.flags["sealer-key"]);
  let progress: Progress | undefined;
  try {
    const source = await openSource(ctx, file);
    progress = progressFor(ctx, args, `decode ${file}`, source.input.size);
    const bytes = source.input.stream.pipeThrough(progress.counter());
    let meta: Promise<SnapshotMeta>;
    let state: ReadableStream<Uint8Array>;
    let verified: Promise<unknown> = Promise.resolve();
    if (source.meta) {
      meta = Promise.resolve(readMetaJson(source.meta));
      state = bytes;
    } else {
      const parsed = parseSnapshot(bytes, readOptions(ctx, args, sealer));
      meta = parsed.meta;
      state = parsed.state;
      verified = parsed.result;
    }
    verified.catch(() => {}); // awaited below; the state stream reports it first
    let batch = formatDecodeHeader(await meta) + "\n";
    try {
      for await (const record of decodeRecords(state, { product, redact, signal: ctx.signal })) {
        batch += `{"Data":${stringifyDecoded(record.value)},"Type":${
          JSON.stringify(record.name)
        }}\n`;
        if (batch.length >= BATCH) {
          ctx.out(batch);
          batch = "";
        }
      }
    } finally {
      ctx.out(batch);
      progress.stop();
    }
    await verified;
    return EXIT.ok;
  } catch (error) {
    progress?.stop();
    return reportFailure(ctx, args, "decode", file, error);
  }
}

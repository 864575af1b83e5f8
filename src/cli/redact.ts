// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * `raftsnap redact IN OUT`: a copy of a snapshot without its secrets, to share for
 * debugging. OUT appears only if IN verified in full.
 *
 * @module
 */

import { type Product, redactSnapshot, verifySnapshot } from "../../mod.ts";
import { type CommandSpec, type ParsedArgs, UsageError } from "./args.ts";
import { EXIT, withIo } from "./errors.ts";
import { runtime } from "./runtime/runtime.ts";
import { jsonLine, metaSummary, reportFailure } from "./format.ts";
import {
  type Context,
  loadSealer,
  openInput,
  progressFor,
  readOptions,
  refuseToOverwrite,
  writeAtomically,
} from "./io.ts";
import { PRODUCT_FLAG } from "./inspect.ts";
import { redactedInputs } from "../inspect/operations/_redact_input.ts";
import type { Progress } from "./progress.ts";
import { LIMITS_HELP, READ_FLAGS } from "./verify.ts";

/** The spec of `redact`. */
export const redactSpec: CommandSpec = {
  name: "redact",
  summary: "write a copy of a snapshot without its secrets, to share it",
  usage: ["redact [flags] IN OUT"],
  description: [
    "Writes OUT, a valid snapshot in which every field `decode` redacts carries no secret:\n" +
    "ACL token secrets, private and signing keys, Consul KV values, Vault storage values,\n" +
    "Nomad variables and root keys have each byte replaced by '*' (same type, same length).\n" +
    "Every other byte of every record is IN's, so OUT's meta.json is IN's, inspect and\n" +
    "diff show the same records and keys, and decode reads every record.",
    "OUT is for reading (inspect, decode, diff, sending to support), not for restoring a\n" +
    "working cluster: its tokens, keys and values are gone.",
    "IN is verified as it is read; OUT is written under a temporary name beside it and\n" +
    "renamed only once IN verified in full, so a bad IN leaves no OUT. A sealed IN\n" +
    "(SHA256SUMS.sealed) needs --sealer-key: the key opens IN's sealed sums and seals\n" +
    "OUT's. Without the key (Vault seals them with its own seal, which no one can hand\n" +
    "over), --drop-sealed-sums writes OUT without SHA256SUMS.sealed: Go's Verify, inspect,\n" +
    "decode and diff read it, but Vault cannot restore it (it needs the sealed sums).\n" +
    "It refuses to overwrite OUT without --force.",
    LIMITS_HELP,
  ],
  flags: [
    { name: "force", short: "f", help: "overwrite OUT" },
    { name: "json", help: "one JSON document: what was written" },
    {
      name: "drop-sealed-sums",
      help: "a sealed IN without --sealer-key: write OUT without SHA256SUMS.sealed " +
        "(it reads; it cannot be restored)",
    },
    PRODUCT_FLAG,
    ...READ_FLAGS,
  ],
  positionals: [2, 2],
  positionalNames: ["IN", "OUT"],
  examples: [
    ["redact backup.snap backup-redacted.snap", "a copy to send to support"],
    ["redact --sealer-key @seal.key vault.snap vault-redacted.snap", "a sealed snapshot"],
    [
      "redact --drop-sealed-sums vault.snap vault-redacted.snap",
      "a Vault snapshot, without its sealer",
    ],
  ],
};

/** Runs `redact`. @returns The exit code. */
export async function redactCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const [input, output] = args.positionals as [string, string];
  if (output === "-") {
    throw new UsageError("OUT must be a file (it appears only once IN verified)", redactSpec);
  }
  const sealer = await loadSealer(args.flags["sealer-key"]);
  let progress: Progress | undefined;
  try {
    await withIo(`cannot check ${output}`, () => refuseToOverwrite(output, !!args.flags.force));
    const source = await openInput(ctx, input);
    progress = progressFor(ctx, args, `redact ${input}`, source.size);
    const options = readOptions(ctx, args, sealer);
    const redacted = redactSnapshot(source.stream.pipeThrough(progress.counter()), {
      ...options,
      checksum: false,
      product: args.flags.product as Product | undefined,
      dropSealedSums: !!args.flags["drop-sealed-sums"],
    });
    const check = await writeAtomically(output, "snap", async (file, path) => {
      try {
        await redacted.pipeTo(file);
      } finally {
        progress!.stop();
      }
      // Check what was written before it takes OUT's name.
      return await verifySnapshot(await runtime().openRead(path), {
        hasher: runtime().hasher,
        sealer,
        checksum: true,
        signal: ctx.signal,
      });
    });
    // IN's sealed sums were dropped: OUT holds none, and no sealer was there to seal it.
    const dropped = !sealer && !check.sealed &&
      (await redactedInputs.get(redacted))?.sealed === true;
    if (args.flags.json) {
      ctx.out(jsonLine({
        file: input,
        ok: true,
        out: output,
        size: check.compressedBytes,
        checksum: check.checksum,
        sealed: check.sealed,
        ...(dropped ? { droppedSealedSums: true } : {}),
      }));
    } else if (!args.flags.quiet) {
      ctx.out(`${output}: redacted copy of ${input}  ${metaSummary(check.meta)}\n`);
      if (dropped) {
        ctx.out(
          `${output}: written without SHA256SUMS.sealed (--drop-sealed-sums): it verifies and ` +
            "reads, but the product cannot restore it\n",
        );
      }
    }
    return EXIT.ok;
  } catch (error) {
    progress?.stop();
    return reportFailure(ctx, args, "redact", input, error, { out: output });
  }
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/** `raftsnap checksum FILE...`: Go's `Snapshot.Checksum` of each file. @module */

import { type CommandSpec, COMMON_FLAGS, type ParsedArgs, UsageError } from "./args.ts";
import { EXIT } from "./errors.ts";
import { jsonLine, reportFailure } from "./format.ts";
import { type Context, openInput, progressFor, STDIO } from "./io.ts";
import type { Progress } from "./progress.ts";
import { JSON_FLAG } from "./verify.ts";
import { runtime } from "./runtime/runtime.ts";

/** The spec of `checksum`. */
export const checksumSpec: CommandSpec = {
  name: "checksum",
  summary: "print archives' sha-256= checksums (Go's Snapshot.Checksum)",
  usage: ["checksum [flags] FILE..."],
  description: [
    "Prints `sha-256=` and the base64 SHA-256 of the file's bytes: what Go's\n" +
    "Snapshot.Checksum returns, and the form of the HTTP Digest header the products'\n" +
    "snapshot APIs send. With one FILE it prints the checksum alone; with several, a line\n" +
    "`CHECKSUM  FILE` each. FILE - reads standard input.",
    "It does NOT verify the archive: it hashes whatever bytes the file holds, as Go's\n" +
    "Checksum does. `raftsnap verify` prints the same checksum after verifying.",
  ],
  flags: [
    { ...JSON_FLAG, help: "one JSON document per file, one line each" },
    ...COMMON_FLAGS,
  ],
  positionals: [1, Infinity],
  positionalNames: ["FILE"],
  examples: [
    ["checksum backup.snap", "sha-256=Ujsp...=, to compare with a Digest header"],
    ["checksum *.snap", "one line per file"],
  ],
};

/** Runs `checksum`. @returns The exit code: the highest of the files' codes. */
export async function checksumCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const files = args.positionals;
  if (files.filter((f) => f === STDIO).length > 1) {
    throw new UsageError("standard input (-) can be read only once", checksumSpec);
  }
  let exit: number = EXIT.ok;
  for (const file of files) {
    let progress: Progress | undefined;
    try {
      const input = await openInput(ctx, file);
      progress = progressFor(ctx, args, `checksum ${file}`, input.size);
      const hasher = await runtime().hasher();
      let size = 0;
      await input.stream.pipeThrough(progress.counter()).pipeTo(
        new WritableStream({
          async write(chunk) {
            await hasher.update(chunk);
            size += chunk.length;
          },
        }),
        { signal: ctx.signal },
      );
      progress.stop();
      const checksum = "sha-256=" + btoa(String.fromCharCode(...await hasher.digest()));
      if (args.flags.json) ctx.out(jsonLine({ file, ok: true, checksum, size }));
      else ctx.out(files.length === 1 ? `${checksum}\n` : `${checksum}  ${file}\n`);
    } catch (error) {
      progress?.stop();
      exit = Math.max(exit, reportFailure(ctx, args, "checksum", file, error));
      if (ctx.signal.aborted) break;
    }
  }
  return exit;
}

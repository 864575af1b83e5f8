// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { SnapshotError } from "../errors.ts";
import type { Sealer } from "../format/seal.ts";
import { checkSums, type SummedFile, type SumsFailure } from "../format/sums.ts";
import { type Sha256Factory, sha256Of } from "../sha256/sha256.ts";
import type { SnapshotEntries } from "./_entries.ts";

/** What the sums stage found. */
export interface CheckedSums {
  /** The digests the lists were checked against. */
  digests: Record<SummedFile, Uint8Array>;
  /** Whether a sealer opened `SHA256SUMS.sealed` and its sums matched. */
  sealVerified: boolean;
}

/**
 * The sums stage, once the tar has ended: the sealed list (with a sealer) and then
 * `SHA256SUMS` checked against the digests of `meta.json` and `state.bin`, as Go checks
 * them.
 *
 * @throws {SnapshotError} `seal-open`, `sums-invalid`, `sums-unknown-file`,
 * `hash-mismatch` or `file-missing`.
 */
export async function checkSumLists(
  entries: SnapshotEntries,
  stateDigest: Uint8Array,
  factory: Sha256Factory,
  sealer?: Sealer,
): Promise<CheckedSums> {
  const digests: Record<SummedFile, Uint8Array> = {
    // Go tees every meta.json entry into one hash: the same as hashing their concatenation.
    "meta.json": await sha256Of(entries.contentOf("meta.json"), factory),
    "state.bin": stateDigest,
  };
  const offsetOf = (name: string) => entries.offsetOf(name);
  let sealVerified = false;
  if (sealer) {
    let opened: Uint8Array;
    try {
      opened = await sealer.open(entries.contentOf("SHA256SUMS.sealed"));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const present = offsetOf("SHA256SUMS.sealed") !== undefined;
      throw new SnapshotError(
        "seal-open",
        `cannot open SHA256SUMS.sealed: ${why}` +
          (present ? "" : " (the archive has no SHA256SUMS.sealed: it was not sealed)"),
        {
          layer: "seal",
          entry: "SHA256SUMS.sealed",
          offset: offsetOf("SHA256SUMS.sealed"),
          cause: error,
        },
      );
    }
    const failure = checkSums(opened, digests);
    if (failure) throw sumsError(failure, "SHA256SUMS.sealed", offsetOf);
    sealVerified = true;
  }
  const failure = checkSums(entries.contentOf("SHA256SUMS"), digests);
  if (failure) throw sumsError(failure, "SHA256SUMS", offsetOf);
  return { digests, sealVerified };
}

function sumsError(
  failure: SumsFailure,
  list: "SHA256SUMS" | "SHA256SUMS.sealed",
  offsetOf: (name: string) => number | undefined,
) {
  const layer = list === "SHA256SUMS" ? "sums" : "seal";
  const offset = offsetOf(list);
  switch (failure.kind) {
    case "invalid":
      return new SnapshotError(
        "sums-invalid",
        `line ${failure.line} of ${list} is not "<sha256 hex>  <file name>" (${failure.reason}): ${
          JSON.stringify(failure.text.slice(0, 100))
        }`,
        {
          layer,
          entry: list,
          offset,
          expected: "<sha256 hex>  <file name>",
          found: failure.text.slice(0, 100),
        },
      );
    case "unknown-file":
      return new SnapshotError(
        "sums-unknown-file",
        `${list} line ${failure.line} lists "${failure.file}", which is not meta.json or state.bin`,
        { layer, entry: list, offset, expected: "meta.json or state.bin", found: failure.file },
      );
    case "mismatch":
      return new SnapshotError(
        "hash-mismatch",
        `hash mismatch for "${failure.file}" (${list} lists ${failure.listed}, ` +
          (offsetOf(failure.file) === undefined
            ? `but the archive has no "${failure.file}", and nothing hashes to ${failure.actual})`
            : `the data hashes to ${failure.actual})`),
        {
          layer,
          entry: failure.file,
          offset: offsetOf(failure.file),
          expected: failure.listed,
          found: failure.actual,
        },
      );
    case "missing":
      return new SnapshotError(
        "file-missing",
        `${list} has no line for "${failure.file}"`,
        { layer, entry: list, offset, expected: `a line for ${failure.file}`, found: "none" },
      );
  }
}

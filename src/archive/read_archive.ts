// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Go's `read` and `concludeGzipRead` in one streaming pass:
 * bytes → gunzip → tar entries → hashes → sums (and sealed sums) → clean gzip end.
 * verifySnapshot, parseSnapshot and restoreSnapshot are thin shells over it.
 */

import { toHex } from "../_bytes.ts";
import { inflate } from "../format/gzip/inflate.ts";
import type { SnapshotMeta } from "../format/meta.ts";
import type { Sealer } from "../format/seal.ts";
import { TarReader } from "../format/tar/reader.ts";
import { type ReadLimits, resolveLimits } from "../limits.ts";
import { defaultSha256 } from "../sha256/default_sha256.ts";
import { type Sha256Factory, sha256Of } from "../sha256/sha256.ts";
import { checkTarEnd, inEntry } from "./_archive_end.ts";
import { type CheckedSums, checkSumLists } from "./_check_sums.ts";
import { SnapshotEntries } from "./_entries.ts";
import { ArchiveHashes } from "./_hashes.ts";
import { withSignal } from "./_input.ts";
import type { VerifyResult } from "./verify_result.ts";

export type { ArchiveEntry, VerifyResult } from "./verify_result.ts";

/** Options every reader shares. */
export interface ReadOptions {
  /**
   * Opens `SHA256SUMS.sealed` and checks the sums inside it too, as Go's readers do when
   * given a sealer. Without one, `SHA256SUMS.sealed` is read and not opened, as in Go's
   * `Verify`.
   */
  sealer?: Sealer;
  /**
   * Makes the SHA-256 hashers. Pass a native one where the runtime has it.
   *
   * @default {defaultSha256}
   */
  hasher?: Sha256Factory;
  /**
   * Accept zero bytes after the tar's end-of-archive blocks, as GNU tar pads archives to
   * 10 KiB records. Go refuses them (and so do Consul, Vault and Nomad); any byte that is
   * not zero is refused even with this option.
   *
   * @default {false}
   */
  allowZeroPadding?: boolean;
  /**
   * Also compute the archive's `sha-256=` checksum (Go's `Snapshot.Checksum`): one more
   * SHA-256 over the compressed bytes.
   *
   * @default {false}
   */
  checksum?: boolean;
  /**
   * Hash a state of 8 MiB or more on a Worker, where the runtime has module Workers and
   * the hasher names a worker script (the default and `nativeSha256` do), so that
   * inflating and hashing run in parallel.
   *
   * @default {true}
   */
  useWorker?: boolean;
  /** Bounds on what the archive may make the reader do; see {@linkcode ReadLimits}. */
  limits?: ReadLimits;
  /** Stops the work; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Hooks for readers that pass the state on. */
export interface ReadHooks {
  /** Receives `state.bin` data as it passes; a returned promise holds the pipeline back. */
  state?: (chunk: Uint8Array) => void | Promise<void>;
  /** Called once `meta.json` has been read and decoded. */
  meta?: (meta: SnapshotMeta) => void;
}

/**
 * Reads and verifies an archive stream, as a composition of its stages: gunzip
 * ({@linkcode inflate}) → tar ({@linkcode TarReader}) → entries
 * ({@linkcode SnapshotEntries}) → hashes ({@linkcode ArchiveHashes}) → sums
 * ({@linkcode checkSumLists}) → clean end ({@linkcode checkTarEnd}).
 *
 * @throws {SnapshotError} for any archive Go's readers refuse (and a few more, see
 * {@linkcode ReadOptions.allowZeroPadding}).
 */
export async function readArchive(
  source: ReadableStream<Uint8Array>,
  options: ReadOptions = {},
  hooks: ReadHooks = {},
): Promise<VerifyResult> {
  const limits = resolveLimits(options.limits);
  const factory = options.hasher ?? defaultSha256;
  const hashes = await ArchiveHashes.create(factory, options);
  try {
    const entries = new SnapshotEntries(limits, (size) => hashes.stateBegins(size), hooks.meta);
    const tar = new TarReader(entries, { maxMetaHeaderBytes: limits.maxPaxBytes });
    let sums: Promise<CheckedSums> | undefined;
    const checkSums = () =>
      sums ??= hashes.stateDigest().then((digest) =>
        checkSumLists(entries, digest, factory, options.sealer)
      );

    const gzip = await inflate(withSignal(source, options.signal), async (chunk) => {
      tar.push(chunk);
      for (const piece of entries.takeState()) {
        const hashing = hashes.updateState(piece);
        if (hashing) await hashing;
        if (hooks.state) await hooks.state(piece);
      }
      // As Go does, the sums are checked when the tar ends, before the gzip stream's end.
      if (tar.ended) await checkSums();
    }, {
      onCompressed: hashes.onCompressed,
      maxBytes: limits.maxTarBytes,
      maxRatio: limits.maxRatio,
    }).catch((error) => {
      throw inEntry(error, tar.currentEntry);
    });
    if (!tar.ended) tar.end();
    const { digests, sealVerified } = await checkSums();
    checkTarEnd(tar, options.allowZeroPadding);

    for (const entry of entries.entries) {
      entry.sha256 = entry.name === "meta.json" || entry.name === "state.bin"
        ? toHex(digests[entry.name])
        : toHex(await sha256Of(entry.content!, factory));
    }
    const result: VerifyResult = {
      meta: entries.meta,
      entries: entries.entries,
      stateSize: entries.stateSize,
      stateSha256: toHex(digests["state.bin"]),
      sealed: entries.small.has("SHA256SUMS.sealed"),
      sealVerified,
      compressedBytes: gzip.compressedBytes,
      tarBytes: tar.position,
      gzipMembers: gzip.members,
      zeroPadding: tar.trailing.bytes,
    };
    const checksum = await hashes.checksum();
    if (checksum) result.checksum = checksum;
    return result;
  } finally {
    hashes.close();
  }
}

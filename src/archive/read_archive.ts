// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Go's `read` and `concludeGzipRead` in one streaming pass:
 * bytes → gunzip → tar entries → hashes → sums (and sealed sums) → clean gzip end.
 * verifySnapshot, parseSnapshot and restoreSnapshot are thin shells over it.
 */

import { concatBytes, toBase64, toHex } from "../_bytes.ts";
import { withSignal } from "./_input.ts";
import { SnapshotError } from "../errors.ts";
import { inflate } from "../format/gzip/inflate.ts";
import { decodeMeta, MetaDecodeError, type SnapshotMeta, zeroMeta } from "../format/meta.ts";
import type { Sealer } from "../format/seal.ts";
import { defaultSha256, type Sha256, type Sha256Factory, sha256Of } from "../sha256/sha256.ts";
import { createWorkerSha256, WORKER_THRESHOLD } from "../sha256/worker_sha256.ts";
import { type ReadLimits, resolveLimits } from "../limits.ts";
import { checkSums, type SummedFile, type SumsFailure } from "../format/sums.ts";
import { type TarEntry, TarReader } from "../format/tar/reader.ts";

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

/** One entry of a verified archive. */
export interface ArchiveEntry {
  /** The entry's name. */
  name: string;
  /** Its data length in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of its data. */
  sha256: string;
  /** Its modification time, as stored (whole seconds). */
  modTime: Date;
  /** Offset of its header in the uncompressed tar stream. */
  offset: number;
  /** The bytes of the small entries (`meta.json` and the sums files), as stored. */
  content?: Uint8Array;
}

/** What a verification found: the metadata, and what each entry hashed to. */
export interface VerifyResult {
  /** The decoded `meta.json` (Go's zero meta if the archive has none and still verifies). */
  meta: SnapshotMeta;
  /** The entries in archive order. */
  entries: ArchiveEntry[];
  /** The bytes of `state.bin` that passed. */
  stateSize: number;
  /** Lowercase hex SHA-256 of `state.bin`. */
  stateSha256: string;
  /** Whether the archive holds `SHA256SUMS.sealed`. */
  sealed: boolean;
  /** Whether a sealer opened `SHA256SUMS.sealed` and its sums matched. */
  sealVerified: boolean;
  /** Compressed bytes read. */
  compressedBytes: number;
  /** Uncompressed tar bytes, padding included. */
  tarBytes: number;
  /** gzip members in the input (Go writes one). */
  gzipMembers: number;
  /** Zero bytes accepted after the end of the tar under `allowZeroPadding`. */
  zeroPadding: number;
  /** `sha-256=` + base64 SHA-256 of the compressed archive, when `checksum` was asked for. */
  checksum?: string;
}

/** Hooks for readers that pass the state on. */
export interface ReadHooks {
  /** Receives `state.bin` data as it passes; a returned promise holds the pipeline back. */
  state?: (chunk: Uint8Array) => void | Promise<void>;
  /** Called once `meta.json` has been read and decoded. */
  meta?: (meta: SnapshotMeta) => void;
}

const SMALL_ENTRIES = new Set(["meta.json", "SHA256SUMS", "SHA256SUMS.sealed"]);

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

/**
 * Reads and verifies an archive stream.
 *
 * @throws {SnapshotError} for any archive Go's readers refuse (and a few more, see
 * {@linkcode ReadOptions.allowZeroPadding}).
 */
export async function readArchive(
  source: ReadableStream<Uint8Array>,
  options: ReadOptions = {},
  hooks: ReadHooks = {},
): Promise<VerifyResult> {
  const { sealer, signal } = options;
  const limits = resolveLimits(options.limits);
  const factory = options.hasher ?? defaultSha256;
  let stateHash: Sha256 = await factory();
  const archiveHash: Sha256 | undefined = options.checksum ? await factory() : undefined;
  try {
    return await read();
  } finally {
    stateHash.close?.();
    archiveHash?.close?.();
  }

  async function read(): Promise<VerifyResult> {
    let meta = zeroMeta();
    const entries: ArchiveEntry[] = [];
    const small = new Map<string, Uint8Array[]>(); // Go appends repeated entries
    let smallParts: Uint8Array[] = [];
    let smallBytes = 0;
    let current: TarEntry | undefined;
    let stateSize = 0;
    let entryCount = 0;
    let pendingState: Uint8Array[] = [];
    let checked = false;
    let sealVerified = false;

    const tar = new TarReader({
      entry(entry) {
        current = entry;
        if (entry.name !== "state.bin" && !SMALL_ENTRIES.has(entry.name)) {
          throw new SnapshotError(
            "unexpected-entry",
            `unexpected entry "${entry.name}" at offset ${entry.offset}`,
            {
              layer: "entry",
              entry: entry.name,
              offset: entry.offset,
              expected: "meta.json, state.bin, SHA256SUMS or SHA256SUMS.sealed",
              found: entry.name,
            },
          );
        }
        if (++entryCount > limits.maxEntries) {
          throw new SnapshotError(
            "limit-exceeded",
            `the archive has more than ${limits.maxEntries} entries ("${entry.name}" at offset ` +
              `${entry.offset}); raise limits.maxEntries to read it`,
            {
              layer: "entry",
              limit: "maxEntries",
              entry: entry.name,
              offset: entry.offset,
              expected: `at most ${limits.maxEntries} entries`,
              found: `${entryCount} entries`,
            },
          );
        }
        if (entry.name === "state.bin") {
          const url = factory.workerUrl;
          if (
            url && stateSize === 0 && options.useWorker !== false && entry.size >= WORKER_THRESHOLD
          ) {
            const offThread = createWorkerSha256(url, factory);
            if (offThread) {
              stateHash.close?.();
              stateHash = offThread;
            }
          }
          return;
        }
        smallParts = [];
        smallBytes = 0;
      },
      data(chunk) {
        const name = current!.name;
        if (name === "state.bin") {
          stateSize += chunk.length;
          pendingState.push(chunk);
          return;
        }
        smallBytes += chunk.length;
        if (smallBytes > limits.maxSmallEntryBytes) {
          const most = limits.maxSmallEntryBytes;
          throw new SnapshotError(
            "entry-too-large",
            `"${name}" is ${current!.size} bytes; at most ${most} are read` +
              (most === 8191
                ? " (as Go reads it)"
                : "; raise limits.maxSmallEntryBytes to read it"),
            {
              layer: "entry",
              limit: most === 8191 ? undefined : "maxSmallEntryBytes",
              entry: name,
              offset: current!.dataOffset,
              expected: `at most ${most} bytes`,
              found: `${current!.size} bytes`,
            },
          );
        }
        smallParts.push(chunk.slice());
      },
      entryEnd(entry) {
        current = undefined;
        const record: ArchiveEntry = {
          name: entry.name,
          size: entry.size,
          sha256: "",
          modTime: new Date(entry.mtime * 1000),
          offset: entry.offset,
        };
        entries.push(record);
        if (entry.name === "state.bin") return;
        const content = concatBytes(smallParts);
        record.content = content;
        small.set(entry.name, [...(small.get(entry.name) ?? []), content]);
        if (entry.name === "meta.json") {
          try {
            meta = decodeMeta(content, meta);
          } catch (error) {
            if (!(error instanceof MetaDecodeError)) throw error;
            throw new SnapshotError(
              "meta-invalid",
              `meta.json is not valid snapshot metadata: ${error.message}`,
              {
                layer: "meta",
                entry: "meta.json",
                offset: entry.dataOffset,
                cause: error,
              },
            );
          }
          hooks.meta?.(meta);
        }
      },
    }, { maxMetaHeaderBytes: limits.maxPaxBytes });

    const offsetOf = (name: string) => entries.find((e) => e.name === name)?.offset;
    const digests = {} as Record<SummedFile, Uint8Array>;
    const checkLists = async () => {
      checked = true;
      // Go tees every meta.json entry into one hash: the same as hashing their concatenation.
      digests["meta.json"] = await sha256Of(concatBytes(small.get("meta.json") ?? []), factory);
      digests["state.bin"] = await stateHash.digest();
      if (sealer) {
        const sealedBytes = concatBytes(small.get("SHA256SUMS.sealed") ?? []);
        let opened: Uint8Array;
        try {
          opened = await sealer.open(sealedBytes);
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
      const failure = checkSums(concatBytes(small.get("SHA256SUMS") ?? []), digests);
      if (failure) throw sumsError(failure, "SHA256SUMS", offsetOf);
    };

    const summary = await inflate(
      withSignal(source, signal),
      async (chunk) => {
        tar.push(chunk);
        if (pendingState.length > 0) {
          const out = pendingState;
          pendingState = [];
          for (const piece of out) {
            const hashing = stateHash.update(piece);
            if (hashing) await hashing;
            if (hooks.state) await hooks.state(piece);
          }
        }
        if (tar.ended && !checked) await checkLists();
      },
      {
        onCompressed: archiveHash ? (chunk) => archiveHash.update(chunk) : undefined,
        maxBytes: limits.maxTarBytes,
        maxRatio: limits.maxRatio,
      },
    ).catch((error) => {
      // A gzip failure inside an entry names that entry, as Go's wrapping does.
      const inside = tar.currentEntry;
      if (error instanceof SnapshotError && error.layer === "gzip" && !error.entry && inside) {
        throw new SnapshotError(
          error.code,
          error.message.replace(/^Cannot verify the snapshot: /, "")
            .replace(/(; raise limits\.\w+ to read it)?$/, ` (inside "${inside}")$1`),
          {
            layer: error.layer,
            entry: inside,
            offset: error.offset,
            expected: error.expected,
            found: error.found,
            cause: error.cause,
            limit: error.limit,
          },
        );
      }
      throw error;
    });
    if (!tar.ended) tar.end();
    if (!checked) await checkLists();

    const trailing = tar.trailing;
    if (trailing.bytes > 0 && !(options.allowZeroPadding && trailing.allZero)) {
      const offset = tar.position - trailing.bytes;
      const message = trailing.allZero
        ? `${trailing.bytes} bytes of zero padding follow the end of the tar archive at offset ${offset}, ` +
          "as GNU tar writes it; Go's Verify, and so Consul, Vault and Nomad, refuse such snapshots " +
          "(the allowZeroPadding option accepts it)"
        : `${trailing.bytes} bytes follow the end of the tar archive at offset ${offset}`;
      throw new SnapshotError("trailing-data", message, {
        layer: "tar",
        offset,
        expected: "end of data after the two zero blocks",
        found: `${trailing.bytes} more bytes`,
      });
    }

    for (const entry of entries) {
      if (entry.name === "meta.json" || entry.name === "state.bin") {
        entry.sha256 = toHex(digests[entry.name]);
      } else {
        entry.sha256 = toHex(await sha256Of(entry.content!, factory));
      }
    }
    const result: VerifyResult = {
      meta,
      entries,
      stateSize,
      stateSha256: toHex(digests["state.bin"]),
      sealed: small.has("SHA256SUMS.sealed"),
      sealVerified,
      compressedBytes: summary.compressedBytes,
      tarBytes: tar.position,
      gzipMembers: summary.members,
      zeroPadding: trailing.bytes,
    };
    if (archiveHash) result.checksum = "sha-256=" + toBase64(await archiveHash.digest());
    return result;
  }
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Bounds on what an archive may make a reader do. Every `.snap` is untrusted input: these
 * keep a hostile one from exhausting memory or CPU. The defaults accept every archive
 * Consul, Vault, Nomad and the Go package write (Go's own 8191-byte cap on the small
 * entries included) and stop a gzip bomb after a few MiB of work.
 */
export interface ReadLimits {
  /**
   * Largest `meta.json`, `SHA256SUMS` or `SHA256SUMS.sealed`, in bytes. Go reads at most
   * 8191 (`read max specified bytes (8192) without EOF`).
   *
   * @default {8191}
   */
  maxSmallEntryBytes?: number;
  /**
   * Largest PAX extended header or GNU long-name data, in bytes (Go allows 1 MiB; the
   * only PAX header a snapshot writer makes is a `size` record for states of 8 GiB and up).
   *
   * @default {65536}
   */
  maxPaxBytes?: number;
  /**
   * Most entries in the archive (PAX and GNU long-name headers not counted). Go reads any
   * number of repeats of the four known names; a snapshot has three or four.
   *
   * @default {4}
   */
  maxEntries?: number;
  /**
   * Most uncompressed bytes (the whole tar stream, padding included).
   *
   * @default {68719476736} (64 GiB)
   */
  maxTarBytes?: number;
  /**
   * Most uncompressed bytes per compressed byte, checked once 16 MiB have been
   * decompressed. Snapshot states compress 1.3x (Vault) to about 20x (repetitive Consul
   * KV); deflate's ceiling is about 1032x, which is what a gzip bomb uses.
   *
   * @default {250}
   */
  maxRatio?: number;
}

/** {@linkcode ReadLimits} with every default applied. */
export type ResolvedLimits = Required<ReadLimits>;

/** Bytes decompressed before the ratio is checked: tiny archives have odd ratios. */
export const RATIO_FLOOR = 16 * 1024 * 1024;

/**
 * Applies the defaults and checks the values.
 *
 * @throws {RangeError} when a limit is not a positive number.
 */
export function resolveLimits(limits: ReadLimits = {}): ResolvedLimits {
  const resolved: ResolvedLimits = {
    maxSmallEntryBytes: limits.maxSmallEntryBytes ?? 8191,
    maxPaxBytes: limits.maxPaxBytes ?? 64 * 1024,
    maxEntries: limits.maxEntries ?? 4,
    maxTarBytes: limits.maxTarBytes ?? 64 * 1024 ** 3,
    maxRatio: limits.maxRatio ?? 250,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(typeof value === "number" && value > 0 && !Number.isNaN(value))) {
      throw new RangeError(`limits.${name} must be a positive number, got ${value}`);
    }
  }
  return resolved;
}

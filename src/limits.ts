// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Bounds on what an archive may make a reader do. Every `.snap` is untrusted input, but
 * reading streams in bounded memory, so these bound work (time), not memory; and every
 * default is an absolute cap that no archive Consul, Vault, Nomad or the Go package
 * writes comes near (Go's own 8191-byte cap on the small entries aside, which Go
 * enforces too). The defaults accept whatever Go's `Verify` accepts short of those caps:
 * there is no ratio check unless you set one. A server that verifies uploads from
 * strangers wants tighter bounds; `createVerifyHandler` has its own.
 *
 * A value of `Infinity` turns a limit off. Going past one fails with a
 * {@linkcode SnapshotError} of code `limit-exceeded` (`entry-too-large` for
 * `maxSmallEntryBytes`) whose `limit` names the field and whose message says to raise it.
 *
 * @example Reading a 1000:1 archive, and refusing it with a ratio bound
 * ```ts
 * import { SnapshotError, verifySnapshot, writeSnapshot } from "@raftsnap/raftsnap";
 *
 * const size = 32 << 20; // 32 MiB of zeros: a valid archive of about 32 KiB
 * const archive = new Uint8Array(
 *   await new Response(writeSnapshot({ index: 1, term: 1, size }, new Uint8Array(size))).arrayBuffer(),
 * );
 * const result = await verifySnapshot(archive); // the defaults accept it, as Go does
 * if (result.stateSize !== size) throw new Error("unexpected size");
 * try {
 *   await verifySnapshot(archive, { limits: { maxRatio: 100 } });
 *   throw new Error("unreachable");
 * } catch (error) {
 *   if (!(error instanceof SnapshotError) || error.limit !== "maxRatio") throw error;
 * }
 * ```
 */
export interface ReadLimits {
  /**
   * Largest `meta.json`, `SHA256SUMS` or `SHA256SUMS.sealed`, in bytes. Go reads at most
   * 8191 (`read max specified bytes (8192) without EOF`), so the default refuses only
   * what Go refuses; real ones are a few hundred bytes.
   *
   * @default {8191}
   */
  maxSmallEntryBytes?: number;
  /**
   * Largest PAX extended header or GNU long-name data, in bytes (Go allows 1 MiB). The
   * only PAX header a snapshot writer makes is a `size` record for states of 8 GiB and
   * up, about 30 bytes.
   *
   * @default {65536}
   */
  maxPaxBytes?: number;
  /**
   * Most entries in the archive (PAX and GNU long-name headers not counted). Go reads any
   * number of repeats of the four known names; every writer makes three or four.
   *
   * @default {4}
   */
  maxEntries?: number;
  /**
   * Most uncompressed bytes (the whole tar stream, padding included): the bound on the
   * work a gzip bomb can cause. Consul and Nomad hold their whole state in memory and
   * Vault's storage entries are at most a few MiB each; real states are MiB to a few GiB.
   *
   * @default {68719476736} (64 GiB)
   */
  maxTarBytes?: number;
  /**
   * Most uncompressed bytes per compressed byte, checked as the data streams once 16 MiB
   * have been decompressed. Off by default: deflate's ceiling is about 1032x, and a valid
   * archive reaches it (a state of zeros, or one large value repeated); a streaming reader
   * spends no more memory on it, and `maxTarBytes` bounds the work. Set it where time per
   * compressed byte matters (a server; real states compress 1.3x to about 20x).
   *
   * @default {Infinity}
   */
  maxRatio?: number;
}

/** {@linkcode ReadLimits} with every default applied. */
export type ResolvedLimits = Required<ReadLimits>;

/** The name of one {@linkcode ReadLimits} field. */
export type LimitName = keyof ReadLimits;

/** The defaults of {@linkcode ReadLimits}, by field. */
export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxSmallEntryBytes: 8191,
  maxPaxBytes: 64 * 1024,
  maxEntries: 4,
  maxTarBytes: 64 * 1024 ** 3,
  maxRatio: Infinity,
});

/** Bytes decompressed before the ratio is checked: tiny archives have odd ratios. */
export const RATIO_FLOOR = 16 * 1024 * 1024;

/**
 * Applies the defaults and checks the values.
 *
 * @example Defaults and an override
 * ```ts
 * import { resolveLimits } from "@raftsnap/raftsnap";
 *
 * const limits = resolveLimits({ maxRatio: 100 });
 * if (limits.maxRatio !== 100 || limits.maxEntries !== 4) throw new Error("unexpected");
 * ```
 *
 * @param limits The limits to set; the others keep their defaults.
 * @returns Every limit, with its value.
 * @throws {RangeError} when a limit is not a positive number (`Infinity` is one).
 */
export function resolveLimits(limits: ReadLimits = {}): ResolvedLimits {
  const resolved: ResolvedLimits = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(DEFAULT_LIMITS) as LimitName[]) {
    const value = limits[name] ?? DEFAULT_LIMITS[name];
    if (!(typeof value === "number" && value > 0 && !Number.isNaN(value))) {
      throw new RangeError(`limits.${name} must be a positive number, got ${value}`);
    }
    resolved[name] = value;
  }
  return resolved;
}

const BYTE_LIMITS: ReadonlySet<LimitName> = new Set([
  "maxSmallEntryBytes",
  "maxPaxBytes",
  "maxTarBytes",
]);
const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const OFF = new Set(["0", "off", "none", "unlimited", "infinity"]);

/**
 * Reads limits written as text, the way an operator gives them on a command line or in
 * an environment variable: `NAME=VALUE` pairs, one per string or separated by commas.
 * NAME is a {@linkcode ReadLimits} field (any case). Byte limits take an optional
 * binary unit (`k`, `m`, `g`, `t`, with or without `iB`/`B`: `512MiB`, `64g`; all are
 * powers of 1024); `maxEntries` a whole number; `maxRatio` a number (`100` or `100x`).
 * `0`, `off` or `none` turns a limit off (`Infinity`). A later pair for the same name
 * wins.
 *
 * @example Two limits, one off
 * ```ts
 * import { parseLimits } from "@raftsnap/raftsnap";
 *
 * const limits = parseLimits(["maxTarBytes=1GiB", "maxRatio=off"]);
 * if (limits.maxTarBytes !== 1024 ** 3 || limits.maxRatio !== Infinity) throw new Error();
 * ```
 *
 * @param text `NAME=VALUE` pairs.
 * @returns The limits given (the others are left out, for their defaults).
 * @throws {RangeError} for a pair that is not `NAME=VALUE`, an unknown name, or a value
 * that is not a positive number of the limit's kind; the message starts with the pair.
 */
export function parseLimits(text: string | readonly string[]): ReadLimits {
  const names = Object.keys(DEFAULT_LIMITS) as LimitName[];
  const out: ReadLimits = {};
  const pairs = (typeof text === "string" ? [text] : text).flatMap((t) => t.split(","));
  for (const raw of pairs) {
    const pair = raw.trim();
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new RangeError(`${JSON.stringify(pair)} is not NAME=VALUE (maxTarBytes=128GiB, say)`);
    }
    const given = pair.slice(0, eq).trim();
    const name = names.find((n) => n.toLowerCase() === given.toLowerCase());
    if (!name) {
      throw new RangeError(
        `${pair}: there is no limit ${JSON.stringify(given)} (the limits are ${names.join(", ")})`,
      );
    }
    out[name] = parseLimitValue(name, pair.slice(eq + 1).trim(), pair);
  }
  return out;
}

function parseLimitValue(name: LimitName, value: string, pair: string): number {
  if (OFF.has(value.toLowerCase())) return Infinity;
  if (BYTE_LIMITS.has(name)) {
    const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(value);
    const bytes = match ? Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!) : NaN;
    if (!(bytes >= 1)) {
      throw new RangeError(
        `${pair}: not a byte count (a number with an optional unit: 8191, 512KiB, 64GiB; ` +
          "0 or off for no limit)",
      );
    }
    return bytes;
  }
  if (name === "maxEntries") {
    if (!/^\d+$/.test(value)) {
      throw new RangeError(`${pair}: not a whole number of entries (0 or off for no limit)`);
    }
    return Number(value);
  }
  const ratio = /^\d+(?:\.\d+)?x?$/i.test(value) ? parseFloat(value) : NaN;
  if (!(ratio > 0)) {
    throw new RangeError(
      `${pair}: not a ratio (bytes out per byte in: 100 or 100x; 0 or off for no limit)`,
    );
  }
  return ratio;
}

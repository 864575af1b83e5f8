// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * The two ways the products print a byte count: Consul's and Vault's `ByteSize` (`344B`,
 * `1.7KB`, `5KB`) and go-humanize's `IBytes`, which Nomad uses (`858 B`, `2.9 KiB`,
 * `11 KiB`). Both are 1024-based. Both round the way Go's `strconv` does: to the
 * nearest, ties to even on the exact binary value. JavaScript's `toFixed` rounds ties
 * up, which differs for exact halves such as `1.25` (Go: `1.2`).
 *
 * @module
 */

const UNITS: readonly [bigint, string][] = [
  [1n << 40n, "TB"],
  [1n << 30n, "GB"],
  [1n << 20n, "MB"],
  [1n << 10n, "KB"],
  [1n, "B"],
];

/** Go's `float64(uint64(n))`: rounded to 53 bits, ties to even. */
function asGoFloat(bytes: number | bigint): bigint {
  const big = BigInt(bytes);
  if (big < 0n || big >= 1n << 64n) throw new RangeError(`Not a uint64: ${big}`);
  // BigInt → Number rounds to nearest, ties to even, as Go's conversion does.
  return BigInt(Number(big));
}

/** `numerator / denominator` rounded to an integer, ties to even. */
function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const twice = (numerator % denominator) * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) {
    return quotient + 1n;
  }
  return quotient;
}

/**
 * Consul's and Vault's `ByteSize`: 1024-based units `B`, `KB`, `MB`, `GB`, `TB`, one
 * decimal with a trailing `.0` trimmed, no space; zero is `0`.
 *
 * @example
 * ```ts
 * import { byteSize } from "./_byte_size.ts";
 *
 * const got = [0, 344, 1741, 5120, 15681].map((n) => byteSize(n)).join(" ");
 * if (got !== "0 344B 1.7KB 5KB 15.3KB") throw new Error(got);
 * ```
 *
 * @param bytes A byte count (a Go `uint64`).
 * @returns The text Go prints.
 * @throws {RangeError} when `bytes` is negative or above 2^64 - 1.
 */
export function byteSize(bytes: number | bigint): string {
  const value = asGoFloat(bytes);
  if (value === 0n) return "0";
  // The unit is chosen on the integer, before the float conversion, as Go does.
  const exact = BigInt(bytes);
  const [scale, unit] = UNITS.find(([scale]) => exact >= scale)!;
  // strconv.FormatFloat(value/scale, 'f', 1, 64): value/scale is exact in binary
  // (a power-of-two division), so rounding the rational is rounding Go's float.
  const tenths = roundHalfEven(value * 10n, scale);
  const whole = tenths / 10n;
  const fraction = tenths % 10n;
  return (fraction === 0n ? `${whole}` : `${whole}.${fraction}`) + unit;
}

const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/**
 * go-humanize's `IBytes`: below 10 bytes `N B`; otherwise 1024-based with `KiB` ...
 * `EiB`, one decimal below 10 units (`2.9 KiB`), none from 10 on (`11 KiB`), a space
 * before the unit. Computed with the same floating-point steps as Go.
 *
 * @example
 * ```ts
 * import { iBytes } from "./_byte_size.ts";
 *
 * const got = [9, 858, 2940, 11032].map((n) => iBytes(n)).join(", ");
 * if (got !== "9 B, 858 B, 2.9 KiB, 11 KiB") throw new Error(got);
 * ```
 *
 * @param bytes A byte count (a Go `uint64`).
 * @returns The text Go prints.
 * @throws {RangeError} when `bytes` is negative or above 2^64 - 1.
 */
export function iBytes(bytes: number | bigint): string {
  const s = Number(asGoFloat(bytes));
  if (s < 10) return `${s} B`;
  // humanateBytes: e = floor(log(s)/log(1024)); val = floor(s/1024^e*10+0.5)/10.
  const e = Math.floor(Math.log(s) / Math.log(1024));
  const suffix = IEC[e]!;
  const tenths = Math.floor((s / Math.pow(1024, e)) * 10 + 0.5);
  if (tenths < 100) {
    // "%.1f" of tenths/10: the nearest one-decimal number is tenths/10 itself.
    return `${Math.floor(tenths / 10)}.${tenths % 10} ${suffix}`;
  }
  // "%.0f" of tenths/10, ties (x.5, exact in binary) to even, as Go's fmt does.
  const whole = Math.floor(tenths / 10);
  const digit = tenths % 10;
  const rounded = digit > 5 || (digit === 5 && whole % 2 === 1) ? whole + 1 : whole;
  return `${rounded} ${suffix}`;
}

/**
 * raftsnap's own human size: bytes below 1 KiB (`858 B`), otherwise 1024-based with
 * always one decimal (`2.9 KiB`, `15.3 KiB`, `138.5 KiB`), rounding half up, moving to
 * the next unit when the rounding reaches 1024.0.
 *
 * @example
 * ```ts
 * import { humanBytes } from "./_byte_size.ts";
 *
 * const got = [858, 2940, 141801, 1048575].map((n) => humanBytes(n)).join(", ");
 * if (got !== "858 B, 2.9 KiB, 138.5 KiB, 1.0 MiB") throw new Error(got);
 * ```
 *
 * @param bytes A byte count, not negative.
 * @returns The size in words.
 */
export function humanBytes(bytes: number | bigint): string {
  const big = BigInt(bytes);
  if (big < 1024n) return `${big} B`;
  let e = 1;
  while (e < IEC.length - 1 && big >= 1n << BigInt(10 * (e + 1))) e++;
  let tenths = roundHalfUp(big * 10n, 1n << BigInt(10 * e));
  if (tenths >= 10240n && e < IEC.length - 1) {
    e++;
    tenths = roundHalfUp(big * 10n, 1n << BigInt(10 * e));
  }
  return `${tenths / 10n}.${tenths % 10n} ${IEC[e]}`;
}

function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

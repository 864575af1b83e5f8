// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * The creation time raft encodes in a snapshot ID, as Nomad's inspect shows it.
 *
 * @module
 */

const INT64_MAX = (1n << 63n) - 1n;

/** Go's `strconv.ParseInt(s, 10, 64)`, or `undefined` where Go returns an error. */
function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value > INT64_MAX || value < -INT64_MAX - 1n ? undefined : value;
}

/** Go's `t.Format(time.RFC3339)` of a UTC time (year below 0 as `-0001`, above 9999 as is). */
function rfc3339Utc(date: Date): string {
  const year = date.getUTCFullYear();
  const yearText = (year < 0 ? "-" : "") + String(Math.abs(year)).padStart(4, "0");
  const two = (n: number) => String(n).padStart(2, "0");
  return `${yearText}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}T` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}Z`;
}

/**
 * When a snapshot was taken, from its ID, as Nomad's `extractTimeFromName` reads it: raft
 * names snapshots `<term>-<index>-<unix milliseconds>`. Returns the third part as an RFC
 * 3339 time, or `""` when the ID does not have exactly three `-`-separated parts or the
 * third is not an int64 (Go's `strconv.ParseInt`: optional sign, decimal digits). The
 * time is in UTC, where Nomad uses the local time zone; a millisecond count beyond what
 * a JavaScript `Date` holds (±8.64e15) also gives `""`.
 *
 * @example
 * ```ts
 * import { createdFromId } from "./_snapshot_id.ts";
 *
 * if (createdFromId("3-118-1751454667513") !== "2025-07-02T11:11:07Z") throw new Error();
 * if (createdFromId("bolt-snapshot") !== "") throw new Error();
 * ```
 *
 * @param id The snapshot ID from `meta.json`.
 * @returns The time as Go's `time.RFC3339` in UTC, or `""`.
 */
export function createdFromId(id: string): string {
  const parts = id.split("-");
  if (parts.length !== 3) return "";
  const millis = parseInt64(parts[2]!);
  if (millis === undefined) return "";
  const date = new Date(Number(millis));
  return Number.isNaN(date.getTime()) ? "" : rfc3339Utc(date);
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Reads a duration such as `7d`, `12h`, `30m`, `90s`, `0s` or `1d12h` into milliseconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from "@raftsnap/raftsnap/watch";
 *
 * if (parseDuration("7d") !== 604_800_000 || parseDuration("1h30m") !== 5_400_000) throw new Error("bad");
 * ```
 *
 * @param text The duration: numbers each followed by `ms`, `s`, `m`, `h`, `d` or `w`.
 * @returns Milliseconds.
 * @throws {RangeError} for anything else.
 */
export function parseDuration(text: string): number {
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/.test(text)
    ? [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)]
    : [];
  if (parts.length === 0) {
    throw new RangeError(`not a duration: ${JSON.stringify(text)} (write 7d, 12h, 30m, 0s)`);
  }
  return Math.round(parts.reduce((sum, m) => sum + Number(m[1]) * UNITS[m[2]!]!, 0));
}

/**
 * Writes milliseconds as a short duration: `3d4h`, `12m`, `0s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "@raftsnap/raftsnap/watch";
 *
 * if (formatDuration(93_600_000) !== "1d2h") throw new Error("bad");
 * ```
 *
 * @param ms Milliseconds.
 * @returns The two largest units.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size || (unit === "s" && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return sign + parts.join("");
}

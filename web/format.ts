// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/** Numbers as an operator reads them: sizes, rates, durations. */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Bytes in binary units, the way `consul snapshot inspect` counts them: `15.3 KiB`, `700 B`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

/** Bytes per second in decimal megabytes, from a byte count and milliseconds: `312 MB/s`. */
export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return "–";
  const perSecond = bytes / (ms / 1000);
  return `${(perSecond / 1e6).toFixed(perSecond < 10e6 ? 1 : 0)} MB/s`;
}

/** Milliseconds as `850 ms` or `3.2 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** An exact integer with thousands separators: `1,049,552`. */
export function formatCount(value: number | bigint): string {
  return value.toLocaleString("en-US");
}

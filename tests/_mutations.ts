// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Mutation helpers shared by the hostile-input tests and the fuzzer.

import { type ArchiveInput, SnapshotError, type VerifyOptions, verifySnapshot } from "../mod.ts";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), as gzip's trailer holds it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A valid gzip member holding `data` in stored (uncompressed) deflate blocks: a cheap
 * way to re-gzip a mutated tar thousands of times, every byte reaching the tar layer.
 */
export function gzipStored(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(10 + data.length + blocks * 5 + 8);
  out.set([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
  let at = 10;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const length = Math.min(65535, data.length - start);
    out[at++] = b === blocks - 1 ? 1 : 0;
    out[at++] = length & 0xff;
    out[at++] = length >>> 8;
    out[at++] = ~length & 0xff;
    out[at++] = (~length >>> 8) & 0xff;
    out.set(data.subarray(start, start + length), at);
    at += length;
  }
  const view = new DataView(out.buffer);
  view.setUint32(at, crc32(data), true);
  view.setUint32(at + 4, data.length >>> 0, true);
  return out;
}

/** What one case came to. */
export type Outcome =
  | { kind: "rejected"; code: string }
  | { kind: "same" }
  | { kind: "wrong"; detail: string }
  | { kind: "crash"; detail: string }
  | { kind: "hang" };

/** The fingerprint a mutated archive must either reproduce or fail on. */
export interface Reference {
  metaJson: string;
  stateSha256: string;
}

/**
 * Verifies `bytes` and judges the outcome against the original's metadata and state
 * hash: a SnapshotError or the same answer are fine; a different answer ("a lie"), any
 * other throw ("a crash") or no answer within `timeoutMs` ("a hang") are findings.
 */
export async function judge(
  bytes: ArchiveInput,
  reference: Reference,
  options: VerifyOptions = {},
  timeoutMs = 10_000,
): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "hang" }), timeoutMs);
  });
  const run = (async (): Promise<Outcome> => {
    try {
      const result = await verifySnapshot(bytes, options);
      const metaJson = new TextDecoder().decode(
        result.entries.find((e) => e.name === "meta.json")?.content ?? new Uint8Array(),
      );
      if (result.stateSha256 !== reference.stateSha256) {
        return { kind: "wrong", detail: `state ${result.stateSha256}` };
      }
      if (metaJson !== reference.metaJson) return { kind: "wrong", detail: `meta ${metaJson}` };
      return { kind: "same" };
    } catch (error) {
      if (error instanceof SnapshotError) return { kind: "rejected", code: error.code };
      return {
        kind: "crash",
        detail: error instanceof Error ? error.stack ?? error.message : String(error),
      };
    }
  })();
  const outcome = await Promise.race([run, timeout]);
  clearTimeout(timer);
  return outcome;
}

/** Counts outcomes by kind and code, and keeps the first few findings. */
export class Tally {
  readonly counts = new Map<string, number>();
  readonly findings: string[] = [];
  cases = 0;

  add(label: string, outcome: Outcome): void {
    this.cases++;
    const key = outcome.kind === "rejected" ? `rejected:${outcome.code}` : outcome.kind;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (outcome.kind === "wrong" || outcome.kind === "crash" || outcome.kind === "hang") {
      if (this.findings.length < 10) {
        this.findings.push(
          `${label}: ${outcome.kind} ${"detail" in outcome ? outcome.detail : ""}`,
        );
      }
    }
  }

  toString(): string {
    const parts = [...this.counts].sort().map(([k, v]) => `${k} ${v}`);
    return `${this.cases} cases: ${parts.join(", ")}`;
  }
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Mutation helpers shared by the hostile-input tests and the fuzzer.

import {
  type ArchiveInput,
  SnapshotError,
  type VerifyOptions,
  type VerifyResult,
  verifySnapshot,
} from "../mod.ts";
import { inflate } from "../src/format/gzip/inflate.ts";
import { concatBytes } from "../src/_bytes.ts";

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
  /** It verified to another known archive's content (a splice that rebuilt the donor, say). */
  | { kind: "known"; as: string }
  | { kind: "wrong"; detail: string }
  | { kind: "crash"; detail: string }
  | { kind: "hang" };

/** The fingerprint a mutated archive must either reproduce or fail on. */
export interface Reference {
  metaJson: string;
  stateSha256: string;
  /** The archive's SHA256SUMS text, where the oracle may need it (see `judge`). */
  sums?: string;
}

/** A good archive (Go's `Verify` accepts it) that the oracle knows by bytes and content. */
export interface KnownArchive {
  name: string;
  gzip: Uint8Array;
  reference: Reference;
}

/**
 * What {@linkcode judge} needs to tell a legitimate archive from a lie when a mutation
 * may have made one: the known good archives, the mutant's bytes, and (for tests of the
 * oracle itself) the verifier to judge.
 */
export interface Oracle {
  known: KnownArchive[];
  /** The mutant's bytes, when `bytes` is a stream of them. */
  mutant?: Uint8Array;
  /** The verifier under judgment; a test injects a liar here. */
  verify?: (input: ArchiveInput, options: VerifyOptions) => Promise<VerifyResult>;
}

/**
 * Verifies `bytes` and judges the outcome: a SnapshotError or the original's answer are
 * fine; a different answer ("a lie"), any other throw ("a crash") or no answer within
 * `timeoutMs` ("a hang") are findings.
 *
 * With an `oracle`, the truth is decided rather than assumed, so that a mutation that
 * happens to make a good archive is not a finding:
 * - a mutant that is byte for byte a known archive must verify, to that archive's
 *   content (refusing it, or any other answer, is a finding);
 * - any other mutant that verifies must be self-consistent (its meta.json and state hash
 *   to the lines of its own SHA256SUMS) and hold the meta and state of one known archive,
 *   the seed's or another's: no mutation can forge a SHA-256, so a verified archive with
 *   content no known archive has is a lie.
 */
export async function judge(
  bytes: ArchiveInput,
  reference: Reference,
  options: VerifyOptions = {},
  timeoutMs = 10_000,
  oracle?: Oracle,
): Promise<Outcome> {
  const verify = oracle?.verify ?? verifySnapshot;
  const mutant = oracle?.mutant ?? (bytes instanceof Uint8Array ? bytes : undefined);
  const copyOf = mutant && oracle?.known.find((k) => equalBytes(k.gzip, mutant));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "hang" }), timeoutMs);
  });
  const run = (async (): Promise<Outcome> => {
    let result: VerifyResult;
    try {
      result = await verify(bytes, options);
    } catch (error) {
      if (error instanceof SnapshotError) {
        if (copyOf) {
          return {
            kind: "wrong",
            detail:
              `refused a byte-exact copy of ${copyOf.name}, which Go verifies (${error.code})`,
          };
        }
        return { kind: "rejected", code: error.code };
      }
      return {
        kind: "crash",
        detail: error instanceof Error ? error.stack ?? error.message : String(error),
      };
    }
    const meta = result.entries.find((e) => e.name === "meta.json")?.content ?? new Uint8Array();
    const got = { metaJson: new TextDecoder().decode(meta), stateSha256: result.stateSha256 };
    if (!oracle) {
      if (got.stateSha256 !== reference.stateSha256) {
        return { kind: "wrong", detail: `state ${got.stateSha256}` };
      }
      if (got.metaJson !== reference.metaJson) {
        return { kind: "wrong", detail: `meta ${got.metaJson}` };
      }
      return { kind: "same" };
    }
    const inconsistent = await sumsMismatch(result, meta);
    if (inconsistent) return { kind: "wrong", detail: inconsistent };
    const same = (r: Reference) => r.stateSha256 === got.stateSha256 && r.metaJson === got.metaJson;
    if (copyOf) {
      return same(copyOf.reference)
        ? (copyOf.reference === reference ? { kind: "same" } : { kind: "known", as: copyOf.name })
        : {
          kind: "wrong",
          detail:
            `a byte-exact copy of ${copyOf.name} verified to state ${got.stateSha256}, meta ${got.metaJson}`,
        };
    }
    if (same(reference)) return { kind: "same" };
    const known = oracle.known.find((k) => same(k.reference));
    if (known) {
      // Another archive's content: it must really be in the mutant's bytes, which the
      // script inflater (not the verifier under judgment) reads here.
      const held = mutant && await holds(mutant, known.reference);
      if (held) return { kind: "known", as: known.name };
      return {
        kind: "wrong",
        detail: `verified as ${known.name}'s content, which its bytes do not hold`,
      };
    }
    return {
      kind: "wrong",
      detail:
        `verified to content no known archive holds: state ${got.stateSha256}, meta ${got.metaJson}`,
    };
  })();
  const outcome = await Promise.race([run, timeout]);
  clearTimeout(timer);
  return outcome;
}

/** Why a verified result contradicts its own SHA256SUMS, or `undefined` if it does not. */
async function sumsMismatch(result: VerifyResult, meta: Uint8Array): Promise<string | undefined> {
  const sums = result.entries.find((e) => e.name === "SHA256SUMS")?.content;
  if (!sums) return "verified without a SHA256SUMS";
  const lines = new Map<string, string>();
  for (const line of new TextDecoder().decode(sums).split("\n")) {
    const match = /^([0-9a-f]{64}) [ *]?(.+)$/.exec(line.trim());
    if (match) lines.set(match[2]!, match[1]!);
  }
  const metaHash = hex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", meta as Uint8Array<ArrayBuffer>)),
  );
  if (lines.has("meta.json") && lines.get("meta.json") !== metaHash) {
    return `meta.json hashes to ${metaHash}, its SHA256SUMS says ${lines.get("meta.json")}`;
  }
  if (lines.get("state.bin") !== result.stateSha256) {
    return `state.bin reported as ${result.stateSha256}, its SHA256SUMS says ${
      lines.get("state.bin")
    }`;
  }
  return undefined;
}

/** Whether `gzip` inflates to a tar holding the reference's meta.json and SHA256SUMS text. */
async function holds(gzip: Uint8Array, reference: Reference): Promise<boolean> {
  const parts: Uint8Array[] = [];
  try {
    await inflate(ReadableStream.from([gzip.slice()]), (chunk) => {
      parts.push(chunk.slice());
    }, { engine: "script" });
  } catch {
    return false;
  }
  const text = new TextDecoder("latin1").decode(concatBytes(parts));
  const latin = (s: string) => new TextDecoder("latin1").decode(new TextEncoder().encode(s));
  return text.includes(latin(reference.metaJson)) &&
    (reference.sums === undefined || text.includes(latin(reference.sums)));
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Counts outcomes by kind and code, and keeps the first few findings. */
export class Tally {
  readonly counts = new Map<string, number>();
  readonly findings: string[] = [];
  cases = 0;

  add(label: string, outcome: Outcome): void {
    this.cases++;
    const key = outcome.kind === "rejected"
      ? `rejected:${outcome.code}`
      : outcome.kind === "known"
      ? `verified-as:${outcome.as}`
      : outcome.kind;
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

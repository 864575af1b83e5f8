// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * What the CLI prints: the `--json` documents (one per file, one line each) and the
 * human-readable text. The JSON shapes are part of the CLI's contract; the README's
 * "Command line" section documents them.
 *
 * @module
 */

import type { ArchiveEntry, SnapshotError, SnapshotMeta, VerifyResult } from "../../mod.ts";
import { resultToJson, type VerifyResultJson } from "../../mod.ts";
import { type ParsedArgs, UsageError } from "./args.ts";
import { type Classified, classify, stripPrefix } from "./errors.ts";
import type { Context } from "./io.ts";

// ---- JSON ----

/** The `error` member of a failed document. */
export interface ErrorJson {
  /** A `SnapshotError` code, or `io`, `interrupted`, `internal`. */
  code: string;
  /** The layer that failed (`gzip`, `tar`, `entry`, `meta`, `sums`, `seal`, `write`, `state`), or `null`. */
  layer: string | null;
  /** The entry involved, or `null`. */
  entry: string | null;
  /** The byte offset (compressed for `gzip`, uncompressed otherwise), or `null`. */
  offset: number | null;
  /** What a valid archive has there, or `null`. */
  expected: string | null;
  /** What this one has instead, or `null`. */
  found: string | null;
  /** For the `state` layer (inspect, decode): the record that failed, else `null`. */
  record: { number: number; type: number | null; name: string | null } | null;
  /** The message the text output prints. */
  message: string;
}

/** A verified archive, as `verify`, `inspect` and `unpack` print it with `--json`. */
export type ReportJson = {
  /** The file as given on the command line (`-` for standard input). */
  file: string;
  /** Always `true` here. */
  ok: true;
} & VerifyResultJson;

/** A failed file, as every command prints it with `--json`. */
export interface FailureJson {
  /** The file as given. */
  file: string;
  /** Always `false` here. */
  ok: false;
  /** What failed. */
  error: ErrorJson;
}

/** The document of a verified archive. */
export function reportJson(file: string, result: VerifyResult): ReportJson {
  return { file, ok: true, ...resultToJson(result) };
}

/** The `error` member for any error. */
export function errorJson(error: unknown, classified: Classified): ErrorJson {
  const snapshot = classified.exit === 1 ? error as SnapshotError : undefined;
  return {
    code: classified.code,
    layer: snapshot?.layer ?? null,
    entry: snapshot?.entry ?? null,
    offset: snapshot?.offset ?? null,
    expected: snapshot?.expected ?? null,
    found: snapshot?.found ?? null,
    record: snapshot?.record
      ? {
        number: snapshot.record.number,
        type: snapshot.record.type ?? null,
        name: snapshot.record.name ?? null,
      }
      : null,
    message: snapshot ? stripPrefix(snapshot.message) : classified.message,
  };
}

/** One document, one line. */
export function jsonLine(doc: unknown): string {
  return JSON.stringify(doc) + "\n";
}

// ---- text ----

const SUFFRAGE = ["voter", "nonvoter", "staging"];

/** raft's names for a server's suffrage. */
export function suffrageName(suffrage: number): string {
  return SUFFRAGE[suffrage] ?? `suffrage ${suffrage}`;
}

/** `ID 2-5-1700000000000  Index 5  Term 2  Size 20`. */
export function metaSummary(meta: SnapshotMeta): string {
  return `ID ${meta.id || '""'}  Index ${meta.index}  Term ${meta.term}  Size ${meta.size}`;
}

/** Notes worth a reader's attention: unopened seal, a Size that disagrees with the state. */
export function notes(result: VerifyResult): string[] {
  const out: string[] = [];
  if (result.sealVerified) out.push("sealed sums ok");
  else if (result.sealed) out.push("SHA256SUMS.sealed not opened: no --sealer-key");
  if (result.meta.size !== BigInt(result.stateSize)) {
    out.push(`meta.json says Size ${result.meta.size} but state.bin is ${result.stateSize} bytes`);
  }
  if (result.zeroPadding > 0) out.push(`${result.zeroPadding} bytes of zero padding accepted`);
  return out;
}

/** The line `verify` prints for a good file: `x.snap: ok  ID ...  Index ...`. */
export function verifyLine(file: string, result: VerifyResult): string {
  const extra = notes(result).map((n) => ` (${n})`).join("");
  return `${file}: ok  ${metaSummary(result.meta)}${extra}\n`;
}

/** Entry lines: name, size, SHA-256, aligned, each indented by `indent`. */
export function entryTable(entries: readonly ArchiveEntry[], indent: string): string {
  const nameWidth = Math.max(...entries.map((e) => e.name.length), 5);
  const sizeWidth = Math.max(...entries.map((e) => String(e.size).length), 4);
  return entries.map((e) =>
    `${indent}${e.name.padEnd(nameWidth)}  ${String(e.size).padStart(sizeWidth)}  ${e.sha256}\n`
  ).join("");
}

/** The detail lines `verify` adds for a single file: entries and the checksum. */
export function verifyDetails(result: VerifyResult): string {
  return entryTable(result.entries, "  ") + `  checksum ${result.checksum}\n`;
}

function row(label: string, value: string): string {
  return ` ${label.padEnd(12)} ${value}\n`;
}

/** UTC to the second: `2026-11-25 08:19:22 UTC`. */
function utc(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/**
 * `inspect`'s text: the metadata block as `consul snapshot inspect` prints it, then the
 * configuration, the archive's entries and what was checked. `result` is undefined when
 * verification failed after `meta.json` was read, or (`raw`) for a raw state.
 */
export function inspectText(
  meta: SnapshotMeta,
  result: VerifyResult | undefined,
  raw = false,
): string {
  let out = "";
  out += row("ID", meta.id);
  out += row("Size", String(meta.size));
  out += row("Index", String(meta.index));
  out += row("Term", String(meta.term));
  out += row("Version", String(meta.version));
  out += row("Config index", String(meta.configurationIndex));
  const servers = meta.configuration.servers ?? [];
  if (servers.length === 0) out += row("Servers", "none");
  const idWidth = Math.max(...servers.map((s) => s.id.length), 0);
  const addressWidth = Math.max(...servers.map((s) => s.address.length), 0);
  servers.forEach((s, i) => {
    const text = `${s.id.padEnd(idWidth)}  ${s.address.padEnd(addressWidth)}  ${
      suffrageName(s.suffrage)
    }`;
    out += row(i === 0 ? "Servers" : "", text);
  });
  if (meta.peers !== null) out += row("Peers", `${meta.peers.length} bytes (deprecated field)`);
  if (result === undefined) {
    return out + row(
      "Verified",
      raw
        ? "no: a raw state.bin and meta.json (no sums vouch for them)"
        : "NO: the archive failed verification (below)",
    );
  }
  const times = new Set(result.entries.map((e) => e.modTime.getTime()));
  if (times.size === 1) out += row("Written", utc(result.entries[0]!.modTime));
  out += row(
    "Archive",
    `${result.compressedBytes} bytes, ${result.gzipMembers} gzip member${
      result.gzipMembers === 1 ? "" : "s"
    }, tar ${result.tarBytes} bytes`,
  );
  out += row("Checksum", result.checksum ?? "");
  out += row("Verified", ["ok", ...notes(result)].join("; "));
  out += "\n";
  const nameWidth = Math.max(...result.entries.map((e) => e.name.length), 5);
  const sizeWidth = Math.max(...result.entries.map((e) => String(e.size).length), 4);
  out += ` ${"Entry".padEnd(nameWidth)}  ${"Size".padStart(sizeWidth)}  SHA-256\n`;
  out += entryTable(result.entries, " ");
  return out;
}

/** The one error line: `raftsnap: verify x.snap: hash mismatch for ... [hash-mismatch]`. */
export function errorLine(command: string, target: string, classified: Classified): string {
  const hint = HINTS[classified.code];
  const code = classified.exit === 1 ? ` [${classified.code}]` : "";
  return `raftsnap: ${command}${target ? ` ${target}` : ""}: ${classified.message}${code}${
    hint ? `; ${hint}` : ""
  }\n`;
}

/** What to do next, for the failures where there is something to do. */
const HINTS: Record<string, string> = {
  "seal-open": "is --sealer-key the key the snapshot was sealed with?",
};

/** The error and its causes' stacks, for `--debug`. */
export function debugText(error: unknown): string {
  let out = "";
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const text = current instanceof Error ? current.stack ?? String(current) : String(current);
    out += (depth === 0 ? "" : "caused by: ") + text + "\n";
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}

/**
 * Reports a failed file the way the command line asked: a `--json` document on standard
 * output, or the one error line on standard error (with the stack under `--debug`).
 *
 * @param extra Members added to the JSON document after `ok` (such as `dir`).
 * @returns The exit code.
 * @throws {UsageError} rethrown: a usage error is not a file's failure.
 */
export function reportFailure(
  ctx: Context,
  args: ParsedArgs,
  command: string,
  file: string,
  error: unknown,
  extra: Record<string, unknown> = {},
): number {
  if (error instanceof UsageError) throw error;
  const classified = classify(error);
  if (args.flags.json) {
    ctx.out(jsonLine({ file, ok: false, ...extra, error: errorJson(error, classified) }));
  } else {
    ctx.err(errorLine(command, file, classified));
  }
  if (args.flags.debug) ctx.err(debugText(error));
  return classified.exit;
}

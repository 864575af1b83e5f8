// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Running the real `raftsnap` command as a subprocess, with the task's permissions.

import type { ErrorJson, FailureJson, ReportJson } from "../src/cli/format.ts";
import type { SnapshotMetaJson as MetaJson } from "../mod.ts";
import { FIXTURES } from "./_helpers.ts";

/** The checkout's root, the subprocess's working folder. */
export const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** A go-reference fixture's path. */
export function goFixture(name: string): string {
  return decodeURIComponent(new URL(`go-reference/${name}`, FIXTURES).pathname);
}

/** A products fixture's path. */
export function productFixture(name: string): string {
  return decodeURIComponent(new URL(`products/${name}`, FIXTURES).pathname);
}

/** What a run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array<ArrayBuffer>;
}

/** Options of {@linkcode raftsnap}. */
export interface CliOptions {
  /** Bytes for standard input (closed after), or a function that writes it. */
  stdin?: Uint8Array | ((writer: WritableStreamDefaultWriter<Uint8Array>) => Promise<void>);
  /** Called with the child once it started (to signal it, say). */
  started?: (child: Deno.ChildProcess) => void | Promise<void>;
  /** The script to run instead of the CLI. */
  script?: string;
  /** More Deno permission flags (`upload` needs `--allow-net`). */
  permissions?: string[];
  /** More environment variables. */
  env?: Record<string, string>;
  /** Called with standard error as it comes (all of it is in the result as well). */
  onStderr?: (text: string) => void;
}

/**
 * The npm package's command (`bin/raftsnap.mjs`) to run with Node instead of Deno's, when
 * set: `tests/cli/cli_node_test.ts` runs the CLI tests again that way.
 */
const NODE_BIN = Deno.env.get("RAFTSNAP_CLI_NODE_BIN");

/**
 * Runs `deno run --allow-read --allow-write src/cli/main.ts ARGS...` from the checkout:
 * the permissions of `deno task raftsnap` and of the documented `deno install`. With
 * `RAFTSNAP_CLI_NODE_BIN` set, runs `node $RAFTSNAP_CLI_NODE_BIN ARGS...` instead.
 */
export async function raftsnap(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const onNode = NODE_BIN !== undefined && options.script === undefined;
  const child = new Deno.Command(onNode ? "node" : Deno.execPath(), {
    args: onNode ? [NODE_BIN, ...args] : [
      "run",
      "--allow-read",
      "--allow-write",
      ...options.permissions ?? [],
      "--config",
      "deno.json",
      options.script ?? "src/cli/main.ts",
      ...args,
    ],
    cwd: ROOT,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  const stdin = options.stdin;
  const feeding = (async () => {
    if (!stdin) return;
    const writer = child.stdin.getWriter();
    try {
      if (stdin instanceof Uint8Array) await writer.write(stdin);
      else await stdin(writer);
      await writer.close();
    } catch {
      // The command may exit before reading everything (a usage error, say).
      await writer.abort().catch(() => {});
    }
  })();
  await options.started?.(child);
  const stdout = new Response(child.stdout).bytes();
  const stderr = (async () => {
    let text = "";
    for await (const piece of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += piece;
      options.onStderr?.(piece);
    }
    return text;
  })();
  const [status, stdoutBytes, stderrText] = await Promise.all([
    child.status,
    stdout,
    stderr,
    feeding,
  ]);
  return {
    code: status.code,
    stdout: new TextDecoder().decode(stdoutBytes),
    stderr: stderrText,
    stdoutBytes: new Uint8Array(stdoutBytes),
  };
}

/** Any `--json` document: a report, a failure, or a command's own (pack's, checksum's). */
export type Doc =
  & Partial<Omit<ReportJson, "ok" | "meta">>
  & Partial<Omit<FailureJson, "ok" | "error">>
  & { ok: boolean; meta?: MetaJson; error?: ErrorJson; [key: string]: unknown };

/** The JSON documents of a `--json` run, one per line. */
export function jsonLines(stdout: string): Doc[] {
  return stdout.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** A fresh temporary folder, removed by the returned disposer. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "raftsnap-cli-test-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** Every file under `dir` with its bytes, as a sorted name → hex-free string map. */
export async function snapshotOfDir(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      for (const [name, text] of await snapshotOfDir(path)) out.set(`${entry.name}/${name}`, text);
    } else {
      out.set(entry.name, new TextDecoder().decode(await Deno.readFile(path)));
    }
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** `sha-256=` + base64 of a hex SHA-256. */
export function checksumOfHex(hex: string): string {
  const bytes = hex.match(/../g)!.map((h) => parseInt(h, 16));
  return "sha-256=" + btoa(String.fromCharCode(...bytes));
}

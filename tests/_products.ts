// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Test helpers for the product fixtures: the manifest, and the inspect command lines it records.

import { parseSnapshot, type SnapshotMeta } from "../mod.ts";
import { collect, FIXTURES, readFixture } from "./_helpers.ts";

/** The products folder of the shared fixtures. */
export const PRODUCTS = new URL("products/", FIXTURES);

/** One product fixture, as products/manifest.json describes it. */
export interface ProductFixture {
  fixture: string;
  product: "consul" | "nomad" | "vault";
  files: string[];
  /** Expected output file → the command line that printed it. */
  // deno-lint-ignore camelcase -- the manifest's own key
  expected_outputs: Record<string, string>;
  // deno-lint-ignore camelcase -- the manifest's own key
  secrets_never_shown_when_redacted?: string[];
  [more: string]: unknown;
}

/** Every fixture of products/manifest.json. */
export async function productFixtures(): Promise<ProductFixture[]> {
  const text = await Deno.readTextFile(new URL("manifest.json", PRODUCTS));
  return (JSON.parse(text) as { fixtures: ProductFixture[] }).fixtures;
}

/** A fixture file's bytes. */
export function productFile(name: string): Promise<Uint8Array<ArrayBuffer>> {
  return readFixture(`products/${name}`);
}

/** What an expected output's command line asks for. */
export interface InspectCommand {
  product: "consul" | "nomad" | "vault";
  /** consul pretty|json; nomad pretty|json; vault table|json. */
  format: "pretty" | "json" | "table";
  /** Consul -kvdetails; Vault -details (default true). */
  details: boolean;
  depth: number;
  filter: string;
}

/**
 * Reads a manifest command line such as `consul snapshot inspect -kvdetails -kvdepth 3
 * -kvfilter vault NAME.snap`, `... -format=json` ("..." stands for the fixture's product's
 * inspect command with its defaults), `vault operator raft snapshot inspect NAME.snap
 * (details, depth 2)` or `nomad operator snapshot inspect -json NAME.snap (TZ=UTC)`.
 *
 * @returns The command, or `undefined` for outputs that are not an inspect (decode lines, hashes).
 */
export function parseInspectCommand(
  product: ProductFixture["product"],
  line: string,
): InspectCommand | undefined {
  const text = line.replace(/\(.*?\)/g, " ");
  if (!/inspect/.test(text) && !text.trim().startsWith("...")) return undefined;
  const command: InspectCommand = {
    product,
    format: product === "vault" ? "table" : "pretty",
    details: product !== "consul",
    depth: 2,
    filter: "",
  };
  const words = text.split(/\s+/).filter((w) => w.startsWith("-"));
  for (let i = 0; i < words.length; i++) {
    const [flag, inline] = words[i]!.replace(/^--?/, "").split("=", 2) as [string, string?];
    const value = () => inline ?? text.split(/\s+/)[text.split(/\s+/).indexOf(words[i]!) + 1]!;
    switch (flag) {
      case "format":
        command.format = value() as InspectCommand["format"];
        break;
      case "json":
        command.format = "json";
        break;
      case "kvdetails":
        command.details = true;
        break;
      case "details":
        command.details = value() !== "false";
        break;
      case "kvdepth":
      case "depth":
        command.depth = Number(value());
        break;
      case "kvfilter":
      case "filter":
        command.filter = value();
        break;
      default:
        throw new Error(`unknown flag ${flag} in ${JSON.stringify(line)}`);
    }
  }
  return command;
}

/** The expected inspect outputs of a fixture with the command that printed each. */
export function inspectOutputs(
  fixture: ProductFixture,
): { file: string; command: InspectCommand }[] {
  const outputs: { file: string; command: InspectCommand }[] = [];
  for (const [file, line] of Object.entries(fixture.expected_outputs)) {
    if (file.endsWith("/") || file.endsWith(".jsonl") || file.endsWith(".sha256")) continue;
    const command = parseInspectCommand(fixture.product, line);
    if (command) outputs.push({ file, command });
  }
  return outputs;
}

/** The fixture's archive (the first `.snap` it lists). */
export function snapOf(fixture: ProductFixture): string {
  const snap = fixture.files.find((f) => f.endsWith(".snap"));
  if (!snap) throw new Error(`fixture ${fixture.fixture} has no .snap`);
  return snap;
}

/** The `state.bin` of a fixture's archive, read through a full verification. */
export async function stateOf(snap: string): Promise<Uint8Array<ArrayBuffer>> {
  const parsed = parseSnapshot(await productFile(snap));
  const state = await collect(parsed.state);
  await parsed.result;
  return state;
}

/** The metadata of a fixture's archive. */
export async function metaOf(snap: string): Promise<SnapshotMeta> {
  const parsed = parseSnapshot(await productFile(snap));
  const [meta] = await Promise.all([parsed.meta, parsed.result]);
  return meta;
}

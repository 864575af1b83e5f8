// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A module worker that runs the library bundle (dist/lib/raftsnap.mjs, copied beside it
// as ./raftsnap.mjs) inside workerd, for tests/workers/workerd_test.ts. Each path is one
// operation on the request body; answers are JSON or text for the test to compare with
// what Deno says and with the fixtures' expected outputs.

import * as raftsnap from "./raftsnap.mjs";

const {
  createAesGcmSealer,
  decodeRecords,
  defaultSha256,
  formatConsulInspect,
  formatNomadInspect,
  formatVaultInspect,
  inspectSnapshot,
  parseSnapshot,
  SnapshotError,
  stringifyDecoded,
  verifySnapshot,
  writeSnapshot,
} = raftsnap;

// Counts run-time code generation by the library: on the Workers path there must be none.
const original = { compile: WebAssembly.compile, instantiate: WebAssembly.instantiate };
let codeGeneration = 0;
WebAssembly.compile = (...args) => (codeGeneration++, original.compile(...args));
WebAssembly.instantiate = (...args) => (codeGeneration++, original.instantiate(...args));

const json = (value, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

async function verify(body, params) {
  const key = params.get("key");
  const sealer = key ? await createAesGcmSealer(key) : undefined;
  try {
    const result = await verifySnapshot(body, { sealer, checksum: true });
    return {
      verdict: "ok",
      id: result.meta.id,
      index: String(result.meta.index),
      stateSha256: result.stateSha256,
      checksum: result.checksum,
      sealVerified: result.sealVerified,
      compressedBytes: result.compressedBytes,
    };
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    return { verdict: error.code };
  }
}

async function inspect(body, params) {
  const product = params.get("product");
  const format = params.get("format");
  const details = params.get("details") === "true";
  const result = await inspectSnapshot(body, {
    depth: Number(params.get("depth") ?? 2),
    filter: params.get("filter") ?? "",
  });
  switch (product) {
    case "consul":
      return formatConsulInspect(result, { format, kvDetails: details });
    case "nomad":
      return formatNomadInspect(result, { json: format === "json" });
    default:
      return formatVaultInspect(result, { format, details });
  }
}

async function decode(body, params) {
  const parsed = parseSnapshot(body);
  const lines = [];
  const redact = params.get("redact") !== "false";
  for await (const record of decodeRecords(parsed.state, { redact })) {
    lines.push(`${record.type}\t${stringifyDecoded(record.value)}`);
  }
  await parsed.result;
  return lines.join("\n");
}

async function roundTrip() {
  const state = new TextEncoder().encode("written in workerd\n".repeat(50_000));
  const sealer = await createAesGcmSealer(new Uint8Array(32).fill(7));
  const meta = { id: "workerd", index: 9, term: 3, size: state.length };
  const written = await new Response(writeSnapshot(meta, state, { sealer })).arrayBuffer();
  const result = await verifySnapshot(new Uint8Array(written), { sealer, checksum: true });
  const stateSha256 = [...new Uint8Array(await crypto.subtle.digest("SHA-256", state))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return {
    id: result.meta.id,
    index: String(result.meta.index),
    sealVerified: result.sealVerified,
    stateSha256: result.stateSha256,
    expectedStateSha256: stateSha256,
    bytes: written.byteLength,
  };
}

/** What the runtime offers, and which hasher the library picked. */
async function runtime() {
  let wasm = "allowed";
  try {
    await original.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  } catch (error) {
    wasm = String(error);
  }
  const hasher = await defaultSha256();
  hasher.update(new TextEncoder().encode("abc"));
  const digest = await hasher.digest();
  return {
    digestStream: typeof crypto.DigestStream,
    wasm,
    workerUrl: String(defaultSha256.workerUrl),
    abc: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const body = request.body ?? new Uint8Array(0);
    switch (url.pathname) {
      case "/verify":
        return json(await verify(body, url.searchParams));
      case "/inspect":
        return new Response(await inspect(body, url.searchParams));
      case "/decode":
        return new Response(await decode(body, url.searchParams));
      case "/round-trip":
        return json(await roundTrip());
      case "/runtime":
        return json(await runtime());
      case "/code-generation":
        return json({ calls: codeGeneration });
      default:
        return new Response("not found", { status: 404 });
    }
  },
};

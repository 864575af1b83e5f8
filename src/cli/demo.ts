// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// `deno task demo`: what a newcomer runs first. Writes a small sample snapshot into a
// temporary folder, verifies it, corrupts a copy and shows the failure, then cleans up.

import { SnapshotError, verifySnapshot, writeSnapshot } from "../../mod.ts";

const dir = await Deno.makeTempDir({ prefix: "raftsnap-demo-" });
try {
  const state = new TextEncoder().encode(
    Array.from({ length: 2000 }, (_, i) => `{"Key":"app/config/${i}","Value":"v${i * 7}"}\n`).join(
      "",
    ),
  );
  const path = `${dir}/sample.snap`;
  const meta = {
    id: "2-1200-1764000000000",
    index: 1200,
    term: 2,
    size: state.length,
    configuration: {
      servers: [
        { suffrage: 0, id: "server-1", address: "10.0.0.1:8300" },
        { suffrage: 0, id: "server-2", address: "10.0.0.2:8300" },
        { suffrage: 0, id: "server-3", address: "10.0.0.3:8300" },
      ],
    },
    configurationIndex: 1,
  };
  await writeSnapshot(meta, state).pipeTo((await Deno.create(path)).writable);
  const bytes = await Deno.readFile(path);
  console.log(
    `1. Wrote a sample snapshot: ${path} (${bytes.length} bytes, state ${state.length} bytes)`,
  );

  const result = await verifySnapshot(bytes, { checksum: true });
  console.log(
    `2. Verified it: ID ${result.meta.id}, Index ${result.meta.index}, Term ${result.meta.term}`,
  );
  for (const entry of result.entries) {
    console.log(
      `     ${entry.name.padEnd(18)} ${String(entry.size).padStart(7)} bytes  sha256 ${
        entry.sha256.slice(0, 16)
      }…`,
    );
  }
  console.log(
    `     servers: ${result.meta.configuration.servers?.map((s) => s.address).join(", ")}`,
  );
  console.log(`     checksum ${result.checksum}`);

  // Rewrite one byte of the state inside the archive, keeping the gzip layer valid.
  const tar = new Uint8Array(
    await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")))
      .arrayBuffer(),
  );
  const stateOffset = result.entries.find((e) => e.name === "state.bin")!.offset + 512;
  tar[stateOffset + 10]! ^= 0x01;
  const corrupt = new Uint8Array(
    await new Response(new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  await Deno.writeFile(`${dir}/corrupt.snap`, corrupt);
  console.log(`3. Flipped one bit of state.bin in a copy: ${dir}/corrupt.snap`);
  try {
    await verifySnapshot(corrupt);
    console.log("   … and it verified, which is a bug: please report it.");
    Deno.exitCode = 1;
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    console.log(`4. Verifying the copy fails, as it must (code "${error.code}"):`);
    console.log(`     ${error.message}`);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
  console.log(`5. Cleaned up ${dir}.`);
}

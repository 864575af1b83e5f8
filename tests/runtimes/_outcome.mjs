// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// One case's outcome, as every runtime of the smoke test reports it: the Node and Bun
// script (node_smoke.mjs) and the Deno side (node_smoke_test.ts) share it, so their
// lines compare field for field.

/**
 * Verifies `input` with the library `lib` (the bundle, or mod.ts) and says what came of it.
 *
 * @param {{ createAesGcmSealer: Function, SnapshotError: Function, verifySnapshot: Function }} lib
 * @param {string} name The case's name.
 * @param {unknown} input The archive, in whatever form the runtime reads a file.
 * @param {string | undefined} key The sealer key (hex), for a sealed case.
 */
export async function verifyOutcome(lib, name, input, key) {
  const sealer = key ? await lib.createAesGcmSealer(key) : undefined;
  try {
    const result = await lib.verifySnapshot(input, { sealer, checksum: true });
    return {
      name,
      verdict: "ok",
      id: result.meta.id,
      index: String(result.meta.index),
      stateSha256: result.stateSha256,
      checksum: result.checksum,
      sealVerified: result.sealVerified,
    };
  } catch (error) {
    if (!(error instanceof lib.SnapshotError)) throw error;
    return { name, verdict: error.code };
  }
}

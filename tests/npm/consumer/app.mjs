// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A browser app using the npm package, bundled with esbuild: verifies a fixture and a
// state large enough to hash on the package's worker, which must really start.

import { verifySnapshot, writeSnapshot } from "raftsnap";

// Count the workers that said they were ready (the hashing worker's first message).
const ready = [];
const PlatformWorker = globalThis.Worker;
globalThis.Worker = class extends PlatformWorker {
  constructor(url, options) {
    super(url, options);
    this.addEventListener("message", (event) => {
      if (event.data?.type === "ready") ready.push(new URL(String(url)).pathname);
    });
  }
};

try {
  const fixture = await verifySnapshot(await fetch("small.snap"));
  const state = new Uint8Array(12 * 1024 * 1024).fill(7);
  const large = await verifySnapshot(
    writeSnapshot({ id: "big", index: 2, term: 1, size: state.length }, state),
  );
  globalThis.result = {
    fixture: fixture.meta.id,
    fixtureSha256: fixture.stateSha256,
    large: large.stateSize,
    ready,
  };
} catch (error) {
  globalThis.result = { error: String(error) };
}

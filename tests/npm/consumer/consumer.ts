// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A strict TypeScript consumer of the npm package: `tsc --noEmit` must accept it.

import {
  SnapshotError,
  type SnapshotMetaInit,
  type VerifyResult,
  verifySnapshot,
  writeSnapshot,
} from "raftsnap";
import { nativeSha256 } from "raftsnap/native-sha256";

const state: Uint8Array = new TextEncoder().encode("typed\n");
const meta: SnapshotMetaInit = { index: 5, term: 2, size: state.length };
const result: VerifyResult = await verifySnapshot(writeSnapshot(meta, state), {
  hasher: nativeSha256,
});
const index: bigint = result.meta.index;
const hex: string = result.stateSha256;
try {
  await verifySnapshot(new Uint8Array(3));
} catch (error) {
  if (error instanceof SnapshotError) console.log(error.code satisfies string);
}
console.log(index, hex);

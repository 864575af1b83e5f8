// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A deliberate type error: `tsc --noEmit` must refuse this file (the index is a bigint).

import { verifySnapshot } from "raftsnap";

const result = await verifySnapshot(new Uint8Array(0));
export const index: number = result.meta.index;

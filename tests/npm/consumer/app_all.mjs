// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The same package, all of it: the bundle size to compare with app.mjs's.

import * as raftsnap from "raftsnap";

globalThis.raftsnap = raftsnap;

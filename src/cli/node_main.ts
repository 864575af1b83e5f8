// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Placeholder until the Node runtime lands.
import { VERSION } from "./main.ts";
console.log(VERSION);

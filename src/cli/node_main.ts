// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * The `raftsnap` command of the npm package: the CLI of `main.ts` on Node's runtime
 * (`runtime/node.ts`). `deno task build:npm` bundles it as `bin/raftsnap.mjs`.
 *
 * @module
 */

import { main } from "./main.ts";
import { nodeRuntime } from "./runtime/node.ts";

await nodeRuntime.exit(await main(nodeRuntime.args, nodeRuntime));

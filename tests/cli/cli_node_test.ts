// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The CLI tests again, against the npm package's command on Node (bin/raftsnap.mjs, the
// Node side of src/cli/runtime/): same output, same exit codes as under Deno.

import { buildNpm } from "../../npm/build.ts";
import { assert } from "../_helpers.ts";

Deno.test("the CLI tests pass against the npm package's raftsnap on Node", async () => {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-cli-node-" });
  try {
    const { dir: pkg } = await buildNpm(`${dir}/package`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "test",
        "-A",
        "tests/cli/cli_test.ts",
        "tests/cli/inspect_test.ts",
        "tests/cli/beyond_test.ts",
        "tests/cli/pipe_test.ts",
        "tests/cli/upload_test.ts",
        "tests/cli/upload_serve_test.ts",
        "tests/cli/watch_test.ts",
      ],
      cwd: new URL("../../", import.meta.url),
      env: { NO_COLOR: "1", RAFTSNAP_CLI_NODE_BIN: `${pkg}/bin/raftsnap.mjs` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text.slice(-4000));
    assert.match(text, /ok \| \d+ passed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

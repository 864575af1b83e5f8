// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// tus-js-client (npm, 4.3.1, pinned in tests/tus_js_client/ and installed by
// tests/_tus_js_client.ts) run under Node against a server, one upload per call, through
// tests/workers/_tus_node.mjs, which can pause the client between two requests.

import { assert } from "../_helpers.ts";
import { NODE, tusJsClient } from "../_tus_js_client.ts";

const SCRIPT = new URL("./_tus_node.mjs", import.meta.url);

let project: Promise<string> | undefined;

/** The folder with tus-js-client installed for Node, and this script beside it. */
export function tusClientProject(): Promise<string> {
  return project ??= (async () => {
    const dir = await tusJsClient();
    // Copied under a name of its own, then renamed: parallel tests never see half of it.
    const temp = `${dir}tus-worker-upload.${crypto.randomUUID()}.tmp`;
    await Deno.copyFile(SCRIPT, temp);
    await Deno.rename(temp, `${dir}tus-worker-upload.mjs`);
    return dir;
  })();
}

/** What tus-js-client reported about one upload. */
export interface TusRun {
  /** The upload's URL, once created. */
  url: string | undefined;
  /** `Upload-Offset` after each PATCH (and the POST). */
  offsets: number[];
  /** The statuses of the PATCHes (and the POST). */
  statuses: number[];
  /** "success" or "error". */
  outcome: "success" | "error";
  /** The last answer's status (0: none). */
  status: number;
  /** The last answer's body. */
  body: string;
  /** tus-js-client's error message. */
  message?: string;
}

/** Options of {@linkcode tusUpload}. */
export interface TusUploadOptions {
  endpoint: string;
  file: string;
  token?: string;
  chunkSize?: number;
  uploadUrl?: string;
  retryDelays?: number[];
  withCreation?: boolean;
  /**
   * Called after the POST and each PATCH that did not end the upload (`n` counts them,
   * the POST is 1), with the upload's URL and offset; the client waits for it.
   */
  between?: (step: { url: string; offset: number; n: number }) => Promise<void>;
}

/** Uploads `file` with tus-js-client under Node; resolves once it succeeded or failed. */
export async function tusUpload(options: TusUploadOptions): Promise<TusRun> {
  const dir = await tusClientProject();
  const { between, ...rest } = options;
  const child = new Deno.Command(NODE, {
    args: [
      `${dir}tus-worker-upload.mjs`,
      JSON.stringify({ ...rest, pause: between !== undefined }),
    ],
    cwd: dir,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const stderr = new Response(child.stderr).text();
  const run: TusRun = {
    url: undefined,
    offsets: [],
    statuses: [],
    outcome: "error",
    status: 0,
    body: "",
  };
  let buffered = "";
  let patches = 0;
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const event = JSON.parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (event.event === "created" || event.event === "patch") {
        run.url ??= event.url;
        run.offsets.push(event.offset);
        run.statuses.push(event.status);
        const last = event.event === "patch" && event.status !== 204;
        if (between && !last && event.status < 300) {
          await between({ url: event.url, offset: event.offset, n: ++patches });
          await stdin.write(new TextEncoder().encode("go\n"));
        }
      } else {
        run.outcome = event.event;
        run.status = event.status;
        run.body = event.body;
        run.url = event.url ?? run.url;
        run.message = event.message;
      }
    }
  }
  await stdin.close().catch(() => {});
  const status = await child.status;
  assert.equal(status.code, 0, await stderr);
  return run;
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Runs workers in workerd, the runtime of Cloudflare Workers, through Miniflare (npm
// `miniflare`, which ships workerd's binary): never a binary from outside the registry.

import { Miniflare, type MiniflareOptions } from "miniflare";
import { buildLibrary } from "../../web/build.ts";

/** The compatibility date the tests run workers at (what a new wrangler.toml gets). */
export const COMPATIBILITY_DATE = "2025-09-01";

let built: Promise<string> | undefined;

/** The library bundle (`deno task build`), built once per test process into a temp folder. */
export function libraryBundle(): Promise<string> {
  return built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "raftsnap-workerd-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // gone already
      }
    });
    const { main } = await buildLibrary(`${dir}/lib`);
    return main;
  })();
}

/**
 * Starts a module worker in workerd: `script` (a path) with the library bundle beside it
 * as `./raftsnap.mjs`, plus any other options (bindings, R2 buckets).
 */
export async function startWorker(
  script: string,
  options: Partial<MiniflareOptions> & Record<string, unknown> = {},
): Promise<Miniflare> {
  const bundle = await libraryBundle();
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-worker-" });
  await Deno.copyFile(bundle, `${dir}/raftsnap.mjs`);
  await Deno.copyFile(script, `${dir}/worker.mjs`);
  const mf = new Miniflare({
    modulesRoot: dir,
    modules: [
      { type: "ESModule", path: `${dir}/worker.mjs` },
      { type: "ESModule", path: `${dir}/raftsnap.mjs` },
    ],
    compatibilityDate: COMPATIBILITY_DATE,
    ...options,
  } as MiniflareOptions);
  await mf.ready;
  const dispose = mf.dispose.bind(mf);
  mf.dispose = async () => {
    await dispose();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return mf;
}

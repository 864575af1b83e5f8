// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// tus-js-client (npm, pinned in tests/tus_js_client/) for tests that drive a real tus
// client from Node: installed by `npm ci` into dist/.tus-js-client/<lock hash>/ on the
// first run (into a fresh folder, then renamed, so parallel tests never see half of it).

const ROOT = new URL("../", import.meta.url);

/** The Node binary the tests run (as tests/runtimes does). */
export const NODE = Deno.env.get("RAFTSNAP_NODE") ?? "node";

async function run(command: string, args: string[], cwd: string) {
  const out = await new Deno.Command(command, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr);
    throw new Error(`${command} ${args.join(" ")} failed:\n${text}`);
  }
}

/**
 * The folder whose `node_modules` holds tus-js-client (a `.mjs` script run with this as its
 * working directory, or copied into it, imports `tus-js-client`).
 */
export async function tusJsClient(): Promise<string> {
  const source = new URL("tests/tus_js_client/", ROOT);
  const lock = await Deno.readTextFile(new URL("package-lock.json", source));
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lock)),
  );
  const hash = Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  const dir = new URL(`dist/.tus-js-client/${hash}/`, ROOT).pathname;
  try {
    await Deno.stat(`${dir}node_modules/tus-js-client/package.json`);
    return dir;
  } catch {
    // not installed yet
  }
  const temp = `${dir.slice(0, -1)}.${crypto.randomUUID()}.tmp`;
  await Deno.mkdir(temp, { recursive: true });
  try {
    await Deno.copyFile(new URL("package.json", source), `${temp}/package.json`);
    await Deno.writeTextFile(`${temp}/package-lock.json`, lock);
    await run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], temp);
    await Deno.rename(temp, dir).catch(async (error) => {
      // Another test installed it meanwhile.
      await Deno.stat(`${dir}node_modules/tus-js-client/package.json`).catch(() => {
        throw error;
      });
    });
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
  return dir;
}

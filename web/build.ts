// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * Builds the bundles, with `deno bundle` (esbuild, which Deno takes from npm):
 *
 * - `deno task build`: `dist/lib/raftsnap.mjs`, the whole library (`mod.ts`, hash-wasm
 *   inlined) as one ES module for browsers, Node, Deno and edge runtimes, plus the worker
 *   scripts it may start, each a self-contained `.mjs` beside it.
 * - `deno task build:web`: `dist/web/`, the inspector page (`index.html`, `style.css`,
 *   `app.mjs` and the hashing worker): copy the folder to any static host.
 *
 * The library names its workers as `new URL("./x_worker.ts", import.meta.url)`, relative
 * to the module that starts them: a bundle keeps that string, so each worker is found in
 * `src/` (its name must be unique there), bundled too, and the URL rewritten to its `.mjs`
 * (named for its path: `src/sha256/worker.ts` is `sha256_worker.mjs`). Without the worker
 * files the library still verifies (hashing falls back to the calling thread).
 *
 * Usage: `deno run -A web/build.ts [lib|web|all] [--out DIR]`.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url);

/** What {@linkcode buildLibrary} and {@linkcode buildWeb} wrote. */
export interface BuildOutput {
  /** The folder written. */
  dir: string;
  /** The main module's path. */
  main: string;
  /** The worker scripts' paths. */
  workers: string[];
}

const WORKER_URL = /new URL\("\.\/([a-z0-9_]*worker)\.ts", import\.meta\.url\)/g;

/**
 * The worker scripts the library starts, by the name its `new URL` gives them: the path
 * under `src/` of each, found next to the module whose source names it.
 */
async function workerPaths(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      else if (entry.name.endsWith(".ts")) {
        const code = await Deno.readTextFile(new URL(path, ROOT));
        for (const [, name] of code.matchAll(WORKER_URL)) {
          const worker = `${dir}${name}.ts`;
          if (found.has(name!) && found.get(name!) !== worker) {
            throw new Error(`two workers are named ${name}: name each worker script uniquely`);
          }
          found.set(name!, worker);
        }
      }
    }
  };
  await walk("src/");
  return found;
}

/** Runs `deno bundle` for one entry; throws with its output when it fails. */
async function bundle(entry: string, output: string): Promise<void> {
  const run = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=browser",
      "--format=esm",
      "--config",
      new URL("deno.json", ROOT).pathname,
      "-o",
      output,
      new URL(entry, ROOT).pathname,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!run.success) {
    const text = new TextDecoder().decode(run.stderr) + new TextDecoder().decode(run.stdout);
    throw new Error(`deno bundle ${entry} failed:\n${text}`);
  }
}

/**
 * Bundles `entry` to `dir/name`, then each worker it names (all from `src/`) beside it,
 * rewriting the worker URLs to the `.mjs` files.
 */
async function bundleWithWorkers(entry: string, dir: string, name: string): Promise<BuildOutput> {
  await Deno.mkdir(dir, { recursive: true });
  const main = `${dir}/${name}`;
  await bundle(entry, main);
  const code = await Deno.readTextFile(main);
  const paths = await workerPaths();
  const names = [...new Set(Array.from(code.matchAll(WORKER_URL), (m) => m[1]!))];
  const outputs = new Map<string, string>();
  for (const name of names) {
    const source = paths.get(name);
    if (!source) throw new Error(`the bundle names a worker ${name} that src/ does not start`);
    const output = `${source.slice("src/".length, -".ts".length).replaceAll("/", "_")}.mjs`;
    outputs.set(name, output);
    const path = `${dir}/${output}`;
    await bundle(source, path);
    // The page starts its hashing worker from a blob: URL (a fetched copy, so that it works
    // offline), where any `new URL(…, import.meta.url)` throws and the worker dies silently.
    if ((await Deno.readTextFile(path)).includes("import.meta.url")) {
      throw new Error(`${output} uses import.meta.url: it would not start from a blob: URL`);
    }
  }
  await Deno.writeTextFile(
    main,
    code.replace(WORKER_URL, (_, name) => `new URL("./${outputs.get(name)}", import.meta.url)`),
  );
  const workers = [...outputs.values()];
  return { dir, main, workers: workers.map((w) => `${dir}/${w}`) };
}

/**
 * Builds the library bundle: `DIR/raftsnap.mjs` and its workers.
 *
 * @param dir The output folder.
 * @returns The files written.
 */
export async function buildLibrary(dir = new URL("dist/lib", ROOT).pathname): Promise<BuildOutput> {
  const out = await bundleWithWorkers("mod.ts", dir, "raftsnap.mjs");
  if (!out.workers.some((w) => w.endsWith("/sha256_worker.mjs"))) {
    throw new Error("the bundle names no sha256_worker: did the library's worker URL change?");
  }
  return out;
}

/**
 * The page's bundle as a classic script, for a file:// copy (`boot.js` picks it there):
 * browsers load no module script from a file, since a file has no origin to allow it.
 * The bundle has no top-level `await` and no imports; its `export` goes, and
 * `import.meta.url` becomes the script's own URL (the workers it names then fail to
 * start from a file, and the library hashes on the page's thread instead).
 */
export function classicScript(module: string): string {
  const body = module
    .replace(/^export \{[^}]*\};?\s*$/m, "")
    .replaceAll("import.meta.url", "__raftsnapScriptUrl");
  if (/^\s*(?:import|export)\b|import\.meta|^await\b/m.test(body)) {
    throw new Error("app.mjs has module syntax a classic script cannot hold");
  }
  return '"use strict";\n(() => {\nconst __raftsnapScriptUrl = document.currentScript.src;\n' +
    body + "\n})();\n";
}

/** The static files of the page, copied as they are. */
const STATIC = ["index.html", "style.css", "boot.js"];

/**
 * Builds the inspector page into `DIR`: `index.html`, `style.css`, `app.mjs` (the page
 * and the library in one module) and the hashing worker.
 *
 * @param dir The output folder.
 * @returns The files written.
 */
export async function buildWeb(dir = new URL("dist/web", ROOT).pathname): Promise<BuildOutput> {
  const out = await bundleWithWorkers("web/app.ts", dir, "app.mjs");
  if (!out.workers.some((w) => w.endsWith("/sha256_worker.mjs"))) {
    throw new Error("app.mjs names no sha256_worker: did the library's worker URL change?");
  }
  for (const file of STATIC) {
    await Deno.copyFile(new URL(`web/${file}`, ROOT), `${dir}/${file}`);
  }
  await Deno.writeTextFile(`${dir}/app.js`, classicScript(await Deno.readTextFile(out.main)));
  return out;
}

if (import.meta.main) {
  const what = Deno.args.find((a) => !a.startsWith("--")) ?? "all";
  const outFlag = Deno.args.indexOf("--out");
  const out = outFlag >= 0 ? Deno.args[outFlag + 1] : undefined;
  if (!["lib", "web", "all"].includes(what)) {
    console.error("usage: deno run -A web/build.ts [lib|web|all] [--out DIR]");
    Deno.exit(2);
  }
  const started = performance.now();
  const built: BuildOutput[] = [];
  if (what !== "web") built.push(await buildLibrary(out && what === "lib" ? out : undefined));
  if (what !== "lib") built.push(await buildWeb(out && what === "web" ? out : undefined));
  for (const b of built) {
    const size = (await Deno.stat(b.main)).size;
    console.log(`${b.main} (${(size / 1024).toFixed(0)} KiB) + ${b.workers.length} worker(s)`);
  }
  console.log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * Builds the npm package into `dist/npm/` (`deno task build:npm`); `npm pack` there makes
 * the tarball.
 *
 * - `esm/`: every library module as its own ES module with its `.d.ts`, both emitted from
 *   the source by TypeScript (npm `typescript`, pinned in `npm/tools/`), so that a
 *   consumer's bundler keeps only the modules reached (`sideEffects: false`) and a
 *   TypeScript consumer gets the declarations of what it imports.
 * - the worker scripts, each one self-contained module (esbuild) at the place where the
 *   module that starts it looks (`new URL("./x_worker.js", import.meta.url)`), and a copy
 *   of each in `workers/` for a bundled app to serve beside its bundle.
 * - `esm/_vendor/`: hash-wasm's SHA-256 (only it) and aws4fetch (for `S3Store`), bundled:
 *   see the README.
 * - `bin/raftsnap.mjs`: the command line for Node (`src/cli/node_main.ts`, bundled).
 * - `package.json` from `npm/package.json` with the name and version of `deno.json`,
 *   `README.md` (its size table filled in) and `LICENSE`; `sizes.json`, what each entry
 *   costs a browser bundle, minified and gzipped (not packed).
 *
 * Usage: `deno run -A npm/build.ts [--out DIR]`. The tools are installed from npm into
 * `dist/.npm-tools/` on the first run (`npm ci`, from `npm/tools/package-lock.json`).
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url);
const root = (path: string) => decodeURIComponent(new URL(path, ROOT).pathname);

/** The entries of the package's `exports` that a size is measured for, with their source. */
export const ENTRIES: {
  name: string;
  module: string;
  platform: "browser" | "node";
}[] = [
  { name: ".", module: "esm/mod.js", platform: "browser" },
  {
    name: "./native-sha256",
    module: "esm/src/deno/native_sha256.js",
    platform: "node",
  },
];

/** What {@linkcode buildNpm} wrote. */
export interface NpmBuild {
  /** The package folder (`dist/npm`). */
  dir: string;
  /** The package's name and version. */
  name: string;
  version: string;
  /** Each export's size in a browser bundle, in bytes: minified, and minified and gzipped. */
  sizes: { entry: string; minified: number; gzipped: number }[];
  /** The worker scripts, as paths inside the package. */
  workers: string[];
}

/** Runs a command; throws with its output when it fails. Returns its standard output. */
async function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed:\n${text(out.stdout)}${text(out.stderr)}`,
    );
  }
  return text(out.stdout);
}

/** `dist/.npm-tools/node_modules`, installed by `npm ci` when the lock file changed. */
export async function tools(): Promise<string> {
  const dir = root("dist/.npm-tools");
  const lock = await Deno.readTextFile(root("npm/tools/package-lock.json"));
  const stamp = `${dir}/installed-lock.json`;
  const installed = await Deno.readTextFile(stamp).catch(() => "");
  if (installed !== lock) {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.copyFile(root("npm/tools/package.json"), `${dir}/package.json`);
    await Deno.writeTextFile(`${dir}/package-lock.json`, lock);
    await run(
      "npm",
      ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
      dir,
    );
    await Deno.writeTextFile(stamp, lock);
  }
  return `${dir}/node_modules`;
}

/** Runs esbuild's command line from the tools; bare imports (hash-wasm) resolve there. */
export async function esbuild(
  args: string[],
  cwd = root("."),
): Promise<string> {
  const modules = await tools();
  return await run(
    `${modules}/.bin/esbuild`,
    ["--log-level=warning", ...args],
    cwd,
    {
      NODE_PATH: modules,
    },
  );
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else yield path;
  }
}

const WORKER_URL = /new URL\("\.\/([a-z0-9_]*worker)\.ts", import\.meta\.url\)/g;

/**
 * The npm dependencies the library imports, bundled into `esm/_vendor/` (their licence
 * kept), so the package has no dependencies and installs offline; versions as deno.json
 * and `npm/tools` pin them.
 */
const VENDORED = [
  {
    name: "hash-wasm",
    version: "4.12.0",
    note: " (SHA-256 only)",
    file: "hash_wasm.js",
    entry: 'export { createSHA256 } from "hash-wasm";\n',
  },
  {
    name: "aws4fetch",
    version: "1.0.20",
    note: "",
    file: "aws4fetch.js",
    entry: 'export { AwsClient } from "aws4fetch";\n',
  },
];

/** A worker's file name in the package: `worker` alone is named for its folder. */
function workerFile(source: string): string {
  const parts = source.replace(/\.ts$/, "").split("/");
  const name = parts.at(-1)!;
  return name === "worker" ? `${parts.at(-2)}_worker.js` : `${name}.js`;
}

/** gzip size of `bytes`. */
async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const zipped = new Response(
    new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")),
  );
  return (await zipped.arrayBuffer()).byteLength;
}

/**
 * Bundles `stdin` (an ES module importing from the package) for a browser or Node,
 * minified; returns the bundle and its sizes.
 */
export async function measure(
  code: string,
  resolveDir: string,
  platform: "browser" | "node" = "browser",
): Promise<{ minified: number; gzipped: number; code: string }> {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-size-" });
  try {
    await Deno.writeTextFile(`${resolveDir}/.size-entry.mjs`, code);
    await esbuild([
      `${resolveDir}/.size-entry.mjs`,
      "--bundle",
      "--minify",
      "--format=esm",
      `--platform=${platform}`,
      `--outfile=${dir}/out.mjs`,
    ]);
    const bytes = await Deno.readFile(`${dir}/out.mjs`);
    return {
      minified: bytes.length,
      gzipped: await gzipSize(bytes),
      code: new TextDecoder().decode(bytes),
    };
  } finally {
    await Deno.remove(`${resolveDir}/.size-entry.mjs`).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** The README's export table, between its markers, with the sizes measured. */
export function sizeTable(sizes: NpmBuild["sizes"]): string {
  const what: Record<string, string> = {
    ".": "the library: verify, parse, write, restore, inspect, decode, the edge handler",
    "./native-sha256": "`node:crypto` SHA-256 for Node, Bun and Deno (`node`, `deno` conditions)",
  };
  const rows = sizes.map((s) =>
    `| \`raftsnap${s.entry === "." ? "" : s.entry.slice(1)}\` | ${what[s.entry] ?? ""} | ${
      kib(s.gzipped)
    } |`
  );
  return [
    "| import | what | minified + gzipped |",
    "| --- | --- | --- |",
    ...rows,
  ].join("\n");
}

const TABLE = /(<!-- npm-sizes:start -->\n)[\s\S]*?(\n<!-- npm-sizes:end -->)/;

/**
 * Builds the package.
 *
 * @param dir The output folder.
 * @returns What was written.
 */
export async function buildNpm(dir = root("dist/npm")): Promise<NpmBuild> {
  const modules = await tools();
  const config = JSON.parse(await Deno.readTextFile(root("deno.json")));
  // `@raftsnap/raftsnap` on JSR is `raftsnap` on npm: `npx raftsnap`, `npm i -g raftsnap`.
  const name = String(config.name).replace(/^@[^/]+\//, "");
  const version = String(config.version);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const esm = `${dir}/esm`;

  // 1. Every module and its declarations, as TypeScript emits them from the source.
  const stage = await Deno.makeTempDir({ prefix: "raftsnap-npm-" });
  try {
    await Deno.writeTextFile(
      `${stage}/tsconfig.json`,
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "bundler",
          lib: ["ES2023", "DOM", "DOM.Iterable", "DOM.AsyncIterable"],
          strict: true,
          noUncheckedIndexedAccess: true,
          noImplicitOverride: true,
          useUnknownInCatchVariables: true,
          declaration: true,
          outDir: esm,
          rootDir: root("."),
          allowImportingTsExtensions: true,
          rewriteRelativeImportExtensions: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [`${modules}/@types`],
          paths: Object.fromEntries(
            VENDORED.map((v) => [v.name, [`${modules}/${v.name}`]]),
          ),
        },
        files: [root("mod.ts"), root("src/deno/native_sha256.ts")],
      }),
    );
    await run(`${modules}/.bin/tsc`, ["-p", `${stage}/tsconfig.json`], stage);
  } finally {
    await Deno.remove(stage, { recursive: true });
  }

  // 2. Relative imports end in `.js` (TypeScript rewrote the code, not the declarations),
  // hash-wasm is the vendored copy, and each worker URL names the worker's file.
  const workers = new Map<string, string>(); // source (from the root) -> path in the package
  for await (const path of walk(esm)) {
    let text = await Deno.readTextFile(path);
    const from = path.slice(esm.length + 1);
    const sourceDir = from.split("/").slice(0, -1).join("/");
    if (path.endsWith(".d.ts")) {
      text = text.replace(
        /((?:from|import\()\s*"\.\.?\/[^"]*)\.ts"/g,
        '$1.js"',
      );
    } else {
      const depth = from.split("/").length - 1;
      for (const vendored of VENDORED) {
        text = text.replaceAll(
          `from "${vendored.name}"`,
          `from "${depth === 0 ? "./" : "../".repeat(depth)}_vendor/${vendored.file}"`,
        );
      }
      text = text.replace(WORKER_URL, (_, worker: string) => {
        const source = `${sourceDir ? sourceDir + "/" : ""}${worker}.ts`;
        const file = workerFile(source);
        workers.set(source, `esm/${sourceDir ? sourceDir + "/" : ""}${file}`);
        return `new URL("./${file}", import.meta.url)`;
      });
    }
    await Deno.writeTextFile(path, text);
  }

  // 3. The vendored dependencies (only what the library imports of each) and the
  // self-contained worker scripts.
  await Deno.mkdir(`${esm}/_vendor`, { recursive: true });
  for (const vendored of VENDORED) {
    const license = await Deno.readTextFile(
      `${modules}/${vendored.name}/LICENSE`,
    );
    const vendorEntry = `${modules}/../vendor-entry.mjs`;
    await Deno.writeTextFile(vendorEntry, vendored.entry);
    try {
      await esbuild([
        vendorEntry,
        "--bundle",
        "--format=esm",
        "--platform=neutral",
        "--main-fields=module,main",
        `--outfile=${esm}/_vendor/${vendored.file}`,
        `--banner:js=/*! ${vendored.name} ${vendored.version}${vendored.note}, bundled. ${
          license.trim().replaceAll("*/", "* /")
        } */`,
      ], modules);
    } finally {
      await Deno.remove(vendorEntry);
    }
  }
  await Deno.mkdir(`${dir}/workers`, { recursive: true });
  for (const [source, target] of workers) {
    await esbuild([
      root(source),
      "--bundle",
      "--format=esm",
      "--platform=neutral",
      "--main-fields=module,main",
      "--external:node:*",
      `--outfile=${dir}/${target}`,
    ], modules);
    await Deno.copyFile(
      `${dir}/${target}`,
      `${dir}/workers/${target.split("/").at(-1)}`,
    );
  }

  // 4. The command line for Node: one module, the library inside it.
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  await esbuild([
    root("src/cli/node_main.ts"),
    "--bundle",
    "--format=esm",
    "--platform=node",
    "--target=node20",
    "--main-fields=module,main",
    "--define:import.meta.main=false",
    "--banner:js=#!/usr/bin/env node",
    `--outfile=${dir}/bin/raftsnap.mjs`,
  ], modules);
  const bin = await Deno.readTextFile(`${dir}/bin/raftsnap.mjs`);
  await Deno.writeTextFile(
    `${dir}/bin/raftsnap.mjs`,
    bin.replace(WORKER_URL, (_, worker: string) => {
      const found = [...workers].find(([s]) => s.endsWith(`/${worker}.ts`));
      return found ? `new URL("../${found[1]}", import.meta.url)` : "undefined";
    }),
  );
  await Deno.chmod(`${dir}/bin/raftsnap.mjs`, 0o755);

  // 5. package.json, LICENSE, and the README with the sizes measured.
  const template = JSON.parse(
    await Deno.readTextFile(root("npm/package.json")),
  );
  const pkg = { name, version, ...template };
  await Deno.writeTextFile(
    `${dir}/package.json`,
    JSON.stringify(pkg, null, 2) + "\n",
  );
  await Deno.copyFile(root("LICENSE"), `${dir}/LICENSE`);
  const sizes: NpmBuild["sizes"] = [];
  for (const entry of ENTRIES) {
    const { minified, gzipped } = await measure(
      `export * from "./${entry.module}";\n`,
      dir,
      entry.platform,
    );
    sizes.push({ entry: entry.name, minified, gzipped });
  }
  await Deno.writeTextFile(
    `${dir}/../npm-sizes.json`,
    JSON.stringify(sizes, null, 2) + "\n",
  );
  const readme = await Deno.readTextFile(root("README.md"));
  await Deno.writeTextFile(
    `${dir}/README.md`,
    readme.replace(
      TABLE,
      (_, start, end) => `${start}${sizeTable(sizes)}${end}`,
    ),
  );
  return { dir, name, version, sizes, workers: [...workers.values()] };
}

if (import.meta.main) {
  const outFlag = Deno.args.indexOf("--out");
  const started = performance.now();
  const built = await buildNpm(
    outFlag >= 0 ? Deno.args[outFlag + 1] : undefined,
  );
  console.log(
    `${built.dir}: ${built.name}@${built.version}, workers ${built.workers.join(", ")}`,
  );
  console.log(sizeTable(built.sizes));
  console.log(
    `built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

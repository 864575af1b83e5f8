// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The npm package as its users get it: `deno task build:npm`, `npm pack`, then each
// consumer installs the tarball offline into a scratch project and imports it by name:
// Node, a strict TypeScript project, Bun, the command line (npx, npm i -g), and a browser
// app bundled with esbuild, and a Cloudflare Worker bundled as wrangler bundles it, run in
// workerd through Miniflare.

import { buildNpm, esbuild, tools } from "../../npm/build.ts";
import { assert, codeForGoError, goManifest } from "../_helpers.ts";
import { browserTest, launchChromium } from "../_browser.ts";
import { goFixture, raftsnap as denoCli } from "../_cli_helpers.ts";
import { COMPATIBILITY_DATE } from "../workers/_workerd.ts";
import { Miniflare } from "miniflare";

const CONSUMER = new URL("./consumer/", import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], cwd: string, env?: Record<string, string>) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) } as Run;
}

async function ok(cmd: string, args: string[], cwd: string, env?: Record<string, string>) {
  const r = await run(cmd, args, cwd, env);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
  return r;
}

/** The tarball, and a scratch project that installed it offline. */
interface Installed {
  tmp: string;
  tarball: string;
  project: string;
}

async function packAndInstall(): Promise<Installed> {
  const tmp = await Deno.makeTempDir({ prefix: "raftsnap-npm-test-" });
  const built = await buildNpm(`${tmp}/package`);
  const packed = await ok("npm", ["pack", "--json", "--pack-destination", tmp], built.dir);
  const [{ filename, files }] = JSON.parse(packed.stdout);
  const names: string[] = files.map((f: { path: string }) => f.path);
  // What the tarball holds: the package's files, nothing from the checkout.
  assert.ok(names.includes("esm/mod.js") && names.includes("esm/mod.d.ts"), names.join());
  assert.ok(names.includes("bin/raftsnap.mjs") && names.includes("LICENSE"), names.join());
  assert.ok(names.includes("esm/src/sha256/sha256_worker.js"), names.join());
  assert.deepEqual(names.filter((n) => /\.ts$/.test(n) && !n.endsWith(".d.ts")), []);
  assert.deepEqual(names.filter((n) => /^(tests|web|bench|npm)\//.test(n)), []);
  const project = `${tmp}/project`;
  await Deno.mkdir(project);
  await Deno.writeTextFile(
    `${project}/package.json`,
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  await ok("npm", [
    "install",
    "--offline",
    "--no-audit",
    "--no-fund",
    `${tmp}/${filename}`,
  ], project);
  for await (const entry of Deno.readDir(CONSUMER)) {
    await Deno.copyFile(new URL(entry.name, CONSUMER), `${project}/${entry.name}`);
  }
  return { tmp, tarball: `${tmp}/${filename}`, project };
}

/** The go-reference cases and what Go (the manifest) says of each. */
async function cases(tmp: string): Promise<Map<string, string>> {
  const manifest = await goManifest();
  const list = manifest.fixtures.map((f) => ({ name: f.file, path: goFixture(f.file) }));
  const sealed = goFixture("sealed.snap");
  list.push({ name: "sealed, right key", path: sealed, key: manifest.seal_key_hex } as never);
  await Deno.writeTextFile(`${tmp}/cases.json`, JSON.stringify(list));
  const expected = new Map<string, string>();
  for (const f of manifest.fixtures) {
    const verify = f.checks.find((c) => c.function === "snapshot.Verify")!;
    expected.set(f.file, f.verify_ok ? "ok" : codeForGoError(verify.errors![0]!));
  }
  expected.set("sealed, right key", "ok");
  expected.set("round-trip", "ok");
  return expected;
}

function checkVerdicts(stdout: string, expected: Map<string, string>, who: string) {
  const got = new Map<string, string>();
  for (const line of stdout.trim().split("\n")) {
    const { name, verdict } = JSON.parse(line);
    got.set(name, verdict);
  }
  assert.deepEqual(Object.fromEntries(got), Object.fromEntries(expected), who);
}

const PACKAGE_TEST =
  "npm package: Node, TypeScript, Bun, the CLI, a bundled browser app and a Worker use the tarball";

// Sanitizers off: Miniflare (its last step) leaves a MessagePort and undici timers behind.
Deno.test(PACKAGE_TEST, { sanitizeOps: false, sanitizeResources: false }, async (t) => {
  const { tmp, tarball, project } = await packAndInstall();
  const modules = await tools();
  try {
    const expected = await cases(tmp);

    await t.step("Node 20 verifies the go-reference fixtures as Go does", async () => {
      const r = await ok("node", ["verify.mjs", `${tmp}/cases.json`], project);
      checkVerdicts(r.stdout, expected, "node");
      assert.equal(r.stderr, "");
    });

    await t.step(
      "a strict TypeScript project type-checks, and a type error is caught",
      async () => {
        const tsconfig = (files: string[]) =>
          JSON.stringify({
            compilerOptions: {
              strict: true,
              noEmit: true,
              target: "ES2022",
              module: "NodeNext",
              moduleResolution: "NodeNext",
              lib: ["ES2022", "DOM", "DOM.Iterable"],
              types: [],
            },
            files,
          });
        await Deno.writeTextFile(`${project}/tsconfig.json`, tsconfig(["consumer.ts"]));
        await ok(`${modules}/.bin/tsc`, ["-p", "tsconfig.json"], project);
        await Deno.writeTextFile(`${project}/tsconfig.json`, tsconfig(["type_error.ts"]));
        const bad = await run(`${modules}/.bin/tsc`, ["-p", "tsconfig.json"], project);
        assert.notEqual(bad.code, 0, "tsc accepted a bigint assigned to a number");
        assert.match(
          bad.stdout,
          /type_error\.ts\(7,14\): error TS2322: Type 'bigint' is not assignable to type 'number'/,
        );
      },
    );

    await t.step("Bun runs the same script", async () => {
      const bun = `${tmp}/bun`;
      await ok("npm", ["install", "--prefix", bun, "--no-audit", "--no-fund", "bun@1.4.4"], tmp);
      const r = await ok(
        `${bun}/node_modules/.bin/bun`,
        ["verify.mjs", `${tmp}/cases.json`],
        project,
      );
      checkVerdicts(r.stdout, expected, "bun");
    });

    await t.step("npx raftsnap and npm i -g raftsnap print what the Deno CLI prints", async () => {
      const small = goFixture("small.snap");
      const bad = goFixture(
        (await goManifest()).fixtures.find((f) => !f.verify_ok)!.file,
      );
      for (const args of [["verify", small], ["verify", "--json", small, bad], ["--version"]]) {
        const deno = await denoCli(args);
        const npx = await run("npx", ["--offline", "raftsnap", ...args], project);
        assert.deepEqual(npx, { code: deno.code, stdout: deno.stdout, stderr: deno.stderr }, "npx");
      }
      const global = `${tmp}/global`;
      await ok("npm", ["install", "-g", "--offline", "--prefix", global, tarball], tmp);
      const deno = await denoCli(["verify", small]);
      const installed = await run(`${global}/bin/raftsnap`, ["verify", small], tmp);
      assert.deepEqual(installed, { code: 0, stdout: deno.stdout, stderr: "" });
    });

    await t.step({
      name: "a browser app bundled with esbuild verifies on the package's hashing worker",
      ...browserTest(),
      fn: async () => {
        const site = `${tmp}/site`;
        await Deno.mkdir(site);
        const bundle = async (entry: string, out: string) => {
          await esbuild([
            entry,
            "--bundle",
            "--minify",
            "--format=esm",
            "--platform=browser",
            `--outfile=${out}`,
          ], project);
          return await Deno.readTextFile(out);
        };
        const app = await bundle("app.mjs", `${site}/app.js`);
        const all = await bundle("app_all.mjs", `${tmp}/app_all.js`);
        // Tree-shaking: verifySnapshot alone leaves the inspectors (their record type
        // names) out, and weighs less than the whole package.
        assert.ok(all.includes("ConnectCAProviderState"), "the whole package has the inspectors");
        assert.ok(
          !app.includes("ConnectCAProviderState"),
          "verifySnapshot pulled in the inspectors",
        );
        assert.ok(app.length < all.length * 0.8, `${app.length} vs ${all.length} bytes`);
        console.log(
          `browser bundle: verifySnapshot+writeSnapshot ${app.length} B, everything ${all.length} B (minified)`,
        );
        // The one step a bundled app takes: serve the package's workers beside the bundle.
        for await (const w of Deno.readDir(`${project}/node_modules/raftsnap/workers`)) {
          await Deno.copyFile(
            `${project}/node_modules/raftsnap/workers/${w.name}`,
            `${site}/${w.name}`,
          );
        }
        await Deno.copyFile(`${project}/index.html`, `${site}/index.html`);
        await Deno.copyFile(goFixture("small.snap"), `${site}/small.snap`);
        const types: Record<string, string> = { js: "text/javascript", html: "text/html" };
        const server = Deno.serve(
          { hostname: "127.0.0.1", port: 0, onListen() {} },
          async (req) => {
            const name = new URL(req.url).pathname.slice(1) || "index.html";
            try {
              const body = await Deno.readFile(`${site}/${name.replaceAll("/", "")}`);
              const type = types[name.split(".").at(-1)!] ?? "application/octet-stream";
              return new Response(body, { headers: { "content-type": type } });
            } catch {
              return new Response("not found", { status: 404 });
            }
          },
        );
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          await page.goto(`http://127.0.0.1:${server.addr.port}/`);
          await page.waitForFunction(() => "result" in globalThis, undefined, { timeout: 120_000 });
          const result = await page.evaluate(() => (globalThis as { result?: unknown }).result);
          const { ready, ...verified } = result as { ready: string[] };
          assert.deepEqual(verified, {
            fixture: "2-5-1700000000000",
            fixtureSha256: "83435f28ef54bc74e4c094b5b68525a115b52644e54c9f0bbf4c5616cee4ff79",
            large: 12 * 1024 * 1024,
          });
          assert.ok(ready.includes("/sha256_worker.js"), `workers ready: ${ready.join()}`);
        } finally {
          await browser.close();
          await server.shutdown();
        }
      },
    });

    await t.step(
      "a Cloudflare Worker bundled as wrangler bundles it verifies in workerd",
      async () => {
        // wrangler bundles with esbuild under the workerd, worker and browser conditions.
        await esbuild([
          "worker.mjs",
          "--bundle",
          "--format=esm",
          "--platform=neutral",
          "--conditions=workerd,worker,browser",
          "--main-fields=module,main",
          "--target=es2022",
          "--outfile=worker.bundle.mjs",
        ], project);
        const code = await Deno.readTextFile(`${project}/worker.bundle.mjs`);
        assert.doesNotMatch(code, /\bnew Function\(|\beval\(/);
        const mf = new Miniflare({
          modulesRoot: project,
          modules: [{ type: "ESModule", path: `${project}/worker.bundle.mjs` }],
          compatibilityDate: COMPATIBILITY_DATE,
        });
        try {
          const list = JSON.parse(await Deno.readTextFile(`${tmp}/cases.json`)) as {
            name: string;
            path: string;
            key?: string;
          }[];
          for (const { name, path, key } of list) {
            const url = `http://worker/${key ? `?key=${key}` : ""}`;
            const response = await mf.dispatchFetch(url, {
              method: "POST",
              body: await Deno.readFile(path),
            });
            const { verdict } = await response.json() as { verdict: string };
            assert.equal(verdict, expected.get(name), name);
          }
        } finally {
          await mf.dispose();
        }
      },
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

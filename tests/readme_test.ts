// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The documentation holds: every ```ts block of README.md and docs/*.md type-checks, every
// relative link leads to a file and every #anchor to a heading GitHub renders, the README's
// export table names every export of the npm package (whose sizes `deno task build:npm` measures
// and writes into the packed README), and `deno doc --html` builds the API reference.

import { assert } from "./_helpers.ts";
import { anchorsOf, brokenLinks, githubSlug, linksOf } from "./_markdown.ts";
import { parse as parseToml } from "smol-toml";

const ROOT = new URL("../", import.meta.url);
const SKIP = new Set([".git", "node_modules", "dist", "coverage", "tmp", ".bench"]);

/** Every Markdown file of the checkout (what GitHub shows), relative to the root. */
async function markdownFiles(dir = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir || ".", ROOT))) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory && !SKIP.has(entry.name)) files.push(...await markdownFiles(path));
    else if (entry.isFile && entry.name.endsWith(".md")) files.push(path);
  }
  return files.sort();
}

async function readPath(path: string): Promise<string | "directory" | undefined> {
  try {
    const info = await Deno.stat(new URL(path, ROOT));
    if (info.isDirectory) return "directory";
    return path.endsWith(".md") ? await Deno.readTextFile(new URL(path, ROOT)) : "";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** The user documentation: README.md and the pages under docs/. */
async function docsFiles(): Promise<string[]> {
  return (await markdownFiles()).filter((f) => f === "README.md" || f.startsWith("docs/"));
}

Deno.test("README.md and docs/*.md: every ts code block type-checks (deno check --doc-only)", async () => {
  const files = await docsFiles();
  assert.ok(files.includes("docs/README.md"), `no docs/ index among ${files.join(", ")}`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--doc-only", ...files],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text);
});

Deno.test("githubSlug() gives GitHub's anchors", () => {
  assert.equal(
    githubSlug("Deno server: `deno task serve:edge`"),
    "deno-server-deno-task-serveedge",
  );
  assert.equal(
    githubSlug("`raftsnap diff OLD NEW`: which backup is which"),
    "raftsnap-diff-old-new-which-backup-is-which",
  );
  assert.equal(
    githubSlug("Snapshot: Go's `New`, `Index`, `Size`, `Checksum`, `Close`"),
    "snapshot-gos-new-index-size-checksum-close",
  );
  assert.equal(
    githubSlug("Many gzip members, high ratios, floods"),
    "many-gzip-members-high-ratios-floods",
  );
  assert.equal(githubSlug("The **bold** and [linked](x.md) _part_"), "the-bold-and-linked-part");
  assert.equal(githubSlug("snake_case stays"), "snake_case-stays");
  assert.equal(githubSlug("verify, parse and write"), "verify-parse-and-write");
  const anchors = anchorsOf('# A\n## Edge\n```\n# not a heading\n```\n## Edge\n<a id="here"></a>');
  assert.deepEqual([...anchors], ["a", "edge", "edge-1", "here"]);
});

Deno.test("brokenLinks() finds a missing file, a missing anchor and a link out of the tree", async () => {
  const pages: Record<string, string> = { "docs/a.md": "# Title\n\n## Known part\n" };
  const read = (path: string) =>
    Promise.resolve(pages[path] ?? (path === "docs" ? "directory" : undefined));
  const markdown = [
    "[ok](a.md#known-part) [ok too](#here) [folder](../docs) [web](https://example.com/x#y)",
    "[gone](b.md) [no anchor](a.md#unknown-part) [up](../../x.md) [self](#nowhere)",
    "`[in code](nothing.md)`",
    "```md",
    "[in a block](nothing.md)",
    "```",
    "## Here",
  ].join("\n");
  const broken = await brokenLinks(new URL("file:///repo/"), "docs/index.md", markdown, read);
  assert.deepEqual(
    broken.map((b) => [b.line, b.target]),
    [[2, "b.md"], [2, "a.md#unknown-part"], [2, "../../x.md"], [2, "#nowhere"]],
  );
  assert.deepEqual(linksOf('[x]: ./ref.md\n<a href="y.md">y</a>').map((l) => l.target), [
    "./ref.md",
    "y.md",
  ]);
});

// Pages other engineers wrote in the same round (tus uploads, backup watch, the page's explorer):
// the README must link them too.
const OTHER_PAGES = new Set([
  "docs/resumable-uploads.md",
  "docs/watch.md",
  "docs/browser.md#explorer",
]);

Deno.test("README.md, ARCHITECTURE.md, docs/: every relative link and #anchor leads somewhere", async () => {
  const broken = [];
  for (const file of await markdownFiles()) {
    const markdown = await Deno.readTextFile(new URL(file, ROOT));
    broken.push(...await brokenLinks(ROOT, file, markdown, readPath));
  }
  assert.deepEqual(broken, []);
});

Deno.test("README.md links every docs/ page, the three pages of this round's other branches too", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const targets = new Set(linksOf(readme).map((l) => l.target));
  const pages = (await docsFiles()).filter((f) => f.startsWith("docs/") && f !== "docs/README.md");
  for (const page of [...pages, ...OTHER_PAGES, "docs/README.md"]) {
    assert.ok(targets.has(page), `README.md does not link ${page}`);
  }
  const index = await Deno.readTextFile(new URL("docs/README.md", ROOT));
  const indexed = new Set(linksOf(index).map((l) => `docs/${l.target}`));
  for (const page of [...pages, ...OTHER_PAGES]) {
    assert.ok(indexed.has(page), `docs/README.md does not link ${page}`);
  }
  assert.ok(readme.split("\n").length <= 220, "README.md is a front page: about 200 lines");
});

/** The README's ```toml block that follows `after`, parsed. */
function readmeToml(readme: string, after: string): Record<string, Record<string, unknown>> {
  const at = readme.indexOf(after);
  assert.ok(at >= 0, `the README has no "${after}"`);
  const block = readme.slice(at).match(/```toml\n([\s\S]*?)\n```/);
  assert.ok(block, `no toml block after "${after}"`);
  return parseToml(block[1]!) as Record<string, Record<string, unknown>>;
}

/** Only the named fields of each object of a list. */
function fields(list: unknown, names: string[]): Record<string, unknown>[] {
  return (list as Record<string, unknown>[]).map((item) =>
    Object.fromEntries(names.filter((n) => n in item).map((n) => [n, item[n]]))
  );
}

Deno.test("README.md: its wrangler.toml excerpts say what the examples' wrangler.toml files say", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const example = async (name: string) =>
    parseToml(
      await Deno.readTextFile(new URL(`examples/${name}/wrangler.toml`, ROOT)),
    ) as Record<string, Record<string, unknown>>;

  const tus = readmeToml(readme, "holds each upload's live verifier in a Durable Object");
  const worker = await example("cloudflare-worker");
  assert.deepEqual(tus.durable_objects, worker.durable_objects);
  assert.deepEqual(tus.migrations, worker.migrations);

  const watch = readmeToml(readme, "`examples/cloudflare-watch/` runs the same checks");
  const worked = await example("cloudflare-watch");
  assert.deepEqual(watch.triggers, worked.triggers);
  assert.deepEqual(watch.r2_buckets, worked.r2_buckets);
  const d1 = ["binding", "database_name"];
  assert.deepEqual(fields(watch.d1_databases, d1), fields(worked.d1_databases, d1));
  assert.deepEqual(watch.queues!.producers, worked.queues!.producers);
  // Each consumer the excerpt names, with the settings it shows, is the example's.
  const consumers = worked.queues!.consumers as Record<string, unknown>[];
  for (const shown of watch.queues!.consumers as Record<string, unknown>[]) {
    const real = consumers.find((c) => c.queue === shown.queue);
    assert.ok(real, `the example has no consumer of ${shown.queue}`);
    assert.deepEqual(fields([real], Object.keys(shown)), fields([shown], Object.keys(shown)));
  }
  assert.equal((watch.queues!.consumers as unknown[]).length, consumers.length);
});

Deno.test("README.md: the export table lists the npm package's exports", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const table = readme.match(/<!-- npm-sizes:start -->\n([\s\S]*?)\n<!-- npm-sizes:end -->/);
  assert.ok(table, "the README has no npm-sizes table");
  const listed = [...table[1]!.matchAll(/^\| `(raftsnap[^`]*)`\s*\|.*\|\s*[\d.]+ KiB\s*\|$/gm)]
    .map((m) => m[1]!.replace(/^raftsnap/, "."));
  const pkg = JSON.parse(await Deno.readTextFile(new URL("npm/package.json", ROOT)));
  const exports = Object.keys(pkg.exports).filter((e) => e !== "./package.json");
  assert.deepEqual(listed.map((e) => e === "." ? e : `./${e.slice(2)}`), exports);
});

Deno.test("deno task doc: deno doc --html builds the API reference into dist/api", async () => {
  await Deno.remove(new URL("dist/api", ROOT), { recursive: true }).catch(() => {});
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "doc"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text);
  const index = await Deno.readTextFile(new URL("dist/api/index.html", ROOT));
  assert.match(index, /raftsnap/);
  // Every public entry point of deno.json is documented, the main functions by name.
  const all = await Deno.readTextFile(new URL("dist/api/all_symbols.html", ROOT));
  for (
    const name of ["verifySnapshot", "writeSnapshot", "createVerifyHandler", "FsStore", "R2Store"]
  ) {
    assert.match(all, new RegExp(`\\b${name}\\b`), name);
  }
});

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// The library bundle (deno task build) in a second runtime: Node imports dist's
// raftsnap.mjs and must give the same verdicts as Deno (and Go) for every go-reference
// fixture, for bytes appended after the last gzip member and every gzip header case (as
// first and later member), each as Go reads them, for a multi-member archive, and
// for issue 12's hostile archives (60,000 members, whole, cut and with a bad CRC; 1000:1).

import * as raftsnap from "../../mod.ts";
import { buildLibrary } from "../../web/build.ts";
import { verifyOutcome } from "./_outcome.mjs";
import { caseArchives, HEADER_CASES, smallTar, TRAILING_CASES } from "../_gzip_headers.ts";
import { cutAt, gzipMembers, snapshotTar, spoilCrcs, zeroSnapshot } from "../../bench/_members.ts";
import {
  assert,
  codeForGoError,
  collect,
  FIXTURES,
  goManifest,
  hex,
  readFixture,
} from "../_helpers.ts";

const NODE = Deno.env.get("RAFTSNAP_NODE") ?? "node";
/** Bun 1.4 from npm (its package ships the binary), as `npx` runs it. */
const BUN = ["npx", "-y", "bun@1.4.4"];

/**
 * Where a runtime's verdict differs from Deno's and Go's, and why: nowhere now. (Bun, as
 * workerd, fails a bad gzip CRC-32 with a bare "inflate failed"; the inflater feeds the
 * trailer on its own after all output was taken, so its length still tells the two apart.)
 */
const KNOWN_DIFFERENCES: Record<string, Record<string, string>> = {
  node: {},
  bun: {},
};

interface Case {
  name: string;
  path: string;
  key?: string;
}

interface Outcome {
  name: string;
  verdict: string;
  id?: string;
  index?: string;
  stateSha256?: string;
  checksum?: string;
  sealVerified?: boolean;
}

/** What Deno (this process, mod.ts) says about a case, in the Node script's shape. */
async function inDeno({ name, path, key }: Case): Promise<Outcome> {
  const file = await Deno.open(path);
  return await verifyOutcome(raftsnap, name, file.readable, key);
}

for (const [runtime, command] of [["node", [NODE]], ["bun", BUN]] as const) {
  Deno.test(`the library bundle verifies in ${runtime} as in Deno and Go`, async () => {
    await smokeTest(runtime, [...command]);
  });
}

async function smokeTest(runtime: "node" | "bun", command: string[]) {
  const differs = KNOWN_DIFFERENCES[runtime]!;
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-node-" });
  try {
    const { main } = await buildLibrary(`${dir}/lib`);
    const manifest = await goManifest();
    const cases: Case[] = manifest.fixtures.map((f) => ({
      name: f.file,
      path: new URL(`go-reference/${f.file}`, FIXTURES).pathname,
    }));
    const sealed = new URL("go-reference/sealed.snap", FIXTURES).pathname;
    cases.push({ name: "sealed.snap, right key", path: sealed, key: manifest.seal_key_hex });
    cases.push({ name: "sealed.snap, wrong key", path: sealed, key: manifest.wrong_key_hex });

    // Bytes after the last member, each with Go's verdict (tests/_gzip_headers.ts: 1-9
    // bytes are readHeader's io.ErrUnexpectedEOF, gunzip.go L175; 10 that are no header
    // ErrHeader, L185-186). Node's zlib skips bytes after a member that start with 00, and
    // Bun's refuses them with the member's last output: the inflater decides them itself.
    const small = await readFixture("go-reference/small.snap");
    const appended = new Map<string, string>();
    for (const c of TRAILING_CASES) {
      const path = `${dir}/small+${appended.size}.snap`;
      await Deno.writeFile(path, new Uint8Array([...small, ...c.tail]));
      const name = `small.snap + ${c.name}`;
      cases.push({ name, path });
      appended.set(name, c.go);
    }
    // Several members (parallel compression), as Go and raftsnap accept them.
    const state = new Uint8Array(9 << 20).map((_, i) => (i * 7919) >> 9);
    const multi = await collect(
      raftsnap.writeSnapshot({ id: "multi", index: 3, term: 1, size: state.length }, state, {
        parallel: true,
      }),
    );
    await Deno.writeFile(`${dir}/multi.snap`, multi);
    cases.push({ name: "multi-member", path: `${dir}/multi.snap` });
    // Issue 12: a tar gzipped as 60,000 members (cut short, and with one bad CRC too),
    // and a 1000:1 single member (64 MiB of zeros).
    const tar = await snapshotTar(state.subarray(0, 64 << 10));
    const many = gzipMembers(tar, 60_000);
    const hostile: [string, Uint8Array][] = [
      ["one member of the tar", gzipMembers(tar, 1).bytes],
      ["60,000 members", many.bytes],
      ["60,000 members, cut at 1/2", cutAt(many.bytes, 0.5)],
      ["60,000 members, member 30,000's CRC bad", spoilCrcs(many, [30_000])],
      ["64 MiB of zeros, 1000:1", await collect(zeroSnapshot(64 << 20))],
    ];
    for (const [name, bytes] of hostile) {
      const path = `${dir}/${name.replace(/[^a-z0-9]+/gi, "-")}.snap`;
      await Deno.writeFile(path, bytes);
      cases.push({ name, path });
    }
    // Every gzip header case of tests/_gzip_headers.ts, with Go's verdict, as the first
    // member and as a later one: here the platform's zlib (Node's, Bun's) would decide
    // headers if the inflater let it (it refuses reserved FLG bits that Go ignores).
    const headerVerdicts = new Map<string, string>();
    const plainTar = await smallTar();
    for (const c of HEADER_CASES) {
      for (const { where, bytes, go } of await caseArchives(c, plainTar)) {
        const name = `gzip header, ${where}: ${c.name}`;
        const path = `${dir}/header-${headerVerdicts.size}.snap`;
        await Deno.writeFile(path, bytes);
        cases.push({ name, path });
        headerVerdicts.set(name, go);
      }
    }
    await Deno.writeTextFile(`${dir}/cases.json`, JSON.stringify(cases));

    const run = await new Deno.Command(command[0]!, {
      args: [
        ...command.slice(1),
        new URL("node_smoke.mjs", import.meta.url).pathname,
        main,
        `${dir}/cases.json`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, `${runtime} failed:\n${stderr}`);
    const lines = new TextDecoder().decode(run.stdout).trim().split("\n");
    const node = new Map(lines.map((line) => {
      const outcome = JSON.parse(line) as Outcome;
      return [outcome.name, outcome];
    }));
    assert.equal(node.size, cases.length + 1, lines.join("\n"));

    for (const c of cases) {
      const deno = await inDeno(c);
      if (differs[c.name]) {
        assert.equal(node.get(c.name)!.verdict, differs[c.name], c.name);
        assert.notEqual(deno.verdict, "ok", c.name);
        continue;
      }
      assert.deepEqual(node.get(c.name), deno, c.name);
    }
    // And Go's verdicts, so the two runtimes cannot agree on a wrong answer.
    for (const fixture of manifest.fixtures) {
      const go = fixture.checks.find((c) => c.function === "snapshot.Verify")!;
      const expected = differs[fixture.file] ?? (go.ok ? "ok" : codeForGoError(go.errors![0]!));
      assert.equal(node.get(fixture.file)!.verdict, expected, fixture.file);
    }
    assert.equal(node.get("sealed.snap, right key")!.sealVerified, true);
    assert.equal(node.get("sealed.snap, wrong key")!.verdict, "seal-open");
    for (const [name, go] of appended) assert.equal(node.get(name)!.verdict, go, name);
    for (const [name, go] of headerVerdicts) assert.equal(node.get(name)!.verdict, go, name);
    assert.equal(node.get("multi-member")!.verdict, "ok");
    const single = node.get("one member of the tar")!;
    assert.equal(single.verdict, "ok");
    const manyOut = node.get("60,000 members")!;
    assert.deepEqual(
      [manyOut.verdict, manyOut.id, manyOut.index, manyOut.stateSha256],
      [single.verdict, single.id, single.index, single.stateSha256],
    );
    assert.equal(node.get("60,000 members, cut at 1/2")!.verdict, "truncated");
    assert.equal(node.get("60,000 members, member 30,000's CRC bad")!.verdict, "gzip-checksum");
    // The default limits accept a good backup of any ratio, as Go does.
    assert.equal(node.get("64 MiB of zeros, 1000:1")!.verdict, "ok");
    const written = new TextEncoder().encode("written by Node\n");
    assert.deepEqual(node.get("node-write"), {
      name: "node-write",
      verdict: "ok",
      id: "node",
      index: "9",
      stateSha256: hex(new Uint8Array(await crypto.subtle.digest("SHA-256", written))),
      sealVerified: true,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Sums lists, checked as Go's hashList.DecodeAndVerify checks them: bufio.ScanLines, then
// fmt.Sscanf(line, "%x  %s", &sha, &file) per line.

import { checkSums, encodeSums, type SummedFile } from "../../mod.ts";
import { assert, hex } from "../_helpers.ts";

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

const digests: Record<SummedFile, Uint8Array> = {
  "meta.json": await sha256('{"Index":1}\n'),
  "state.bin": await sha256("state"),
};
const META = hex(digests["meta.json"]);
const STATE = hex(digests["state.bin"]);
const list = (text: string) => new TextEncoder().encode(text);

Deno.test("encodeSums() writes Go's %x  %s lines in the order given", () => {
  const text = new TextDecoder().decode(encodeSums(digests));
  assert.equal(text, `${META}  meta.json\n${STATE}  state.bin\n`);
  const swapped = new TextDecoder().decode(encodeSums(digests, ["state.bin", "meta.json"]));
  assert.equal(swapped, `${STATE}  state.bin\n${META}  meta.json\n`);
  assert.equal(checkSums(encodeSums(digests), digests), undefined);
});

Deno.test("checkSums() accepts the lines in either order", () => {
  assert.equal(checkSums(list(`${META}  meta.json\n${STATE}  state.bin\n`), digests), undefined);
  assert.equal(checkSums(list(`${STATE}  state.bin\n${META}  meta.json\n`), digests), undefined);
});

Deno.test("checkSums() accepts uppercase hex", () => {
  const text = `${META.toUpperCase()}  meta.json\n${STATE.toUpperCase()}  state.bin\n`;
  assert.equal(checkSums(list(text), digests), undefined);
});

Deno.test("checkSums() accepts CRLF line endings", () => {
  assert.equal(
    checkSums(list(`${META}  meta.json\r\n${STATE}  state.bin\r\n`), digests),
    undefined,
  );
});

Deno.test("checkSums() accepts a single space between hash and name", () => {
  assert.equal(checkSums(list(`${META} meta.json\n${STATE} state.bin\n`), digests), undefined);
});

Deno.test("checkSums() accepts a last line without a newline", () => {
  assert.equal(checkSums(list(`${META}  meta.json\n${STATE}  state.bin`), digests), undefined);
});

Deno.test("checkSums() ignores text after the name, as Sscanf does", () => {
  assert.equal(
    checkSums(list(`${META}  meta.json trailing words\n${STATE}  state.bin\n`), digests),
    undefined,
  );
});

Deno.test("checkSums() rejects an empty line in the middle as invalid", () => {
  const failure = checkSums(list(`${META}  meta.json\n\n${STATE}  state.bin\n`), digests);
  assert.equal(failure?.kind, "invalid");
  assert.ok(failure?.kind === "invalid");
  assert.equal(failure.line, 2);
  assert.equal(failure.text, "");
});

Deno.test("checkSums() rejects a line without hex digits, or with an odd count, as invalid", () => {
  for (const line of ["meta.json", `${META.slice(1)}  meta.json`, `${META}`, "zz  meta.json"]) {
    const failure = checkSums(list(`${line}\n${STATE}  state.bin\n`), digests);
    assert.equal(failure?.kind, "invalid", line);
  }
});

Deno.test("checkSums() rejects a name other than meta.json or state.bin as unknown-file", () => {
  const failure = checkSums(
    list(`${META}  meta.json\n${STATE}  state.bin\n${STATE}  nope\n`),
    digests,
  );
  assert.deepEqual(failure, { kind: "unknown-file", line: 3, file: "nope" });
  const dotted = checkSums(list(`${META}  ./meta.json\n${STATE}  state.bin\n`), digests);
  assert.deepEqual(dotted, { kind: "unknown-file", line: 1, file: "./meta.json" });
});

Deno.test("checkSums() rejects a wrong hash as mismatch", () => {
  const failure = checkSums(list(`${META}  meta.json\n${META}  state.bin\n`), digests);
  assert.deepEqual(failure, {
    kind: "mismatch",
    line: 2,
    file: "state.bin",
    listed: META,
    actual: STATE,
  });
  // A hash of the wrong length is a mismatch too (Go compares the bytes).
  const short = checkSums(list(`${META.slice(0, 62)}  meta.json\n${STATE}  state.bin\n`), digests);
  assert.equal(short?.kind, "mismatch");
});

Deno.test("checkSums() rejects a list without state.bin as missing", () => {
  assert.deepEqual(checkSums(list(`${META}  meta.json\n`), digests), {
    kind: "missing",
    file: "state.bin",
  });
  assert.deepEqual(checkSums(list(`${STATE}  state.bin\n`), digests), {
    kind: "missing",
    file: "meta.json",
  });
});

Deno.test("checkSums() rejects an empty list as missing meta.json", () => {
  assert.deepEqual(checkSums(new Uint8Array(0), digests), { kind: "missing", file: "meta.json" });
});

Deno.test("checkSums() reports the first failing line", () => {
  const unknownFirst = checkSums(list(`${STATE}  nope\n\n${META}  state.bin\n`), digests);
  assert.equal(unknownFirst?.kind, "unknown-file");
  const mismatchFirst = checkSums(list(`${STATE}  meta.json\n${STATE}  nope\n\n`), digests);
  assert.equal(mismatchFirst?.kind, "mismatch");
  assert.equal(mismatchFirst?.kind === "mismatch" && mismatchFirst.file, "meta.json");
  const invalidFirst = checkSums(list(`\n${STATE}  nope\n`), digests);
  assert.equal(invalidFirst?.kind, "invalid");
  // A failing line wins over a missing file.
  const lineOverMissing = checkSums(list(`${META}  meta.json\n${META}  state.bin\n`), digests);
  assert.equal(lineOverMissing?.kind, "mismatch");
});

Deno.test("checkSums() rejects a hash run straight into the name, as Sscanf wants a space there", () => {
  // fmt's advance(): a space in the format must meet at least one space in the input,
  // else "expected space in input to match format".
  const failure = checkSums(list(`${META}meta.json\n${STATE}  state.bin\n`), digests);
  assert.equal(failure?.kind, "invalid");
  const glued = checkSums(list(`${META}  meta.json\n${STATE}xstate.bin\n`), digests);
  assert.equal(glued?.kind, "invalid");
});

Deno.test("checkSums() accepts any fmt white space between hash and name", () => {
  assert.equal(
    checkSums(list(`${META}\tmeta.json\n${STATE} \t\v\f state.bin\n`), digests),
    undefined,
  );
});

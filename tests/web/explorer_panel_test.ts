// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// What the record panel's Copy as JSON copies (web/explorer/record_panel.ts): the record
// as shown, each revealed value in place of its marker and the other secrets redacted.

import { type DecodedRecord, decodeRecord } from "../../mod.ts";
import { decodeLine, withRevealed } from "../../web/explorer/record_panel.ts";
import { assert } from "../_helpers.ts";

Deno.test("explorer panel: withRevealed puts back the revealed values only, the record untouched", () => {
  const record: DecodedRecord = {
    number: 3,
    type: 9,
    name: "ACLToken",
    offset: 100,
    size: 80,
    value: {
      AccessorID: "a-1",
      SecretID: "[redacted: 6 bytes]",
      Nested: { Token: "[redacted: 4 bytes]", List: ["x", "[redacted: 2 bytes]"] },
    },
  };
  const before = decodeLine(record);
  assert.equal(decodeLine(withRevealed(record, [])), before);
  const one = withRevealed(record, [{ path: ["Nested", "List", 1], value: "hi" }]);
  assert.deepEqual(JSON.parse(decodeLine(one)), {
    Data: {
      AccessorID: "a-1",
      SecretID: "[redacted: 6 bytes]",
      Nested: { Token: "[redacted: 4 bytes]", List: ["x", "hi"] },
    },
    Type: "ACLToken",
  });
  const two = withRevealed(record, [
    { path: ["SecretID"], value: "s3cr3t" },
    { path: ["Nested", "Token"], value: "tokn" },
  ]);
  assert.equal(
    decodeLine(two),
    '{"Data":{"AccessorID":"a-1","SecretID":"s3cr3t","Nested":{"Token":"tokn","List":["x",' +
      '"[redacted: 2 bytes]"]}},"Type":"ACLToken"}',
  );
  // The shown record is not changed by a copy.
  assert.equal(decodeLine(record), before);
});

Deno.test("explorer panel: a KV record with its value revealed copies as decode --redact=false prints it", () => {
  // msgpack {"Key": "a/b", "Value": bin "yes"}, type 2 (KVS)
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
  const bytes = new Uint8Array([
    2,
    0x82,
    0xa3,
    ...ascii("Key"),
    0xa3,
    ...ascii("a/b"),
    0xa5,
    ...ascii("Value"),
    0xc4,
    3,
    ...ascii("yes"),
  ]);
  const redacted = decodeRecord("consul", bytes);
  const open = decodeRecord("consul", bytes, { redact: false });
  assert.notEqual(decodeLine(redacted), decodeLine(open));
  const value = (open.value as Record<string, string>).Value!;
  assert.equal(
    decodeLine(withRevealed(redacted, [{ path: ["Value"], value }])),
    decodeLine(open),
  );
});

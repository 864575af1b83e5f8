// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// decodeRecord: each record of the product fixtures, decoded again on its own from the
// bytes between its offset and the next record's, is what decodeRecords emitted for it,
// redacted and not; bytes that are not one whole record fail as record-invalid.

import { type DecodedRecord, decodeRecord, decodeRecords, stringifyDecoded } from "../../mod.ts";
import { assert, rejectsWith } from "../_helpers.ts";
import { productFixtures, snapOf, stateOf } from "../_products.ts";

const fixtures = await productFixtures();

for (const fixture of fixtures) {
  for (const redact of [true, false]) {
    Deno.test(`decodeRecord ${fixture.fixture} (redact ${redact}): each record as decodeRecords gave it`, async () => {
      const state = await stateOf(snapOf(fixture));
      const told: string[] = [];
      const records: DecodedRecord[] = await Array.fromAsync(
        decodeRecords(state, { redact, onProduct: (product) => told.push(product) }),
      );
      assert.ok(records.length > 3);
      assert.deepEqual(told, [fixture.product]); // decodeRecords' onProduct, once
      const product = fixture.product;
      records.forEach((record, i) => {
        const end = records[i + 1]?.offset ?? state.length;
        const again = decodeRecord(product, state.subarray(record.offset, end), {
          redact,
          number: record.number,
          offset: record.offset,
          size: record.size,
        });
        assert.equal(stringifyDecoded(again.value), stringifyDecoded(record.value));
        assert.deepEqual({ ...again, value: null }, { ...record, value: null });
      });
    });
  }
}

Deno.test("decodeRecord: a cut record, a Vault length that disagrees, no bytes: record-invalid", async () => {
  const consul = fixtures.find((f) => f.product === "consul")!;
  const state = await stateOf(snapOf(consul));
  const [, second, third] = await Array.fromAsync(decodeRecords(state));
  const cut = state.subarray(second!.offset, third!.offset - 1);
  await rejectsWith(
    Promise.resolve().then(() => decodeRecord("consul", cut)),
    "record-invalid",
  );
  await rejectsWith(
    Promise.resolve().then(() => decodeRecord("consul", new Uint8Array())),
    "record-invalid",
  );
  await rejectsWith(
    Promise.resolve().then(() => decodeRecord("vault", new Uint8Array([5, 1, 2]))),
    "record-invalid",
  );
});

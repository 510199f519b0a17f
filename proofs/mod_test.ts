import assert from "node:assert/strict";
import { properties } from "./mod.ts";

Deno.test("proofs/mod.ts lists the eight properties of issue 2 once each, in order", () => {
  assert.deepEqual(properties.map((p) => p.id), [1, 2, 3, 4, 5, 6, 7, 8]);
  for (const p of properties) {
    assert.equal(typeof p.run, "function");
    assert.ok(p.name.length > 0);
  }
});

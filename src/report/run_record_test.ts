import assert from "node:assert/strict";
import { parseRunRecord } from "./run_record.ts";
import { syntheticRun } from "./test_fixtures.ts";

Deno.test("run records keep the optional validation fields and counts", () => {
  const record = syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8, validationAccuracy: 0.78 });
  const parsed = parseRunRecord(JSON.parse(JSON.stringify(record)), "v.json");
  assert.deepEqual(parsed, record);
  assert.equal(parsed.epochs[2].validationAccuracy, 0.78);
  assert.deepEqual(parsed.counts, { train: 900, validation: 100, test: 500 });
  // Older records without them still parse, without the fields.
  const old = parseRunRecord(
    JSON.parse(JSON.stringify(syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8 }))),
    "old.json",
  );
  assert.equal(old.counts, undefined);
  assert.equal("validationAccuracy" in old.epochs[0], false);
});

Deno.test("run records reject bad validation fields and counts by name", () => {
  const record = JSON.parse(JSON.stringify(
    syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8, validationAccuracy: 0.78 }),
  ));
  record.epochs[1].validationAccuracy = "high";
  assert.throws(
    () => parseRunRecord(record, "bad.json"),
    /bad\.json: field epochs\[1\]\.validationAccuracy is invalid, got "high"/,
  );
  record.epochs[1].validationAccuracy = 0.7;
  record.counts.validation = -3;
  assert.throws(() => parseRunRecord(record, "bad.json"), /field counts\.validation.*-3/);
});

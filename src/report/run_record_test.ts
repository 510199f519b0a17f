import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { renderMarkdown } from "./markdown.ts";
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

Deno.test("aggregate summarizes validation accuracy when recorded", () => {
  const runs = [0.78, 0.8, 0.79].map((v, seed) =>
    syntheticRun({ method: "sgd", seed, accuracy: 0.8, validationAccuracy: v })
  );
  const [m] = aggregate(runs).cells[0].methods;
  assert.ok(Math.abs(m.validationAccuracy!.mean - 0.79) < 1e-12);
  assert.deepEqual(m.validationAccuracyBands.map((b) => b.epoch), [1, 2, 3]);
  // Epoch 1 is 0.02 below the last (test_fixtures.ts); sd 0.01 over the 3 seeds at every epoch.
  assert.ok(Math.abs(m.validationAccuracyBands[0].mean - 0.77) < 1e-12);
  const half = 4.302652729749462 * 0.01 / Math.sqrt(3);
  assert.ok(Math.abs(m.validationAccuracyBands[0].high - 0.77 - half) < 1e-9);
  assert.deepEqual(m.counts, { train: 900, validation: 100, test: 500 });
  const md = renderMarkdown(aggregate(runs), "v");
  assert.match(md, /\| validation mean \|/);
  assert.match(md, /\| sgd \| 3 \| 80\.00 \| [^|]+ \| 79\.00 \|/);
  assert.match(md, /Images: 900 train, 100 validation, 500 test\./);
  // Without validation fields the column is left out.
  const plain = renderMarkdown(
    aggregate([syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8 })]),
    "p",
  );
  assert.doesNotMatch(plain, /validation mean/);
});

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

Deno.test("aggregate: early stopping picks the best validation epoch, reported apart", () => {
  // Per seed: validation accuracy by epoch, and the test accuracy by epoch.
  const curves = [
    { validation: [0.7, 0.8, 0.75], test: [0.6, 0.65, 0.7] }, // best validation at epoch 2
    { validation: [0.8, 0.8, 0.7], test: [0.61, 0.66, 0.71] }, // tie: the first, epoch 1
    { validation: [0.6, 0.7, 0.9], test: [0.5, 0.55, 0.72] }, // the last, epoch 3
  ];
  const runs = curves.map((c, seed) => {
    const r = syntheticRun({ method: "sgd", seed, accuracy: c.test[2], validationAccuracy: 0.5 });
    r.epochs.forEach((e, k) => {
      e.validationAccuracy = c.validation[k];
      e.testAccuracy = c.test[k];
    });
    return r;
  });
  const [m] = aggregate(runs).cells[0].methods;
  assert.deepEqual(m.earlyStopping!.epochs, [2, 1, 3]);
  assert.deepEqual(m.earlyStopping!.testAccuracies, [0.65, 0.61, 0.72]);
  assert.ok(Math.abs(m.earlyStopping!.accuracy.mean - (0.65 + 0.61 + 0.72) / 3) < 1e-12);
  // The final-epoch figure is unchanged by it.
  assert.ok(Math.abs(m.accuracy!.mean - (0.7 + 0.71 + 0.72) / 3) < 1e-12);
  const md = renderMarkdown(aggregate(runs), "e");
  assert.match(md, /## Early stopping on validation/);
  assert.match(
    md,
    /\| fashion-mnist \| mlp \| clean \| sgd \| 71\.00 \| 66\.00 \| [^|]+ \| 2, 1, 3 \|/,
  );
  // A run without validation fields: no early-stopping figure for the method.
  const mixed = [...runs, syntheticRun({ method: "sgd", seed: 9, accuracy: 0.7 })];
  assert.equal(aggregate(mixed).cells[0].methods[0].earlyStopping, null);
  assert.doesNotMatch(renderMarkdown(aggregate(mixed), "e"), /Early stopping/);
});

import assert from "node:assert/strict";
import { classCounts } from "../data/image_set.ts";
import { train, type TrainStart } from "../training/train.ts";

// Through the real train() on the first 1,000 images of the real Fashion-MNIST (Debian's
// dataset-fashion-mnist), one epoch of the default MLP: what the learner is given, how it is
// split, and what the record says.
async function run(settings: { trainFraction?: number; labelNoise?: number }) {
  let start: TrainStart | undefined;
  const result = await train({
    epochs: 1,
    trainLimit: 1000,
    testLimit: 300,
    validationFraction: 0.2,
    seed: 5,
    ...settings,
  }, { backend: "cpu", onStart: (s) => (start = s) });
  assert.ok(start, "onStart was not called");
  return { result, start };
}

Deno.test("validation split: counts, stratified, disjoint, recorded per epoch", async () => {
  const { result, start } = await run({});
  assert.equal(result.status, "completed");
  assert.deepEqual(result.counts, { train: 800, validation: 200, test: 300 });
  const { split, learnerSet } = start;
  // Disjoint and covering: each learner image is in exactly one part.
  const all = [...split.trainIndices, ...split.validationIndices].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: learnerSet.count }, (_, i) => i));
  assert.equal(new Set(split.validationIndices).size, 200);
  // Stratified: every class holds 20% of its learner images, up to rounding (< 1 image).
  const whole = classCounts(learnerSet.labels, 10);
  const held = classCounts(split.validation!.labels, 10);
  for (let c = 0; c < 10; c++) {
    assert.ok(Math.abs(held[c] - 0.2 * whole[c]) < 1, `class ${c}: ${held[c]} of ${whole[c]}`);
  }
  const epoch = result.epochs[0];
  assert.ok(
    epoch.validationAccuracy! > 0.3 && epoch.validationAccuracy! <= 1,
    "trained above chance",
  );
  assert.ok(Number.isFinite(epoch.validationLoss!));
  assert.equal(result.final?.validationAccuracy, epoch.validationAccuracy);
  // The training part is what was trained on: one epoch of 800 images is 25 steps of 32.
  assert.equal(epoch.gradientEvaluations, Math.ceil(800 / 32));
});

Deno.test("validation split follows the setting: a fraction of the learner's data, noisy labels", async () => {
  const { result, start } = await run({ trainFraction: 0.5, labelNoise: 0.3 });
  // 1,000 images → 500 kept → 100 held out for validation.
  assert.deepEqual(result.counts, { train: 400, validation: 100, test: 300 });
  const { split, learnerSet } = start;
  assert.equal(learnerSet.count, 500);
  // Validation labels are the learner's (noisy) labels, not the clean ones.
  split.validationIndices.forEach((from, i) => {
    assert.equal(split.validation!.labels[i], learnerSet.labels[from]);
  });
  const corrupted = new Set(learnerSet.corruptedIndices);
  const noisy = [...split.validationIndices].filter((i) => corrupted.has(i)).length;
  // 150 of 500 learner labels are corrupted; 100 drawn from 500 hold a hypergeometric count,
  // mean 30, sd ≈ 4.1: [12, 48] is more than 4 sd either side.
  assert.ok(noisy >= 12 && noisy <= 48, `${noisy} noisy validation labels`);
  const cleanDiffers = [...split.validationIndices].some((i) =>
    learnerSet.cleanLabels[i] !== learnerSet.labels[i]
  );
  assert.ok(cleanDiffers, "no corrupted label reached the validation part");
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { createModel } from "../models/create.ts";
import { measureEpochTime } from "./epoch_time.ts";

Deno.test("measureEpochTime extrapolates its step time, trains with the named optimizer, and leaks no tensors", async () => {
  await tf.setBackend("cpu");
  const model = createModel("cnn", {
    inputShape: [12, 12, 1],
    numClasses: 3,
    filters: [2, 2],
    kernelSize: 3,
    denseWidths: [4],
  });
  const count = tf.memory().numTensors;
  const t = await measureEpochTime(model, { batchSize: 5, steps: 2, warmup: 1, images: 11 });
  assert.equal(tf.memory().numTensors, count);
  // ceil(11 / 5) = 3 steps per epoch; ms → s. Exact up to one rounding of the product.
  assert.ok(Math.abs(t.epochSeconds - 3 * t.msPerStep / 1000) <= 1e-12 * t.epochSeconds);
  assert.ok(Math.abs(t.imagesPerSecond - 5000 / t.msPerStep) <= 1e-9 * t.imagesPerSecond);
  assert.ok(t.msPerStep > 0);
  // The steps train: the weights move, by the named optimizer (SAM's step differs from SGD's).
  const before = model.getWeights().map((w) => w.dataSync().slice());
  await measureEpochTime(model, { batchSize: 5, steps: 1, warmup: 0, images: 5, optimizer: "sam" });
  const moved = model.getWeights().some((w, k) => w.dataSync().some((v, i) => v !== before[k][i]));
  assert.ok(moved, "the weights did not change");
  assert.equal(tf.memory().numTensors, count);
  await assert.rejects(() => measureEpochTime(model, { batchSize: 0 }), /batchSize.*0/);
  await assert.rejects(() => measureEpochTime(model, { warmup: -1 }), /warmup.*-1/);
  await assert.rejects(() => measureEpochTime(model, { optimizer: "lion" }), /optimizer.*"lion"/);
  model.dispose();
});

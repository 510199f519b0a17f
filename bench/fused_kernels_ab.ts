/**
 * The A/B of the native backend's fused training kernels (the softmax cross-entropy loss, the
 * dense layer with bias and ReLU, the ReLU gradient and the Adam update) against TF.js's op chains, interleaved in one process so
 * that a loaded machine's swings fall on both sides alike:
 *
 * `deno run -A bench/fused_kernels_ab.ts [--models mlp,cnn] [--optimizers sgd,sam,adam]
 * [--rounds 8] [--window 10]`
 *
 * For each model and optimizer (batch 128, random data, train.ts's loss through `step`), it
 * alternates windows of `--window` steps with the fused kernels on and off, `--rounds` times
 * each, and prints the kernels of one step on each side (`tf.profile`, wrappers included, as
 * bench/profile_step.ts counts them), the median step time of each side and their ratio.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { parseArgs } from "node:util";
import { initBackend } from "../src/backends/mod.ts";
import {
  setFusedSoftmaxCrossEntropy,
  softmaxCrossEntropyMean,
} from "../src/backends/native_softmax_cross_entropy.ts";
import { setFusedReluGrad } from "../src/backends/native_relu_grad.ts";
import { setFusedAdam } from "../src/backends/native_adam.ts";
import { setFusedDense } from "../src/backends/native_dense.ts";
import { createModel } from "../src/models/mod.ts";
import { createOptimizer } from "../src/optimizers/mod.ts";
import { Random } from "../src/math/random.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    models: { type: "string", default: "mlp,cnn" },
    optimizers: { type: "string", default: "sgd,sam,adam" },
    rounds: { type: "string", default: "8" },
    window: { type: "string", default: "10" },
  },
});
const positive = (name: string, text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`fused_kernels_ab: --${name} must be a positive integer, got ${text}`);
  }
  return n;
};
const rounds = positive("rounds", values.rounds);
const window = positive("window", values.window);
const MODELS: Record<string, () => tfl.LayersModel> = {
  mlp: () => createModel("mlp", { inputShape: [28, 28, 1], numClasses: 10 }),
  cnn: () => createModel("cnn", { inputShape: [28, 28, 1], numClasses: 10 }),
};
const models = values.models.split(",");
for (const m of models) {
  if (!Object.hasOwn(MODELS, m)) {
    throw new RangeError(`fused_kernels_ab: --models takes mlp and cnn, got ${m}`);
  }
}
const optimizers = values.optimizers.split(",");

function setFused(on: boolean): void {
  setFusedSoftmaxCrossEntropy(on);
  setFusedReluGrad(on);
  setFusedAdam(on);
  setFusedDense(on);
}

const choice = await initBackend("native");
console.log(`backend ${choice.backend}; ${rounds} rounds × ${window} steps a side, interleaved`);
console.log("");
console.log("| model | optimizer | kernels off → on | median ms off | median ms on | on/off |");
console.log("|---|---|---|---|---|---|");
const batch = 128;
for (const modelName of models) {
  for (const optimizerName of optimizers) {
    const model = MODELS[modelName]();
    const rng = new Random(0);
    const xs = tf.tensor(Float32Array.from(rng.gaussianVector(batch * 784)), [batch, 28, 28, 1]);
    const ys = tf.tidy(() =>
      tf.oneHot(
        tf.tensor1d(Int32Array.from({ length: batch }, () => rng.integer(10)), "int32"),
        10,
      )
    );
    const optimizer = createOptimizer(optimizerName, { lr: 1e-3 });
    const loss = () =>
      softmaxCrossEntropyMean(ys, model.apply(xs, { training: true }) as tf.Tensor);
    const kernels: Record<string, number> = {};
    const times: Record<string, number[]> = { off: [], on: [] };
    for (const side of ["off", "on"]) {
      setFused(side === "on");
      await optimizer.step(loss); // warm
      let count = 0;
      await tf.profile(async () => {
        await optimizer.step(loss);
      }).then((p) => (count = p.kernels.length));
      kernels[side] = count;
    }
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 === 0 ? ["off", "on"] : ["on", "off"]) {
        setFused(side === "on");
        for (let i = 0; i < window; i++) {
          const start = performance.now();
          await optimizer.step(loss);
          times[side].push(performance.now() - start);
        }
      }
    }
    const median = (a: number[]) => {
      const s = [...a].sort((x, y) => x - y);
      return s[s.length >> 1];
    };
    const off = median(times.off);
    const on = median(times.on);
    console.log(
      `| ${modelName} | ${optimizerName} | ${kernels.off} → ${kernels.on} | ${off.toFixed(2)} | ${
        on.toFixed(2)
      } | ${(on / off).toFixed(3)} |`,
    );
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  }
}
setFused(true);

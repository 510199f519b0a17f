/**
 * Step cost of each optimizer against one SGD step (`deno bench -A bench/optimizers_bench.ts`).
 *
 * For the paper's MLP (784, six dense layers of 128, 10; batch 128) and the small LeNet CNN
 * (28×28×1; batch 64) it times one `minimize` of each optimizer and, at the end, prints the ratio
 * to one SGD step, the floor `1 + n` (the gradient evaluations of a step: 2 for SAM, ASAM,
 * Trace-SAM n=1 and Det-SAM n=1; 3 for Frob-SAM n=2), the overhead above that floor (target
 * < 5%), and images/s of the SGD step. The cost of the counter-based perturbation draws themselves
 * is in `bench/draws_bench.ts`. Backend: `USAM_BENCH_BACKEND` (default wasm), started with
 * `initBackend`. Rounds: `USAM_BENCH_ROUNDS` (default 6). The cpu/wasm draws' background
 * prefetch: `USAM_BENCH_PREFETCH` (`worker`, the default, or `off`; `setPhiloxPrefetch`). The native
 * backend's fused SGD update: `USAM_BENCH_FUSED_SGD=off` runs the op chain instead (`setFusedSgd`),
 * for before/after figures. Only the ratio table: `--filter interleaved`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import process from "node:process";
import type * as tfl from "@tensorflow/tfjs-layers";
import { initBackend, softmaxCrossEntropyMean } from "../src/backends/mod.ts";
import { type PhiloxPrefetchMode, setPhiloxPrefetch } from "../src/backends/philox_prefetch.ts";
import { setFusedSgd } from "../src/backends/native_sgd.ts";
import { Random } from "../src/math/random.ts";
import { createModel } from "../src/models/mod.ts";
import { createOptimizer, OPTIMIZER_NAMES, type UsamOptimizer } from "../src/optimizers/mod.ts";

const requested = (Deno.env.get("USAM_BENCH_BACKEND") ?? "wasm") as Parameters<
  typeof initBackend
>[0];
const chosen = await initBackend(requested);
const prefetch = (Deno.env.get("USAM_BENCH_PREFETCH") ?? "worker") as PhiloxPrefetchMode;
setPhiloxPrefetch(prefetch);
const fusedSgd = Deno.env.get("USAM_BENCH_FUSED_SGD") !== "off";
setFusedSgd(fusedSgd);
const backend = `${chosen.backend} (${chosen.adapter}; draw prefetch ${prefetch}; fused SGD ${
  fusedSgd ? "on" : "off"
})`;

interface Workload {
  name: string;
  model: tfl.LayersModel;
  loss: () => tf.Scalar;
  batch: number;
  parameters: number;
}

function workload(name: "mlp" | "cnn", batch: number): Workload {
  const inputShape = [28, 28, 1];
  const model = createModel(name, { inputShape, numClasses: 10, seed: 1 } as never);
  const rng = new Random(2);
  const size = batch * inputShape.reduce((a, b) => a * b, 1);
  const xs = tf.tensor(Float32Array.from(rng.gaussianVector(size)), [batch, ...inputShape]);
  const labels = tf.tensor1d(Int32Array.from({ length: batch }, () => rng.integer(10)), "int32");
  const ys = tf.oneHot(labels, 10);
  labels.dispose();
  const loss = () =>
    // train.ts's training loss (one fused kernel on native).
    tf.tidy(() => softmaxCrossEntropyMean(ys, model.apply(xs, { training: true }) as tf.Tensor));
  return { name, model, loss, batch, parameters: model.countParams() };
}

const workloads = [workload("mlp", 128), workload("cnn", 64)];
/** Milliseconds per step, per workload and optimizer (filled by the interleaved rounds). */
const timings = new Map<string, number[]>();
/** Process CPU milliseconds per step (all threads: less sensitive to a loaded machine). */
const cpuTimings = new Map<string, number[]>();
const optimizers = new Map<string, UsamOptimizer>();
const ROUNDS = Number(Deno.env.get("USAM_BENCH_ROUNDS") ?? 6);

/**
 * Each optimizer its own seed, as separate runs have: the draw prefetch serves the next step of
 * one stream position, and optimizers stepping in turn on the same seed would keep taking each
 * other's request back (a cost no training run has).
 */
function makeOptimizer(name: typeof OPTIMIZER_NAMES[number]): UsamOptimizer {
  return createOptimizer(name, { lr: 1e-4, seed: 1 + OPTIMIZER_NAMES.indexOf(name) });
}

for (const w of workloads) {
  for (const name of OPTIMIZER_NAMES) {
    const key = `${w.name}/${name}`;
    const optimizer = makeOptimizer(name);
    optimizers.set(key, optimizer);
    timings.set(key, []);
    Deno.bench({
      name: `${w.name} ${name}`,
      group: w.name,
      baseline: name === "sgd",
      warmup: 2,
      n: 5,
      fn() {
        optimizer.minimize(w.loss);
      },
    });
  }
}

// The ratios come from rounds that step every optimizer once in turn, so that the load of a
// shared machine drifts over all of them alike instead of biasing whichever ran during a spike.
Deno.bench({
  name: `interleaved rounds (${ROUNDS} steps of every optimizer, for the ratio table)`,
  group: "rounds",
  n: 1,
  warmup: 0,
  fn() {
    for (let round = 0; round < ROUNDS; round++) {
      for (const w of workloads) {
        for (const name of OPTIMIZER_NAMES) {
          const key = `${w.name}/${name}`;
          const cpu = process.cpuUsage();
          const start = performance.now();
          optimizers.get(key)!.minimize(w.loss);
          timings.get(key)!.push(performance.now() - start);
          const used = process.cpuUsage(cpu);
          cpuTimings.set(key, [...(cpuTimings.get(key) ?? []), (used.user + used.system) / 1000]);
        }
      }
    }
  },
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

globalThis.addEventListener("unload", () => {
  const lines = [
    `\noptimizer step cost on ${backend} (${
      timings.get("mlp/sgd")?.length ?? 0
    } interleaved rounds; floor = gradient evaluations; one SGD step = 1)`,
    "| model | optimizer | median ms | ratio to SGD (median) | ratio (min) | ratio (CPU time) | floor | overhead above floor (median, min, CPU) |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const w of workloads) {
    const sgdTimes = timings.get(`${w.name}/sgd`) ?? [];
    if (sgdTimes.length === 0) continue;
    const base = median(sgdTimes);
    const baseMin = Math.min(...sgdTimes);
    const baseCpu = median(cpuTimings.get(`${w.name}/sgd`) ?? [NaN]);
    for (const name of OPTIMIZER_NAMES) {
      const times = timings.get(`${w.name}/${name}`) ?? [];
      if (times.length === 0) continue;
      const ms = median(times);
      const floor = optimizers.get(`${w.name}/${name}`)!.gradientEvaluations;
      const ratio = ms / base;
      const ratioMin = Math.min(...times) / baseMin;
      const ratioCpu = median(cpuTimings.get(`${w.name}/${name}`) ?? [NaN]) / baseCpu;
      const over = (r: number) => `${(100 * (r / floor - 1)).toFixed(1)}%`;
      lines.push(
        `| ${w.name} (${w.parameters} params, batch ${w.batch}) | ${name} | ${ms.toFixed(2)} | ${
          ratio.toFixed(3)
        } | ${ratioMin.toFixed(3)} | ${ratioCpu.toFixed(3)} | ${floor} | ${over(ratio)}, ${
          over(ratioMin)
        }, ${over(ratioCpu)} |`,
      );
    }
    lines.push(
      `${w.name}: SGD step ${(1000 * w.batch / base).toFixed(0)} images/s`,
    );
  }
  console.log(lines.join("\n"));
});

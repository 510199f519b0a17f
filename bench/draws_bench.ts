/**
 * Host work of the counter-based perturbation draws per step, against one wasm SGD step of the
 * paper's MLP (784, six dense layers of 128, 10; batch 128): `deno bench -A bench/draws_bench.ts`
 * (or `deno task bench:draws`). Prints, for one perturbation of the MLP's size (every variable,
 * one `UsamPhilox` call each):
 * - on wasm (and cpu): the draw's time, which is host work there (the kernel runs on the CPU);
 * - on webgpu, when an adapter is offered: the host time to issue the draw (the call returning;
 *   the device computes it asynchronously) and the time until the values are ready.
 * Each as a percentage of the median wasm SGD step (the issue's target for host work: < 5%).
 * On wasm and cpu three ways are timed: the JavaScript reference fill (`philoxFillKeyed`, what the
 * kernels ran before `src/math/philox_fill.wat`), the kernel with the prefetch off (the
 * WebAssembly fill on the main thread), and the kernel with the background prefetch
 * (`src/backends/philox_prefetch.ts`), each draw following an SGD step of the MLP as in training,
 * so that the thread has a step's time to fill ahead; the prefetch row also gives how many draws
 * came from the thread (pieces of 16,384 values), how many the main thread filled, and how many
 * of those the thread was filling at that moment.
 * Rounds: `USAM_BENCH_ROUNDS` (default 20). Timings on a shared machine vary; rerun on a quiet one.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../src/backends/mod.ts";
import { probeWebGpuAdapter } from "../src/backends/webgpu.ts";
import {
  philoxPrefetchSettled,
  philoxPrefetchStats,
  resetPhiloxPrefetchStats,
  setPhiloxPrefetch,
} from "../src/backends/philox_prefetch.ts";
import { philoxFillKeyed, philoxKey } from "../src/math/philox.ts";
import { Random } from "../src/math/random.ts";
import { createModel } from "../src/models/mod.ts";
import { drawRecipe } from "../src/optimizers/draws.ts";
import { sgd } from "../src/optimizers/mod.ts";

const ROUNDS = Number(Deno.env.get("USAM_BENCH_ROUNDS") ?? 20);
const BATCH = 128;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The MLP, a batch and an SGD optimizer on the current backend: `step()` is one `minimize`. */
function sgdWorkload(): {
  step: () => void;
  dispose: () => void;
  shapes: number[][];
  parameters: number;
} {
  const model = createModel("mlp", { inputShape: [28, 28, 1], numClasses: 10, seed: 1 } as never);
  const rng = new Random(2);
  const xs = tf.tensor(Float32Array.from(rng.gaussianVector(BATCH * 784)), [BATCH, 28, 28, 1]);
  const labels = tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.integer(10)), "int32");
  const ys = tf.oneHot(labels, 10);
  const loss = () =>
    tf.tidy(() =>
      tf.losses.softmaxCrossEntropy(
        ys,
        (model as tfl.LayersModel).apply(xs) as tf.Tensor,
      ) as tf.Scalar
    );
  const optimizer = sgd({ lr: 1e-4 });
  return {
    step: () => optimizer.minimize(loss),
    dispose: () => {
      optimizer.dispose();
      model.dispose();
      tf.dispose([xs, labels, ys]);
    },
    shapes: model.trainableWeights.map((w) => w.shape as number[]),
    parameters: model.countParams(),
  };
}

/** Median ms of one SGD `minimize` of the MLP on the current backend. */
function sgdStepMs(): { ms: number; shapes: number[][]; parameters: number } {
  const workload = sgdWorkload();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS + 2; i++) {
    const start = performance.now();
    workload.step();
    if (i >= 2) times.push(performance.now() - start);
  }
  workload.dispose();
  return { ms: median(times), shapes: workload.shapes, parameters: workload.parameters };
}

/** Median and min ms of the JavaScript reference fill of one Gaussian perturbation. */
function referenceFillMs(shapes: number[][]): { issue: number; issueMin: number; ready: number } {
  const times: number[] = [];
  const key = philoxKey(1);
  for (let i = 0; i < ROUNDS + 2; i++) {
    const start = performance.now();
    let offset = 0;
    for (const shape of shapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      philoxFillKeyed(new Float32Array(size), key, [0, i, 0], offset, "gaussian");
      offset += size;
    }
    if (i >= 2) times.push(performance.now() - start);
  }
  const ms = median(times);
  return { issue: ms, issueMin: Math.min(...times), ready: ms };
}

/**
 * Median and min ms of the draw of one Gaussian perturbation with the background prefetch, each
 * draw after one SGD step (as in training), and where the draws came from. The thread is started
 * (and waited for, once) before the timed rounds: its start-up, about a module load, is paid once
 * per process.
 */
async function prefetchedDrawMs(): Promise<{
  issue: number;
  issueMin: number;
  ready: number;
  note: string;
}> {
  const workload = sgdWorkload();
  const weights = workload.shapes.map((shape) => tf.zeros(shape));
  const times: number[] = [];
  setPhiloxPrefetch("worker");
  tf.dispose(drawRecipe({ kind: "gaussian" }, { seed: 1, step: 0, sample: 0 }, weights));
  await philoxPrefetchSettled(); // the thread is up
  resetPhiloxPrefetchStats();
  for (let i = 1; i <= ROUNDS + 2; i++) {
    workload.step();
    const start = performance.now();
    const deltas = drawRecipe({ kind: "gaussian" }, { seed: 1, step: i, sample: 0 }, weights);
    if (i > 2) times.push(performance.now() - start);
    tf.dispose(deltas);
  }
  const stats = philoxPrefetchStats();
  setPhiloxPrefetch("off");
  tf.dispose(weights);
  workload.dispose();
  const ms = median(times);
  return {
    issue: ms,
    issueMin: Math.min(...times),
    ready: ms,
    note: `; ${stats.prefetched} pieces from the thread, ${stats.filled} on the main thread ` +
      `(${stats.raced} of them while the thread was filling them)`,
  };
}

/** Median ms to issue one Gaussian perturbation (and to have it ready) on the current backend. */
async function drawMs(
  shapes: number[][],
): Promise<{ issue: number; issueMin: number; ready: number }> {
  const weights = shapes.map((shape) => tf.zeros(shape));
  const issue: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < ROUNDS + 2; i++) {
    const start = performance.now();
    const deltas = drawRecipe({ kind: "gaussian" }, { seed: 1, step: i, sample: 0 }, weights);
    const issued = performance.now();
    // Ready: a one-element read of the last tensor waits for the queue (it is in order).
    const last = deltas[deltas.length - 1];
    const probe = tf.slice(last, new Array(last.rank).fill(0), new Array(last.rank).fill(1));
    await probe.data();
    const done = performance.now();
    if (i >= 2) {
      issue.push(issued - start);
      ready.push(done - start);
    }
    tf.dispose([...deltas, probe]);
  }
  tf.dispose(weights);
  return { issue: median(issue), issueMin: Math.min(...issue), ready: median(ready) };
}

Deno.bench({
  name: "counter-based draws: host work per step vs a wasm MLP SGD step (prints a table)",
  n: 1,
  warmup: 0,
  async fn() {
    await initBackend("wasm");
    const step = sgdStepMs();
    const lines = [
      `\nGaussian perturbation of the MLP (${step.parameters} weights, ${step.shapes.length} ` +
      `variables) vs one wasm SGD step at batch ${BATCH}: ${
        step.ms.toFixed(2)
      } ms (median of ${ROUNDS})`,
      "| backend | host ms to issue (median, min) | % of wasm SGD step (median, min) | ms until ready |",
      "|---|---|---|---|",
    ];
    const pct = (ms: number) => `${(100 * ms / step.ms).toFixed(1)}%`;
    const row = (
      name: string,
      d: { issue: number; issueMin: number; ready: number; note?: string },
    ) =>
      `| ${name} | ${d.issue.toFixed(3)}, ${d.issueMin.toFixed(3)} | ${pct(d.issue)}, ${
        pct(d.issueMin)
      } | ${d.ready.toFixed(3)}${d.note ?? ""} |`;
    lines.push(row("host JavaScript reference fill (the kernels before the wasm fill)", {
      ...referenceFillMs(step.shapes),
    }));
    for (const backend of ["wasm", "cpu"] as const) {
      await initBackend(backend);
      const previous = setPhiloxPrefetch("off");
      const d = await drawMs(step.shapes);
      lines.push(row(`${backend}, prefetch off (WebAssembly fill on the main thread)`, d));
      lines.push(
        row(`${backend}, background prefetch (draws between SGD steps)`, await prefetchedDrawMs()),
      );
      setPhiloxPrefetch(previous);
    }
    const probe = await probeWebGpuAdapter();
    if (probe.available) {
      await initBackend("webgpu");
      const d = await drawMs(step.shapes);
      lines.push(row(`webgpu (${probe.description})`, d));
    } else {
      lines.push(`| webgpu | no adapter (${probe.description}) | | |`);
    }
    console.log(lines.join("\n"));
  },
});

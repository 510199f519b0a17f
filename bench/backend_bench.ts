/**
 * Throughput of the TF.js wasm backend with this project's kernels, against TF.js's original
 * kernels where those exist: matmul (plain, transposed, batched), conv2d forward and both
 * gradients, and one SGD step of the paper's MLP (784 → 6 × 128 → 10, batch 128) and of a small
 * CNN. Figures, not pass/fail.
 *
 * `deno bench -A bench/backend_bench.ts` prints a table of GFLOP/s and images/s first (timed
 * here: median of 5 rounds of at least 200 ms each), then Deno's own per-call timings.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  describeEnvironment,
  initBackend,
  setFastWasmConv2DBackpropInput,
  setFastWasmMatMul,
} from "../src/backends/mod.ts";

await initBackend("wasm");

type Kernels = "original" | "fast";

function useKernels(kernels: Kernels): void {
  setFastWasmMatMul(kernels === "fast");
  setFastWasmConv2DBackpropInput(kernels === "fast");
}

/** Median seconds per call over 5 rounds, each at least `roundMs` long (after a warm-up). */
function secondsPerCall(fn: () => void, roundMs = 200): number {
  for (let i = 0; i < 2; i++) fn();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < roundMs) {
      fn();
      calls++;
    }
    rounds.push((performance.now() - start) / calls / 1000);
  }
  rounds.sort((a, b) => a - b);
  return rounds[2];
}

/** Runs `make()` and waits for its result to be computed, then frees it. */
function run(make: () => tf.Tensor): void {
  const out = make();
  out.dataSync();
  out.dispose();
}

// ---- matmul ----------------------------------------------------------------------------------

interface MatMulCase {
  name: string;
  flops: number;
  make: () => { a: tf.Tensor; b: tf.Tensor; transposeA: boolean; transposeB: boolean };
}

const M = 128, K = 784, N = 128;
const matmulCases: MatMulCase[] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
].map(([transposeA, transposeB]) => ({
  name: `matmul ${M}×${K}×${N} transposeA=${transposeA} transposeB=${transposeB}`,
  flops: 2 * M * K * N,
  make: () => ({
    a: tf.randomNormal(transposeA ? [K, M] : [M, K]),
    b: tf.randomNormal(transposeB ? [N, K] : [K, N]),
    transposeA: transposeA as boolean,
    transposeB: transposeB as boolean,
  }),
}));
matmulCases.push({
  name: "batched matmul 16 × (64×64×64)",
  flops: 16 * 2 * 64 ** 3,
  make: () => ({
    a: tf.randomNormal([16, 64, 64]),
    b: tf.randomNormal([16, 64, 64]),
    transposeA: false,
    transposeB: false,
  }),
});

// ---- conv2d ----------------------------------------------------------------------------------

/** A 3×3 "same" convolution of a CNN's second block: [32, 14, 14, 32] → 64 channels. */
const CONV = { batch: 32, size: 14, inChannels: 32, outChannels: 64, filter: 3 };
const convFlops = 2 * CONV.batch * CONV.size ** 2 * CONV.filter ** 2 * CONV.inChannels *
  CONV.outChannels;
const convTensors = () => ({
  x: tf.randomNormal([CONV.batch, CONV.size, CONV.size, CONV.inChannels]) as tf.Tensor4D,
  w: tf.randomNormal([CONV.filter, CONV.filter, CONV.inChannels, CONV.outChannels]) as tf.Tensor4D,
  dy: tf.randomNormal([CONV.batch, CONV.size, CONV.size, CONV.outChannels]) as tf.Tensor4D,
});
const convOps = {
  "conv2d forward": (t: ReturnType<typeof convTensors>) => tf.conv2d(t.x, t.w, 1, "same"),
  "conv2d input gradient": (t: ReturnType<typeof convTensors>) =>
    tf.conv2dTranspose(t.dy, t.w, t.x.shape, 1, "same"),
  "conv2d filter gradient": (t: ReturnType<typeof convTensors>) =>
    tf.engine().runKernel("Conv2DBackpropFilter", { x: t.x, dy: t.dy }, {
      strides: 1,
      pad: "same",
      dataFormat: "NHWC",
      filterShape: t.w.shape,
    }) as tf.Tensor,
};

// ---- training steps --------------------------------------------------------------------------

const BATCH = 128;

function paperMlp(): tfl.LayersModel {
  const layers: tfl.layers.Layer[] = [
    tfl.layers.dense({ inputShape: [784], units: 128, activation: "relu" }),
  ];
  for (let i = 1; i < 6; i++) layers.push(tfl.layers.dense({ units: 128, activation: "relu" }));
  layers.push(tfl.layers.dense({ units: 10 }));
  return tfl.sequential({ layers });
}

function smallCnn(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 32,
        kernelSize: 3,
        padding: "same",
        activation: "relu",
      }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: "same", activation: "relu" }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 128, activation: "relu" }),
      tfl.layers.dense({ units: 10 }),
    ],
  });
}

/** One SGD step (softmax cross-entropy) of `model` on a fixed random batch. */
function sgdStep(
  model: tfl.LayersModel,
  inputShape: number[],
): { step: () => void; dispose: () => void } {
  const x = tf.randomNormal([BATCH, ...inputShape]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32") as tf.Tensor1D, 10);
  const optimizer = tf.train.sgd(0.01);
  return {
    step: () => {
      optimizer.minimize(() =>
        tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar
      );
      // Wait for the update: wasm runs synchronously, but this keeps the figure honest elsewhere.
      model.getWeights()[0].dataSync();
    },
    dispose: () => {
      tf.dispose([x, y]);
      optimizer.dispose();
    },
  };
}

// ---- the figures -----------------------------------------------------------------------------

const rows: string[][] = [];
const gflops = (flops: number, seconds: number) => (flops / seconds / 1e9).toFixed(2);

for (const c of matmulCases) {
  const { a, b, transposeA, transposeB } = c.make();
  const figures = (["original", "fast"] as const).map((kernels) => {
    useKernels(kernels);
    return secondsPerCall(() => run(() => tf.matMul(a, b, transposeA, transposeB)));
  });
  rows.push([c.name, "GFLOP/s", gflops(c.flops, figures[0]), gflops(c.flops, figures[1])]);
  tf.dispose([a, b]);
}
{
  const tensors = convTensors();
  for (const [name, op] of Object.entries(convOps)) {
    const figures = (["original", "fast"] as const).map((kernels) => {
      if (kernels === "original" && name === "conv2d filter gradient") return NaN; // TF.js has none
      useKernels(kernels);
      return secondsPerCall(() => run(() => op(tensors)));
    });
    rows.push([
      `${name} 3×3 [${CONV.batch},${CONV.size},${CONV.size},${CONV.inChannels}]→${CONV.outChannels}`,
      "GFLOP/s",
      Number.isNaN(figures[0]) ? "missing" : gflops(convFlops, figures[0]),
      gflops(convFlops, figures[1]),
    ]);
  }
  tf.dispose(Object.values(tensors));
}
{
  const model = paperMlp();
  const { step, dispose } = sgdStep(model, [784]);
  const figures = (["original", "fast"] as const).map((kernels) => {
    useKernels(kernels);
    return secondsPerCall(step, 500);
  });
  rows.push([
    "SGD step, paper MLP 784-6×128-10, batch 128",
    "images/s",
    (BATCH / figures[0]).toFixed(0),
    (BATCH / figures[1]).toFixed(0),
  ]);
  dispose();
  model.dispose();
}
{
  const model = smallCnn();
  const { step, dispose } = sgdStep(model, [28, 28, 1]);
  useKernels("fast");
  const seconds = secondsPerCall(step, 500);
  rows.push([
    "SGD step, CNN conv32-pool-conv64-pool-128-10, batch 128",
    "images/s",
    "cannot train",
    (BATCH / seconds).toFixed(0),
  ]);
  dispose();
  model.dispose();
}
useKernels("fast");

const environment = describeEnvironment();
const load = Deno.loadavg().map((v) => v.toFixed(2)).join(" ");
console.log(
  `\nwasm backend figures (${environment.adapter}; Deno ${environment.deno}, TF.js ` +
    `${environment.tfjs}; ${navigator.hardwareConcurrency} cores, load average ${load})`,
);
const header = ["case", "unit", "TF.js kernels", "usam kernels"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) =>
  cells.map((cell, i) => i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  ");
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log("");

// ---- Deno.bench entries (the same operations, timed by Deno) ---------------------------------

for (const c of matmulCases.slice(0, 4)) {
  const { a, b, transposeA, transposeB } = c.make();
  for (const kernels of ["original", "fast"] as const) {
    Deno.bench({
      name: `${c.name} (${kernels})`,
      group: c.name,
      baseline: kernels === "original",
      n: 50,
      warmup: 5,
      fn: () => {
        useKernels(kernels);
        run(() => tf.matMul(a, b, transposeA, transposeB));
      },
    });
  }
}
{
  const tensors = convTensors();
  for (const [name, op] of Object.entries(convOps)) {
    for (const kernels of ["original", "fast"] as const) {
      if (kernels === "original" && name === "conv2d filter gradient") continue;
      Deno.bench({
        name: `${name} (${kernels})`,
        group: name,
        baseline: kernels === "original",
        n: 10,
        warmup: 2,
        fn: () => {
          useKernels(kernels);
          run(() => op(tensors));
        },
      });
    }
  }
}
{
  const model = paperMlp();
  const { step } = sgdStep(model, [784]);
  for (const kernels of ["original", "fast"] as const) {
    Deno.bench({
      name: `SGD step, paper MLP, batch ${BATCH} (${kernels})`,
      group: "mlp-step",
      baseline: kernels === "original",
      n: 20,
      warmup: 3,
      fn: () => {
        useKernels(kernels);
        step();
      },
    });
  }
}

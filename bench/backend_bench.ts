/**
 * Throughput of the TF.js wasm backend with this project's kernels, against TF.js's original
 * kernels where those exist: matmul (plain, transposed, batched), conv2d forward and both
 * gradients, and one SGD step of the paper's MLP (784 → 6 × 128 → 10, batch 128) and of a small
 * CNN. Figures, not pass/fail.
 *
 * `deno bench -A bench/backend_bench.ts` prints a table of GFLOP/s and images/s first (timed
 * here: median of 5 rounds of at least 200 ms each, by wall clock and by CPU time, since the
 * machines this runs on are often shared), then Deno's own per-call timings. A max-pool gradient
 * row is included: TF.js's own was the slowest kernel of a CNN step.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import process from "node:process";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  describeEnvironment,
  initBackend,
  setFastWasmConv2DBackpropInput,
  setFastWasmMatMul,
  setFastWasmMaxPoolGrad,
} from "../src/backends/mod.ts";

await initBackend("wasm");

type Kernels = "original" | "fast";

/**
 * "original": TF.js's own wasm kernels (plus this project's Conv2DBackpropFilter, which TF.js
 * lacks, so that a CNN can train at all); "fast": every kernel of src/backends.
 */
function useKernels(kernels: Kernels): void {
  setFastWasmMatMul(kernels === "fast");
  setFastWasmConv2DBackpropInput(kernels === "fast");
  setFastWasmMaxPoolGrad(kernels === "fast");
}

/**
 * Seconds per call, by wall clock and by this process's CPU time (user + system), each the
 * median of 5 rounds of at least `roundMs` (after a warm-up). On a machine shared with other
 * jobs the CPU-time figure is what a dedicated core would give; the wall figure is what you got.
 */
interface Timing {
  wall: number;
  cpu: number;
}

function secondsPerCall(fn: () => void, roundMs = 200): Timing {
  for (let i = 0; i < 2; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < 5; r++) {
    let calls = 0;
    const start = performance.now();
    const startCpu = process.cpuUsage();
    while (performance.now() - start < roundMs) {
      fn();
      calls++;
    }
    const used = process.cpuUsage(startCpu);
    wall.push((performance.now() - start) / calls / 1000);
    cpu.push((used.user + used.system) / calls / 1e6);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[2];
  return { wall: median(wall), cpu: median(cpu) };
}

/** The four figure cells of a row: TF.js and usam kernels, by wall clock then by CPU time. */
function cells(
  format: (seconds: number) => string,
  original: Timing | undefined,
  fast: Timing,
): string[] {
  const missing = "missing";
  return [
    original === undefined ? missing : format(original.wall),
    format(fast.wall),
    original === undefined ? missing : format(original.cpu),
    format(fast.cpu),
  ];
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
const convTensors = () => {
  // ReLU'd input: TF.js's own MaxPoolGrad is only right for non-negative window maxima.
  const x = tf.relu(
    tf.randomNormal([CONV.batch, CONV.size, CONV.size, CONV.inChannels]),
  ) as tf.Tensor4D;
  return {
    x,
    pooled: tf.maxPool(x, 2, 2, "valid"),
    pooledDy: tf.randomNormal([CONV.batch, CONV.size / 2, CONV.size / 2, CONV.inChannels]),
    w: tf.randomNormal([
      CONV.filter,
      CONV.filter,
      CONV.inChannels,
      CONV.outChannels,
    ]) as tf.Tensor4D,
    dy: tf.randomNormal([CONV.batch, CONV.size, CONV.size, CONV.outChannels]) as tf.Tensor4D,
  };
};
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
  "max pool 2×2 gradient": (t: ReturnType<typeof convTensors>) =>
    tf.engine().runKernel("MaxPoolGrad", { dy: t.pooledDy, input: t.x, output: t.pooled }, {
      filterSize: 2,
      strides: 2,
      pad: "valid",
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
  rows.push([c.name, "GFLOP/s", ...cells((t) => gflops(c.flops, t), figures[0], figures[1])]);
  tf.dispose([a, b]);
}
{
  const tensors = convTensors();
  for (const [name, op] of Object.entries(convOps)) {
    const figures = (["original", "fast"] as const).map((kernels) => {
      if (kernels === "original" && name === "conv2d filter gradient") return undefined; // none
      useKernels(kernels);
      return secondsPerCall(() => run(() => op(tensors)));
    });
    if (name.startsWith("max pool")) {
      const elements = tensors.x.size;
      const rate = (seconds: number) => (elements / seconds / 1e6).toFixed(0);
      rows.push([
        `${name} of [${tensors.x.shape}]`,
        "M input elements/s",
        ...cells(rate, figures[0], figures[1]!),
      ]);
      continue;
    }
    rows.push([
      `${name} 3×3 [${CONV.batch},${CONV.size},${CONV.size},${CONV.inChannels}]→${CONV.outChannels}`,
      "GFLOP/s",
      ...cells((t) => gflops(convFlops, t), figures[0], figures[1]!),
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
    ...cells((t) => (BATCH / t).toFixed(0), figures[0], figures[1]),
  ]);
  dispose();
  model.dispose();
}
{
  const model = smallCnn();
  const { step, dispose } = sgdStep(model, [28, 28, 1]);
  const figures = (["original", "fast"] as const).map((kernels) => {
    useKernels(kernels);
    return secondsPerCall(step, 500);
  });
  rows.push([
    "SGD step, CNN conv32-pool-conv64-pool-128-10, batch 128 (*)",
    "images/s",
    ...cells((t) => (BATCH / t).toFixed(0), figures[0], figures[1]),
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
const header = [
  "case",
  "unit",
  "TF.js (wall)",
  "usam (wall)",
  "TF.js (CPU time)",
  "usam (CPU time)",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) =>
  cells.map((cell, i) => i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  ");
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(
  "Matmul rows reuse one b tensor, so XNNPACK's packed copy of the right operand is cached " +
    "across calls (as in inference) unless the kernel transposes it (transposeB alone: a fresh " +
    "pack per call, as in training, where weights change every step).",
);
console.log(
  "(*) TF.js alone cannot train it (no wasm Conv2DBackpropFilter): its column uses this " +
    "project's Conv2DBackpropFilter with TF.js's other kernels.\n",
);

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

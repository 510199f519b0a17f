/**
 * The oneDNN kernels (src/backends/native_dnnl.ts) against the wasm backend's own: convolution
 * forward, input gradient and filter gradient throughput (GFLOP/s) at the 3×3 convolutions of
 * ResNet-18 ×1/16 (28×28×1 input) and ×1/4 (32×32×3 input), batch 128, and the images/s of one
 * SGD step of ResNet-18 ×1/16 and of the default LeNet-5 `cnn` with and without the oneDNN kernels
 * (and the block-copy Tile of wasm_tile.ts), then a per-kernel profile of each step (tf.profile)
 * on both paths. Figures, not pass/fail.
 *
 * `deno run -A bench/native_dnnl_bench.ts [--quick] [--step-only] [--x4]` (`--quick`: one timed
 * step and short rounds, for a smoke run; `--step-only`: skip the convolution table; `--x4`: also
 * time ResNet-18 ×1/4 on 32×32×3).
 * oneDNN runs on OpenMP threads (`OMP_NUM_THREADS`, all cores by default) and wasm on one, so
 * only wall-clock figures are compared. Each figure is the median of 5 rounds of at least 200 ms;
 * on a machine shared with other jobs they are noisy: rerun on a quiet machine before quoting.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backends/init.ts";
import {
  registerDnnlKernels,
  setDnnlThreads,
  unregisterDnnlKernels,
} from "../src/backends/native_dnnl.ts";
import { registerFastWasmTile, setFastWasmTile } from "../src/backends/wasm_tile.ts";
import {
  dnnlConvImplementations,
  type DnnlThreads,
  setDnnlWeightsLayout,
  type WeightsLayout,
} from "../src/backends/native_dnnl_conv.ts";
import { createResnet } from "../src/models/resnet.ts";
import { createCnn } from "../src/models/cnn.ts";
import type * as tfl from "@tensorflow/tfjs-layers";

const QUICK = Deno.args.includes("--quick");
const STEP_ONLY = Deno.args.includes("--step-only");
const ROUND_MS = QUICK ? 100 : 200;
const BATCH = 128;

await initBackend("wasm");

/** Median seconds per call over 5 rounds of at least ROUND_MS (after two warm-up calls). */
function secondsPerCall(fn: () => void): number {
  fn();
  fn();
  const perCall: number[] = [];
  for (let r = 0; r < 5; r++) {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < ROUND_MS) {
      fn();
      calls++;
    }
    perCall.push((performance.now() - start) / calls / 1000);
  }
  return perCall.sort((a, b) => a - b)[2];
}

/** A kernel set: wasm alone, or with the oneDNN convolutions (filter layout, threads). */
interface Path {
  name: string;
  dnnl?: { layout: WeightsLayout; threads: DnnlThreads };
  /** The block-copy Tile of src/backends/wasm_tile.ts instead of TF.js's. */
  fastTile: boolean;
}

const CORES = navigator.hardwareConcurrency;
const defaultThreads = (() => {
  registerDnnlKernels();
  const threads = setDnnlThreads(1);
  setDnnlThreads(threads);
  unregisterDnnlKernels();
  return threads;
})();
registerFastWasmTile();

function usePath(path: Path): void {
  unregisterDnnlKernels();
  setFastWasmTile(path.fastTile);
  if (path.dnnl === undefined) return;
  setDnnlWeightsLayout(path.dnnl.layout);
  setDnnlThreads(path.dnnl.threads);
  registerDnnlKernels();
}

const wasmPath: Path = { name: "wasm", fastTile: false };
const dnnlPath = (layout: WeightsLayout, threads: DnnlThreads, fastTile = true): Path => ({
  name: `oneDNN ${layout} ${threads === "auto" ? "auto" : `${threads}T`}${
    fastTile ? "" : " (TF.js Tile)"
  }`,
  dnnl: { layout, threads },
  fastTile,
});
const CONV_PATHS: Path[] = [
  wasmPath,
  dnnlPath("blocked", defaultThreads),
  dnnlPath("blocked", 1),
  dnnlPath("hwio", defaultThreads),
];
const STEP_PATHS: Path[] = [
  wasmPath,
  { name: "wasm + fast Tile", fastTile: true },
  dnnlPath("blocked", defaultThreads, false),
  dnnlPath("blocked", defaultThreads),
  dnnlPath("blocked", 1),
];

interface ConvShape {
  label: string;
  size: number;
  inChannels: number;
  outChannels: number;
  stride: number;
}

/** The 3×3 convolutions of each ResNet-18 stage (first block: stride 2 from stage 2 on). */
function resnetConvs(model: string, input: number, inputChannels: number, widths: number[]) {
  const shapes: ConvShape[] = [{
    label: `${model} stem`,
    size: input,
    inChannels: inputChannels,
    outChannels: widths[0],
    stride: 1,
  }];
  let size = input;
  widths.forEach((width, stage) => {
    if (stage > 0) {
      shapes.push({
        label: `${model} stage ${stage + 1} down`,
        size,
        inChannels: widths[stage - 1],
        outChannels: width,
        stride: 2,
      });
      size = Math.ceil(size / 2);
    }
    shapes.push({
      label: `${model} stage ${stage + 1}`,
      size,
      inChannels: width,
      outChannels: width,
      stride: 1,
    });
  });
  return shapes;
}

const convShapes = [
  ...resnetConvs("×1/16", 28, 1, [4, 8, 16, 32]),
  ...resnetConvs("×1/4", 32, 3, [16, 32, 64, 128]),
];

function convRows(): string[][] {
  const rows: string[][] = [];
  for (const shape of convShapes) {
    const outSize = Math.ceil(shape.size / shape.stride);
    const flops = 2 * BATCH * outSize ** 2 * 9 * shape.inChannels * shape.outChannels;
    const x = tf.randomNormal([BATCH, shape.size, shape.size, shape.inChannels]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, shape.inChannels, shape.outChannels]) as tf.Tensor4D;
    const dy = tf.randomNormal([BATCH, outSize, outSize, shape.outChannels]) as tf.Tensor4D;
    const ops: Record<string, () => tf.Tensor> = {
      forward: () => tf.conv2d(x, w, shape.stride, "same"),
      "input grad": () => tf.conv2dTranspose(dy, w, x.shape, shape.stride, "same"),
      "filter grad": () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
          strides: shape.stride,
          pad: "same",
          dataFormat: "NHWC",
          filterShape: w.shape,
        }) as tf.Tensor,
    };
    for (const [op, make] of Object.entries(ops)) {
      const row = [
        shape.label,
        `${shape.size}²×${shape.inChannels}→${shape.outChannels}/${shape.stride}`,
        op,
      ];
      for (const path of CONV_PATHS) {
        usePath(path);
        const seconds = secondsPerCall(() => {
          const out = make();
          out.dataSync();
          out.dispose();
        });
        row.push((flops / seconds / 1e9).toFixed(1));
      }
      rows.push(row);
    }
    tf.dispose([x, w, dy]);
  }
  return rows;
}

/**
 * The models timed, with their input shape: ResNet-18 ×1/16 and the default LeNet-5 `cnn` on
 * 28×28×1, and with `--x4` ResNet-18 ×1/4 on 32×32×3 (slow on wasm: seconds per step).
 */
const MODELS: Record<string, { input: [number, number, number]; make: () => tfl.LayersModel }> = {
  "ResNet-18 ×1/16": {
    input: [28, 28, 1],
    make: () =>
      createResnet({ inputShape: [28, 28, 1], numClasses: 10, widthMultiplier: 1 / 16, seed: 1 }),
  },
  "LeNet-5 (cnn)": {
    input: [28, 28, 1],
    make: () => createCnn({ inputShape: [28, 28, 1], numClasses: 10, seed: 1 }),
  },
};
if (Deno.args.includes("--x4")) {
  MODELS["ResNet-18 ×1/4"] = {
    input: [32, 32, 3],
    make: () =>
      createResnet({ inputShape: [32, 32, 3], numClasses: 10, widthMultiplier: 1 / 4, seed: 1 }),
  };
}

function modelStep(
  modelName: string,
): { step: () => void; dispose: () => void } {
  const model = MODELS[modelName].make();
  const optimizer = tf.train.sgd(0.01);
  const x = tf.randomNormal([BATCH, ...MODELS[modelName].input]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32") as tf.Tensor1D, 10);
  const step = () => {
    const loss = optimizer.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(
          y,
          model.apply(x, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      true,
    );
    loss!.dataSync();
    loss!.dispose();
  };
  return {
    step,
    dispose: () => {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

console.log(
  `native_dnnl_bench: batch ${BATCH}, ${CORES} cores, ` +
    `oneDNN default threads ${defaultThreads} (OMP_NUM_THREADS=${
      Deno.env.get("OMP_NUM_THREADS") ?? "unset"
    }), ` +
    `OMP_WAIT_POLICY=${Deno.env.get("OMP_WAIT_POLICY") ?? "(unset)"}; ` +
    `median of 5 rounds ≥ ${ROUND_MS} ms, wall clock (noisy on a shared machine); ` +
    `nT = n oneDNN threads; every oneDNN row also uses the fast Tile unless marked\n`,
);
if (!STEP_ONLY) {
  console.log("Convolution throughput, GFLOP/s (3×3, 'same', batch 128)\n");
  console.log(table(["layer", "shape", "op", ...CONV_PATHS.map((p) => p.name)], convRows()));
}

const stepMs = new Map<string, number>();
for (const modelName of Object.keys(MODELS)) {
  console.log(
    `\n${modelName} SGD step (${MODELS[modelName].input.join("×")}, batch 128), images/s\n`,
  );
  const stepRows: string[][] = [];
  for (const path of STEP_PATHS) {
    usePath(path);
    const { step, dispose } = modelStep(modelName);
    const seconds = QUICK ? (step(), step(), timeOnce(step)) : secondsPerCall(step);
    stepMs.set(`${modelName}|${path.name}`, seconds * 1000);
    stepRows.push([path.name, (seconds * 1000).toFixed(0), (BATCH / seconds).toFixed(0)]);
    dispose();
  }
  console.log(table(["path", "ms/step", "images/s"], stepRows));
}

function timeOnce(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

/** Milliseconds per kernel name over one profiled step, largest first. */
async function profileStep(modelName: string, path: Path): Promise<Map<string, number>> {
  usePath(path);
  const { step, dispose } = modelStep(modelName);
  step();
  const profile = await tf.profile(step);
  dispose();
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
  }
  return byKernel;
}

const profiled = STEP_PATHS[3];
for (const modelName of Object.keys(MODELS)) {
  console.log(
    `\nPer-kernel time of one ${modelName} step (tf.profile, ms; profiling adds overhead)\n`,
  );
  const wasmProfile = await profileStep(modelName, wasmPath);
  const dnnlProfile = await profileStep(modelName, profiled);
  const names = [...new Set([...wasmProfile.keys(), ...dnnlProfile.keys()])].sort((a, b) =>
    (wasmProfile.get(b) ?? 0) - (wasmProfile.get(a) ?? 0)
  );
  const profileRows = names.slice(0, 16).map((name) => [
    name,
    (wasmProfile.get(name) ?? 0).toFixed(1),
    (dnnlProfile.get(name) ?? 0).toFixed(1),
  ]);
  const total = (p: Map<string, number>) => [...p.values()].reduce((a, b) => a + b, 0);
  profileRows.push(["(all kernels)", total(wasmProfile).toFixed(1), total(dnnlProfile).toFixed(1)]);
  profileRows.push([
    "(whole step, unprofiled)",
    stepMs.get(`${modelName}|${wasmPath.name}`)!.toFixed(1),
    stepMs.get(`${modelName}|${profiled.name}`)!.toFixed(1),
  ]);
  console.log(table(["kernel", "wasm", profiled.name], profileRows));
}

console.log("\noneDNN implementations used:");
for (const [kind, impls] of dnnlConvImplementations()) {
  console.log(`  ${kind}: ${[...impls].join(", ")}`);
}
unregisterDnnlKernels();

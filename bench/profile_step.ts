/**
 * Where one training step spends its time, per kernel and per kind of work:
 *
 * `deno run -A bench/profile_step.ts [--backend wasm] [--model resnet16|resnet4|cnn|mlp]
 * [--optimizer sgd|sam|trace-sam|frob-sam|det-sam|...] [--steps 20] [--profile-steps 5]
 * [--batch-norm js|onednn|composite] [--fused on|off]` (`USAM_NATIVE_THREADS=N` for the native path's threads)
 *
 * Kernel times come from `tf.profile` (the backend's own timer around each kernel). Each kernel is
 * attributed to the layer that ran it: forward kernels by wrapping every layer's `call`, backward
 * kernels by wrapping the gradient function of each tape node that layer recorded. Kernels of no
 * layer are the loss, the autograd's gradient accumulation (a tensor used twice, as in a residual
 * block, gets its gradients summed) and the optimizer's update. What is left of the unprofiled
 * step's wall time after all kernels is TF.js's own JavaScript: layers, tape, engine bookkeeping.
 * Kernel times are the mean over `--profile-steps` profiled steps (one profiled step on a shared
 * machine is one sample of its load), the wall time the median of `--steps` unprofiled steps.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { parseArgs } from "node:util";
import { initBackend } from "../src/backends/mod.ts";
import { createModel } from "../src/models/mod.ts";
import { createOptimizer } from "../src/optimizers/mod.ts";
import { Random } from "../src/math/random.ts";
import { setFusedBatchNorm } from "../src/backends/batch_norm_train.ts";
import { setDnnlBatchNorm } from "../src/backends/native_dnnl_batch_norm.ts";
import {
  setFusedSoftmaxCrossEntropy,
  softmaxCrossEntropyMean,
} from "../src/backends/native_softmax_cross_entropy.ts";
import { setFusedReluGrad } from "../src/backends/native_relu_grad.ts";
import { setFusedAdam } from "../src/backends/native_adam.ts";
import { setFusedDense } from "../src/backends/native_dense.ts";

interface EngineInternals {
  state: {
    activeTape: { id: number; gradient?: (...args: unknown[]) => unknown }[] | null;
    activeProfile: { kernels: { name: string }[] };
    profiling: boolean;
  };
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "wasm" },
    model: { type: "string", default: "resnet16" },
    optimizer: { type: "string", default: "sgd" },
    steps: { type: "string", default: "20" },
    "profile-steps": { type: "string", default: "5" },
    "batch-norm": { type: "string", default: "js" },
    fused: { type: "string", default: "on" },
  },
});
// --fused off: the loss, the dense layer, the ReLU gradient and Adam as TF.js's op chains (the A/B of those kernels).
if (values.fused !== "on" && values.fused !== "off") {
  throw new RangeError(`profile_step: --fused must be on or off, got ${values.fused}`);
}
setFusedSoftmaxCrossEntropy(values.fused === "on");
setFusedReluGrad(values.fused === "on");
setFusedAdam(values.fused === "on");
setFusedDense(values.fused === "on");
const MODELS: Record<string, () => tfl.LayersModel> = {
  resnet16: () =>
    createModel("resnet", { inputShape: [28, 28, 1], numClasses: 10, widthMultiplier: 1 / 16 }),
  resnet4: () =>
    createModel("resnet", { inputShape: [32, 32, 3], numClasses: 10, widthMultiplier: 1 / 4 }),
  cnn: () => createModel("cnn", { inputShape: [28, 28, 1], numClasses: 10 }),
  mlp: () => createModel("mlp", { inputShape: [28, 28, 1], numClasses: 10 }),
};
if (!Object.hasOwn(MODELS, values.model)) {
  throw new RangeError(
    `profile_step: --model must be one of ${Object.keys(MODELS).join(", ")}, got ${values.model}`,
  );
}
// Which training batch norm runs: oneDNN's (native only), the fused JavaScript kernels, or TF.js's
// composite ops (tf.moments + FusedBatchNorm, what tfjs-layers' BatchNormalization runs).
const batchNormMode = values["batch-norm"];
if (batchNormMode !== "onednn" && batchNormMode !== "js" && batchNormMode !== "composite") {
  throw new RangeError(
    `profile_step: --batch-norm must be onednn, js or composite, got ${batchNormMode}`,
  );
}
setDnnlBatchNorm(batchNormMode === "onednn");
setFusedBatchNorm(batchNormMode !== "composite");
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  throw new RangeError(`profile_step: --steps must be a positive integer, got ${values.steps}`);
}
const profileSteps = Number(values["profile-steps"]);
if (!Number.isInteger(profileSteps) || profileSteps < 1) {
  throw new RangeError(
    `profile_step: --profile-steps must be a positive integer, got ${values["profile-steps"]}`,
  );
}
const choice = await initBackend(values.backend as "wasm");
const model = MODELS[values.model]();
const inputShape = model.inputs[0].shape.slice(1) as number[];
const batch = 128;
const rng = new Random(0);
const xs = tf.tensor(
  Float32Array.from(rng.gaussianVector(batch * inputShape.reduce((a, b) => a * b, 1))),
  [batch, ...inputShape],
);
const ys = tf.tidy(() =>
  tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, () => rng.integer(10)), "int32"), 10)
);
const optimizer = createOptimizer(values.optimizer, { lr: 1e-3 });
const engine = tf.engine() as unknown as EngineInternals;

/** Kernel index ranges (into the active profile) attributed to a label, and their phase. */
const ranges: { label: string; phase: "forward" | "backward"; from: number; to: number }[] = [];
const kernelCount = () => engine.state.profiling ? engine.state.activeProfile.kernels.length : 0;

function categoryOf(layer: tfl.layers.Layer): string {
  const name = layer.getClassName();
  if (name === "Conv2D") return "convolution";
  if (name === "BatchNormalization" || name === "FusedBatchNormalization") return "batch norm";
  if (name === "Dense") return "dense";
  if (name === "MaxPooling2D" || name === "GlobalAveragePooling2D") return "pooling";
  if (name === "Flatten") return "reshape";
  return `element-wise (${name})`;
}

const tapeLabels = new Map<number, string>();
for (const layer of model.layers) {
  const original = layer.call.bind(layer);
  const label = categoryOf(layer);
  layer.call = (inputs, kwargs) => {
    const tapeBefore = engine.state.activeTape?.length ?? 0;
    const from = kernelCount();
    const result = original(inputs, kwargs);
    ranges.push({ label, phase: "forward", from, to: kernelCount() });
    const tape = engine.state.activeTape;
    if (tape !== null) {
      for (let i = tapeBefore; i < tape.length; i++) tapeLabels.set(tape[i].id, label);
    }
    return result;
  };
}

const loss = () =>
  tf.tidy(() => {
    const logits = model.apply(xs, { training: true }) as tf.Tensor;
    const from = kernelCount();
    // The training loss of train.ts (one fused kernel on native unless --fused off).
    const value = softmaxCrossEntropyMean(ys, logits);
    ranges.push({ label: "loss", phase: "forward", from, to: kernelCount() });
    // Every tape node exists now: wrap each gradient so its kernels are attributed on the way back.
    for (const node of engine.state.activeTape ?? []) {
      const gradient = node.gradient;
      if (gradient === undefined) continue;
      const label = tapeLabels.get(node.id) ?? "loss";
      // A gradient function returns one thunk per input; the engine calls each thunk later,
      // and that is when its kernels run.
      node.gradient = (...args: unknown[]) => {
        const start = kernelCount();
        const thunks = gradient(...args) as Record<string, () => unknown>;
        ranges.push({ label, phase: "backward", from: start, to: kernelCount() });
        const wrapped: Record<string, () => unknown> = {};
        for (const [input, thunk] of Object.entries(thunks)) {
          wrapped[input] = () => {
            const from = kernelCount();
            const dx = thunk();
            ranges.push({ label, phase: "backward", from, to: kernelCount() });
            return dx;
          };
        }
        return wrapped;
      };
    }
    return value;
  });

const step = () => {
  const cost = optimizer.minimize(loss, true);
  cost?.dataSync();
  cost?.dispose();
};

for (let i = 0; i < 2; i++) step();
const wall: number[] = [];
for (let i = 0; i < steps; i++) {
  const start = performance.now();
  step();
  wall.push(performance.now() - start);
}
wall.sort((a, b) => a - b);
const wallMs = wall[wall.length >> 1];

tf.env().set("CHECK_COMPUTATION_FOR_ERRORS", false);
const byCategory = new Map<
  string,
  { forward: number; backward: number; update: number; n: number }
>();
const byKernel = new Map<string, { ms: number; n: number }>();
let kernelTotal = 0;
let kernelCalls = 0;
for (let s = 0; s < profileSteps; s++) {
  ranges.length = 0;
  const profile = await tf.profile(() => step());
  // An op with a custom gradient (e.g. `fusedConv2d__op`, or a `tf.customGrad`, profiled under
  // its scope's name) is profiled as one more "kernel" around the kernels it runs, which are listed too:
  // counting its time would count theirs twice.
  const kernels = profile.kernels.map((k) => ({
    name: k.name,
    ms: isWrapper(k.name) ? 0 : (k.kernelTimeMs as number) / profileSteps,
  }));
  kernelCalls += kernels.length / profileSteps;
  const label = new Array<string>(kernels.length).fill("");
  const phase = new Array<string>(kernels.length).fill("");
  // Innermost first: a gradient function's range lies inside no other, a layer's forward range
  // inside none either; the first range that claims a kernel keeps it.
  for (const r of ranges) {
    for (let i = r.from; i < r.to; i++) {
      if (label[i] === "") {
        label[i] = r.label;
        phase[i] = r.phase;
      }
    }
  }
  // Unclaimed kernels: before the first backward range they are forward bookkeeping, between
  // backward ranges the autograd's accumulation, after the last the optimizer's update (for the
  // SAM family the last pass's: earlier passes' unclaimed kernels, the perturbation and the
  // restores, count as accumulation).
  const lastBackward = Math.max(...ranges.filter((r) => r.phase === "backward").map((r) => r.to));
  for (let i = 0; i < kernels.length; i++) {
    if (label[i] !== "") continue;
    if (i >= lastBackward) [label[i], phase[i]] = ["optimizer update", "update"];
    else [label[i], phase[i]] = ["autograd accumulation, perturbation", "backward"];
  }
  kernels.forEach((k, i) => {
    kernelTotal += k.ms;
    const c = byCategory.get(label[i]) ?? { forward: 0, backward: 0, update: 0, n: 0 };
    c[phase[i] as "forward" | "backward" | "update"] += k.ms;
    c.n += 1 / profileSteps;
    byCategory.set(label[i], c);
    const entry = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    entry.ms += k.ms;
    entry.n += 1 / profileSteps;
    byKernel.set(k.name, entry);
  });
}

const pct = (ms: number) => `${(100 * ms / wallMs).toFixed(1)}%`;
const lines = [
  `${values.model}, ${values.optimizer}, batch ${batch}, backend ${choice.description}`,
  `median step ${wallMs.toFixed(1)} ms over ${steps} unprofiled steps; ${kernelCalls.toFixed(0)} ` +
  `kernels per profiled step, ${
    kernelTotal.toFixed(1)
  } ms inside kernels (mean of ${profileSteps})`,
  "",
  "| work | forward ms | backward ms | update ms | kernels | share of the step |",
  "|---|---|---|---|---|---|",
];
for (const [name, c] of [...byCategory].sort((a, b) => total(b[1]) - total(a[1]))) {
  lines.push(
    `| ${name} | ${c.forward.toFixed(1)} | ${c.backward.toFixed(1)} | ${c.update.toFixed(1)} | ${
      c.n.toFixed(0)
    } | ${pct(total(c))} |`,
  );
}
const overhead = wallMs - kernelTotal;
// Of that, the engine's cost of dispatching a kernel at all: a 1-element Add outside any tape,
// its wall time less its own kernel time, times the step's kernel count.
const dispatchUs = dispatchMicroseconds();
const dispatchMs = dispatchUs * kernelCalls / 1000;
lines.push(
  `| TF.js JavaScript outside kernels (layers, tape, engine) | | | | | ${pct(overhead)} (${
    overhead.toFixed(1)
  } ms) |`,
  `| of which kernel dispatch (${kernelCalls.toFixed(0)} × ${
    dispatchUs.toFixed(1)
  } µs, a 1-element Add's) | | | | | ${pct(dispatchMs)} (${dispatchMs.toFixed(1)} ms) |`,
);
lines.push("", "| kernel | calls | ms | share of the step |", "|---|---|---|---|");
for (const [name, k] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 16)) {
  if (isWrapper(name)) continue;
  lines.push(`| ${name} | ${k.n.toFixed(0)} | ${k.ms.toFixed(2)} | ${pct(k.ms)} |`);
}
console.log(lines.join("\n"));

/**
 * Median cost of one kernel call when the kernel has next to nothing to do (a 1-element Add in a
 * tidy, no tape), in µs: what the engine, the kernel table and the backend's bookkeeping cost per
 * call.
 */
function dispatchMicroseconds(): number {
  const a = tf.scalar(1);
  const b = tf.scalar(2);
  const rounds: number[] = [];
  for (let r = 0; r < 9; r++) {
    const start = performance.now();
    tf.tidy(() => {
      for (let i = 0; i < 500; i++) tf.add(a, b);
    });
    rounds.push((performance.now() - start) * 1000 / 500);
  }
  tf.dispose([a, b]);
  rounds.sort((x, y) => x - y);
  return rounds[rounds.length >> 1];
}

function total(c: { forward: number; backward: number; update: number }): number {
  return c.forward + c.backward + c.update;
}

/** Not a kernel of the backend: an op's or a customGrad's wrapper, named after its scope. */
function isWrapper(name: string): boolean {
  return name.endsWith("__op") || tf.getKernel(name, tf.getBackend()) === undefined;
}

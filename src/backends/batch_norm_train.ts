/**
 * Batch normalization for training as one kernel forward and one kernel backward, instead of the
 * ~80 element-wise kernels per layer and step that tfjs-layers' `BatchNormalization` runs in
 * training mode (`tf.moments` + `FusedBatchNorm` and the autograd of both: 67% of a ResNet-18 ×1/16
 * SGD step on the native backend, bench/profile_step.ts).
 *
 * - `UsamBatchNormTrain` (inputs `x`, `scale`, `offset`; attribute `epsilon`; outputs `y`, `mean`,
 *   `variance`): per-channel mean and biased variance of `x` over every axis but the last (NHWC:
 *   over N, H, W), and `y = scale·(x − mean)/√(variance + ε) + offset`.
 * - `UsamBatchNormTrainGrad` (inputs `dy`, `x`, `scale`, `mean`, `variance`; attribute `epsilon`;
 *   outputs `dx`, `dscale`, `doffset`): the closed form in one pass over the data, with
 *   `x̂ = (x − mean)/σ`, `doffset = Σ dy`, `dscale = Σ dy·x̂`,
 *   `dx = scale/σ · (dy − doffset/M − x̂·dscale/M)` (M = elements per channel).
 *
 * Both are plain loops over the float32 data with float64 accumulators (JavaScript numbers), for
 * the `cpu` backend (its value arrays) and the `wasm` backend (views into the heap, so `native`,
 * which copies wasm's kernel table, gets them too). The sums run in a fixed order, so repeated
 * calls give the same bits. Backends without the kernels (webgpu) get the composite ops
 * (`tf.moments` + `tf.batchNorm`) from {@link batchNormTrain}.
 *
 * The `mean` and `variance` outputs are statistics (they feed the moving averages) and are treated
 * as constants by the gradient: a loss that depends on them directly gets no gradient through them.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import { asWasmBackend, heapFloat32 } from "./wasm_internals.ts";

/** The forward kernel's name. */
export const BATCH_NORM_TRAIN = "UsamBatchNormTrain";
/** The backward kernel's name. */
export const BATCH_NORM_TRAIN_GRAD = "UsamBatchNormTrainGrad";

/**
 * The forward pass on plain arrays: writes `y` and returns nothing; `mean` and `variance` (length
 * `channels`) receive the batch statistics (biased variance). `x` holds `x.length / channels` rows
 * of `channels` values (the last axis is the channel).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchNormTrainForward } from "./batch_norm_train.ts";
 * const x = Float32Array.of(1, 10, 3, 30); // two rows, two channels
 * const y = new Float32Array(4), mean = new Float32Array(2), variance = new Float32Array(2);
 * batchNormTrainForward(x, Float32Array.of(1, 2), Float32Array.of(0, 5), 0, 2, y, mean, variance);
 * assert.deepEqual(Array.from(mean), [2, 20]);
 * assert.deepEqual(Array.from(variance), [1, 100]);
 * assert.deepEqual(Array.from(y), [-1, 3, 1, 7]);
 * ```
 */
export function batchNormTrainForward(
  x: Float32Array,
  scale: Float32Array,
  offset: Float32Array,
  epsilon: number,
  channels: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const size = x.length;
  const rows = size / channels;
  const sum = new Float64Array(channels);
  for (let base = 0; base < size; base += channels) {
    for (let c = 0; c < channels; c++) sum[c] += x[base + c];
  }
  const mu = new Float64Array(channels);
  for (let c = 0; c < channels; c++) mu[c] = sum[c] / rows;
  // Two passes (sum of squared deviations from the mean), not E[x²] − E[x]²: no cancellation.
  const squares = new Float64Array(channels);
  for (let base = 0; base < size; base += channels) {
    for (let c = 0; c < channels; c++) {
      const d = x[base + c] - mu[c];
      squares[c] += d * d;
    }
  }
  const a = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const v = squares[c] / rows;
    mean[c] = mu[c];
    variance[c] = v;
    a[c] = scale[c] / Math.sqrt(v + epsilon);
  }
  for (let base = 0; base < size; base += channels) {
    for (let c = 0; c < channels; c++) y[base + c] = (x[base + c] - mu[c]) * a[c] + offset[c];
  }
}

/**
 * The backward pass on plain arrays: writes `dx` (like `x`), `dscale` and `doffset` (length
 * `channels`) from the upstream gradient `dy` and the forward pass's inputs and statistics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchNormTrainBackward } from "./batch_norm_train.ts";
 * // One channel, x = [-1, 1] (mean 0, variance 1), dy = [1, 1]: a constant shift of y, so dx = 0.
 * const dx = new Float32Array(2), dscale = new Float32Array(1), doffset = new Float32Array(1);
 * batchNormTrainBackward(
 *   Float32Array.of(1, 1), Float32Array.of(-1, 1), Float32Array.of(3), Float32Array.of(0),
 *   Float32Array.of(1), 0, 1, dx, dscale, doffset,
 * );
 * assert.deepEqual(Array.from(dx), [0, 0]);
 * assert.deepEqual([dscale[0], doffset[0]], [0, 2]);
 * ```
 */
export function batchNormTrainBackward(
  dy: Float32Array,
  x: Float32Array,
  scale: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
  channels: number,
  dx: Float32Array,
  dscale: Float32Array,
  doffset: Float32Array,
): void {
  const size = x.length;
  const rows = size / channels;
  const invStd = new Float64Array(channels);
  for (let c = 0; c < channels; c++) invStd[c] = 1 / Math.sqrt(variance[c] + epsilon);
  const sumDy = new Float64Array(channels);
  const sumDyXhat = new Float64Array(channels);
  for (let base = 0; base < size; base += channels) {
    for (let c = 0; c < channels; c++) {
      const g = dy[base + c];
      sumDy[c] += g;
      sumDyXhat[c] += g * (x[base + c] - mean[c]) * invStd[c];
    }
  }
  const k = new Float64Array(channels);
  const meanDy = new Float64Array(channels);
  const meanDyXhat = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    k[c] = scale[c] * invStd[c];
    meanDy[c] = sumDy[c] / rows;
    meanDyXhat[c] = sumDyXhat[c] / rows;
    dscale[c] = sumDyXhat[c];
    doffset[c] = sumDy[c];
  }
  for (let base = 0; base < size; base += channels) {
    for (let c = 0; c < channels; c++) {
      const xhat = (x[base + c] - mean[c]) * invStd[c];
      dx[base + c] = k[c] * (dy[base + c] - meanDy[c] - xhat * meanDyXhat[c]);
    }
  }
}

/** Checks the kernel inputs; returns the channel count. */
function channelsOf(kernel: string, x: TensorInfo, perChannel: TensorInfo[]): number {
  if (x.dtype !== "float32") {
    throw new TypeError(`${kernel}: x must be float32, got ${x.dtype}`);
  }
  if (x.shape.length < 1) throw new RangeError(`${kernel}: x must have rank >= 1, got a scalar`);
  const channels = x.shape[x.shape.length - 1];
  for (const t of perChannel) {
    if (t.dtype !== "float32" || t.shape.length !== 1 || t.shape[0] !== channels) {
      throw new RangeError(
        `${kernel}: per-channel inputs must be float32 of shape [${channels}], got ${t.dtype} ` +
          `[${t.shape}]`,
      );
    }
  }
  return channels;
}

/** How a kernel reads its inputs and allocates its outputs on one backend. */
interface Storage {
  /** Allocates float32 outputs of these shapes. */
  allocate(shapes: number[][]): TensorInfo[];
  /** Float32 views of these tensors, taken after every allocation. */
  views(infos: TensorInfo[]): Float32Array[];
}

/** The cpu backend: values arrays (outputs are filled in place before anything reads them). */
function cpuStorage(backend: unknown): Storage {
  const cpu = backend as {
    data: { get(id: object): { values: Float32Array } };
    makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): TensorInfo;
  };
  return {
    allocate: (shapes) =>
      shapes.map((s) =>
        cpu.makeTensorInfo(s, "float32", new Float32Array(s.reduce((p, d) => p * d, 1)))
      ),
    views: (infos) => infos.map((t) => cpu.data.get(t.dataId).values),
  };
}

/** The wasm backend (and `native`, the same instance): views into the heap. */
function wasmStorage(backend: unknown): Storage {
  const wasm = asWasmBackend(backend);
  return {
    allocate: (shapes) => shapes.map((s) => wasm.makeOutput(s, "float32")),
    views: (infos) => infos.map((t) => heapFloat32(wasm, t)),
  };
}

function forwardKernel(storage: (backend: unknown) => Storage): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x, scale, offset } = inputs as { x: TensorInfo; scale: TensorInfo; offset: TensorInfo };
    const { epsilon } = attrs as unknown as { epsilon: number };
    const channels = channelsOf(BATCH_NORM_TRAIN, x, [scale, offset]);
    const s = storage(backend);
    const outputs = s.allocate([x.shape.slice(), [channels], [channels]]);
    if (x.shape.reduce((p, d) => p * d, 1) === 0) return outputs;
    const [xv, sv, ov, y, mean, variance] = s.views([x, scale, offset, ...outputs]);
    batchNormTrainForward(xv, sv, ov, epsilon, channels, y, mean, variance);
    return outputs;
  };
}

function backwardKernel(storage: (backend: unknown) => Storage): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, x, scale, mean, variance } = inputs as Record<string, TensorInfo>;
    const { epsilon } = attrs as unknown as { epsilon: number };
    const channels = channelsOf(BATCH_NORM_TRAIN_GRAD, x, [scale, mean, variance]);
    if (dy.dtype !== "float32" || !tf.util.arraysEqual(dy.shape, x.shape)) {
      throw new RangeError(
        `${BATCH_NORM_TRAIN_GRAD}: dy must be float32 of x's shape [${x.shape}], got ${dy.dtype} ` +
          `[${dy.shape}]`,
      );
    }
    const s = storage(backend);
    const outputs = s.allocate([x.shape.slice(), [channels], [channels]]);
    if (x.shape.reduce((p, d) => p * d, 1) === 0) return outputs;
    const [dyv, xv, sv, mv, vv, dx, dscale, doffset] = s.views([
      dy,
      x,
      scale,
      mean,
      variance,
      ...outputs,
    ]);
    batchNormTrainBackward(dyv, xv, sv, mv, vv, epsilon, channels, dx, dscale, doffset);
    return outputs;
  };
}

const STORAGE: Record<string, (backend: unknown) => Storage> = {
  cpu: cpuStorage,
  wasm: wasmStorage,
  native: wasmStorage,
};

let gradientRegistered = false;

/**
 * Registers both kernels for `backendName` (`cpu`, `wasm` or `native`; the latter two share the
 * wasm heap) and the gradient of the forward kernel. Idempotent; returns whether it registered
 * anything. Note: `native` copies wasm's kernel table when it starts, so registering for `wasm`
 * before that is enough.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { registerBatchNormTrainKernels } from "./batch_norm_train.ts";
 * registerBatchNormTrainKernels("cpu");
registerBatchNormTrainKernels("wasm");
// `native` copies wasm's table when it starts; when it already has, it gets the kernels here.
if (tf.getKernel("Tile", "native") !== undefined) registerBatchNormTrainKernels("native");
 * assert.equal(registerBatchNormTrainKernels("cpu"), false);
 * assert.ok(tf.getKernel("UsamBatchNormTrain", "cpu") !== undefined);
 * ```
 */
export function registerBatchNormTrainKernels(backendName: string): boolean {
  const storage = STORAGE[backendName];
  if (storage === undefined) {
    throw new RangeError(
      `registerBatchNormTrainKernels: backendName must be one of ${
        Object.keys(STORAGE).join(", ")
      }, got ${backendName}`,
    );
  }
  if (!gradientRegistered) {
    gradientRegistered = true;
    tf.registerGradient({
      kernelName: BATCH_NORM_TRAIN,
      inputsToSave: ["x", "scale"],
      outputsToSave: [false, true, true],
      gradFunc: (dys, saved, attrs) => {
        const [x, scale, mean, variance] = saved;
        const dy = Array.isArray(dys) ? dys[0] : dys;
        // All three gradients come from one kernel call, made here rather than in the thunks:
        // TF.js runs each thunk in its own tidy, which would dispose the other two outputs.
        const [dx, dscale, doffset] = tf.engine().runKernel(
          BATCH_NORM_TRAIN_GRAD,
          { dy, x, scale, mean, variance },
          attrs as NamedAttrMap,
        ) as tf.Tensor[];
        return { x: () => dx, scale: () => dscale, offset: () => doffset };
      },
    });
  }
  if (tf.getKernel(BATCH_NORM_TRAIN, backendName) !== undefined) return false;
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN,
    backendName,
    kernelFunc: forwardKernel(storage),
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN_GRAD,
    backendName,
    kernelFunc: backwardKernel(storage),
  });
  return true;
}

/** The result of {@link batchNormTrain}. */
export interface BatchNormTrainResult {
  /** The normalized, scaled and shifted input. */
  y: tf.Tensor;
  /** Per-channel batch mean, shape `[C]`. */
  mean: tf.Tensor1D;
  /** Per-channel biased batch variance (divided by M, not M − 1), shape `[C]`. */
  variance: tf.Tensor1D;
}

/**
 * Batch normalization in training mode over every axis but the last: `y`, and the batch `mean`
 * and (biased) `variance` of each channel. Differentiable in `x`, `scale` and `offset` (one fused
 * backward kernel); the statistics are constants to the gradient. On a backend without the fused
 * kernels (webgpu), runs TF.js's composite ops, as tfjs-layers does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { batchNormTrain } from "./batch_norm_train.ts";
 * await tf.setBackend("cpu");
 * const x = tf.tensor2d([[1, 10], [3, 30]]);
 * const { y, mean, variance } = batchNormTrain(x, tf.tensor1d([1, 1]), tf.tensor1d([0, 0]), 0);
 * assert.deepEqual(Array.from(y.dataSync()), [-1, -1, 1, 1]);
 * assert.deepEqual(Array.from(mean.dataSync()), [2, 20]);
 * assert.deepEqual(Array.from(variance.dataSync()), [1, 100]);
 * ```
 */
export function batchNormTrain(
  x: tf.Tensor,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
): BatchNormTrainResult {
  if (!(typeof epsilon === "number" && epsilon >= 0 && Number.isFinite(epsilon))) {
    throw new RangeError(`batchNormTrain: epsilon must be a finite number >= 0, got ${epsilon}`);
  }
  if (x.rank < 1) throw new RangeError(`batchNormTrain: x must have rank >= 1, got a scalar`);
  const channels = x.shape[x.rank - 1];
  if (
    !tf.util.arraysEqual(scale.shape, [channels]) || !tf.util.arraysEqual(offset.shape, [channels])
  ) {
    throw new RangeError(
      `batchNormTrain: scale and offset must have shape [${channels}], got [${scale.shape}] and ` +
        `[${offset.shape}]`,
    );
  }
  const backendName = tf.getBackend();
  if (
    fusedEnabled && x.dtype === "float32" &&
    tf.getKernel(BATCH_NORM_TRAIN, backendName) !== undefined
  ) {
    const [y, mean, variance] = tf.engine().runKernel(
      BATCH_NORM_TRAIN,
      { x, scale, offset },
      { epsilon },
    ) as tf.Tensor[];
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, offset, scale, epsilon);
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  });
}

let fusedEnabled = true;

/**
 * Switches the fused kernels of {@link batchNormTrain} off (composite ops everywhere) or back on,
 * for before/after measurements and reference comparisons. Returns the previous setting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setFusedBatchNorm } from "./batch_norm_train.ts";
 * const previous = setFusedBatchNorm(false);
 * assert.equal(setFusedBatchNorm(previous), false);
 * ```
 */
export function setFusedBatchNorm(enabled: boolean): boolean {
  if (typeof enabled !== "boolean") {
    throw new TypeError(`setFusedBatchNorm: enabled must be a boolean, got ${enabled}`);
  }
  const previous = fusedEnabled;
  fusedEnabled = enabled;
  return previous;
}

registerBatchNormTrainKernels("cpu");
registerBatchNormTrainKernels("wasm");
// `native` copies wasm's table when it starts; when it already has, it gets the kernels here.
if (tf.getKernel("Tile", "native") !== undefined) registerBatchNormTrainKernels("native");

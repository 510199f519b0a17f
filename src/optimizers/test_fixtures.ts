/**
 * Small models for the optimizer tests, each twice: as TF.js variables with a loss closure, and
 * as a plain Float64 loss with its analytic gradient on the flattened parameters (row-major, in
 * variable order), so the Float64 reference steps can be run on exactly the weights TF.js holds.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";

/** A small softmax-cross-entropy problem in both worlds. */
export interface TinyProblem {
  /** The TF.js variables, in flattening order. */
  variables: tf.Variable[];
  /** The mean cross-entropy as a TF.js scalar (call inside `minimize`). */
  loss: () => tf.Scalar;
  /** The same loss in Float64 on the flattened parameters. */
  loss64(x: Float64Array): number;
  /** Its analytic gradient. */
  grad64(x: Float64Array): Float64Array;
  /** The current TF.js weights, flattened, as Float64. */
  read(): Float64Array;
  /** Disposes the variables and the data tensors. */
  dispose(): void;
}

/** Sizes of the problems. */
export interface TinyOptions {
  batch?: number;
  inputs?: number;
  classes?: number;
  hidden?: number;
  seed?: number;
}

interface Layer {
  weights: Float64Array; // inputs × outputs, row-major
  bias: Float64Array;
  inputs: number;
  outputs: number;
}

/**
 * Logistic (softmax) regression, `hidden` ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import { logisticRegression } from "./test_fixtures.ts";
 * const problem = logisticRegression({ seed: 1 });
 * assert.ok(problem.grad64(problem.read()).length === problem.read().length);
 * problem.dispose();
 * ```
 */
export function logisticRegression(options: TinyOptions = {}): TinyProblem {
  return tinyNetwork(options, false);
}

/**
 * A two-layer tanh MLP (tanh keeps the loss smooth, so the finite-difference checks and the
 * reference's Taylor arguments hold).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import { twoLayerMlp } from "./test_fixtures.ts";
 * const problem = twoLayerMlp({ seed: 1, hidden: 4 });
 * assert.ok(problem.variables.length === 4);
 * problem.dispose();
 * ```
 */
export function twoLayerMlp(options: TinyOptions = {}): TinyProblem {
  return tinyNetwork(options, true);
}

function tinyNetwork(options: TinyOptions, hiddenLayer: boolean): TinyProblem {
  const batch = options.batch ?? 8;
  const inputs = options.inputs ?? 5;
  const classes = options.classes ?? 3;
  const hidden = options.hidden ?? 6;
  const rng = new Random(options.seed ?? 0);
  const xs = Float32Array.from(rng.gaussianVector(batch * inputs));
  const labels = Int32Array.from({ length: batch }, () => rng.integer(classes));
  const shapes: [number, number][] = hiddenLayer ? [[inputs, hidden], [hidden, classes]] : [[
    inputs,
    classes,
  ]];
  const variables: tf.Variable[] = [];
  for (const [fanIn, fanOut] of shapes) {
    const scale = 1 / Math.sqrt(fanIn);
    variables.push(
      tf.variable(
        tf.tensor2d(Float32Array.from(rng.gaussianVector(fanIn * fanOut), (v) => v * scale), [
          fanIn,
          fanOut,
        ]),
      ),
      tf.variable(tf.tensor1d(Float32Array.from(rng.gaussianVector(fanOut), (v) => 0.1 * v))),
    );
  }
  const xTensor = tf.tensor2d(xs, [batch, inputs]);
  const oneHot = tf.oneHot(tf.tensor1d(labels, "int32"), classes);

  const loss = () =>
    tf.tidy(() => {
      let activation: tf.Tensor2D = xTensor;
      for (let l = 0; l < shapes.length; l++) {
        const z = tf.add(
          tf.matMul(activation, variables[2 * l] as tf.Tensor2D),
          variables[2 * l + 1],
        );
        activation = (l < shapes.length - 1 ? tf.tanh(z) : z) as tf.Tensor2D;
      }
      const perExample = tf.sub(
        tf.logSumExp(activation, 1),
        tf.sum(tf.mul(oneHot, activation), 1),
      );
      return tf.mean(perExample) as tf.Scalar;
    });

  const unpack = (x: Float64Array): Layer[] => {
    const layers: Layer[] = [];
    let offset = 0;
    for (const [fanIn, fanOut] of shapes) {
      const weights = x.subarray(offset, offset + fanIn * fanOut);
      offset += fanIn * fanOut;
      const bias = x.subarray(offset, offset + fanOut);
      offset += fanOut;
      layers.push({ weights, bias, inputs: fanIn, outputs: fanOut });
    }
    return layers;
  };

  // Forward pass in Float64; returns the activations per layer (input first) and the loss.
  const forward = (layers: Layer[]) => {
    const activations: Float64Array[] = [Float64Array.from(xs)];
    for (let l = 0; l < layers.length; l++) {
      const { weights, bias, inputs: n, outputs: m } = layers[l];
      const input = activations[l];
      const out = new Float64Array(batch * m);
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < m; j++) {
          let z = bias[j];
          for (let i = 0; i < n; i++) z += input[b * n + i] * weights[i * m + j];
          out[b * m + j] = l < layers.length - 1 ? Math.tanh(z) : z;
        }
      }
      activations.push(out);
    }
    const logits = activations[activations.length - 1];
    const probabilities = new Float64Array(batch * classes);
    let total = 0;
    for (let b = 0; b < batch; b++) {
      let top = -Infinity;
      for (let k = 0; k < classes; k++) top = Math.max(top, logits[b * classes + k]);
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += Math.exp(logits[b * classes + k] - top);
      const logSum = top + Math.log(sum);
      total += logSum - logits[b * classes + labels[b]];
      for (let k = 0; k < classes; k++) {
        probabilities[b * classes + k] = Math.exp(logits[b * classes + k] - logSum);
      }
    }
    return { activations, probabilities, loss: total / batch };
  };

  const loss64 = (x: Float64Array) => forward(unpack(x)).loss;

  const grad64 = (x: Float64Array) => {
    const layers = unpack(x);
    const { activations, probabilities } = forward(layers);
    const gradient = new Float64Array(x.length);
    const parts = unpack(gradient);
    // dLoss/dlogits = (p - onehot)/batch, then back through the layers.
    let upstream = new Float64Array(batch * classes);
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < classes; k++) {
        upstream[b * classes + k] = (probabilities[b * classes + k] -
          (k === labels[b] ? 1 : 0)) / batch;
      }
    }
    for (let l = layers.length - 1; l >= 0; l--) {
      const { weights, inputs: n, outputs: m } = layers[l];
      const input = activations[l];
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < m; j++) {
          const u = upstream[b * m + j];
          parts[l].bias[j] += u;
          for (let i = 0; i < n; i++) parts[l].weights[i * m + j] += input[b * n + i] * u;
        }
      }
      if (l > 0) {
        const below = new Float64Array(batch * n);
        for (let b = 0; b < batch; b++) {
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let j = 0; j < m; j++) s += weights[i * m + j] * upstream[b * m + j];
            const a = input[b * n + i]; // tanh output
            below[b * n + i] = s * (1 - a * a);
          }
        }
        upstream = below;
      }
    }
    return gradient;
  };

  return {
    variables,
    loss,
    loss64,
    grad64,
    read: () => flatten(variables),
    dispose: () => tf.dispose([...variables, xTensor, oneHot]),
  };
}

/**
 * The variables' values, concatenated in order, as Float64.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { flatten } from "./test_fixtures.ts";
 * const a = tf.variable(tf.tensor1d([1, 2]));
 * assert.ok(flatten([a]).length === 2);
 * a.dispose();
 * ```
 */
export function flatten(variables: readonly tf.Tensor[]): Float64Array {
  const total = variables.reduce((s, v) => s + v.size, 0);
  const out = new Float64Array(total);
  let offset = 0;
  for (const v of variables) {
    out.set(v.dataSync(), offset);
    offset += v.size;
  }
  return out;
}

/**
 * Concatenates per-variable host arrays (one sample of `lastPerturbations`) into one Float64
 * vector.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concat64 } from "./test_fixtures.ts";
 * assert.ok(concat64([new Float32Array([1]), new Float32Array([2])])[1] === 2);
 * ```
 */
export function concat64(parts: readonly ArrayLike<number>[]): Float64Array {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Float64Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

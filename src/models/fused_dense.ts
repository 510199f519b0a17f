/**
 * Routes the training passes of a model's Dense layers with bias and a ReLU or linear activation
 * through the native backend's fused dense kernels (src/backends/native_dense.ts): each such
 * layer's `call` tries `fusedDenseRelu` or `fusedDenseLinear` first and runs its own tfjs-layers path whenever that declines (another
 * backend, no gradient tape, another input rank). The layer's weights, configuration and
 * serialization are unchanged.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { fusedDenseLinear, fusedDenseRelu } from "../backends/native_dense.ts";

type CallKwargs = Parameters<tfl.layers.Layer["call"]>[1];

/** The parts of tfjs-layers' Dense read here (its public fields, untyped in the layer API). */
interface DenseInternals {
  activation?: { getClassName(): string };
  kernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  invokeCallHook(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): void;
}

/**
 * Wraps every Dense layer of `model` with a bias and a ReLU or linear activation (module note);
 * returns how many layers it wrapped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu";
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { useFusedDense } from "./fused_dense.ts";
 * const model = tfl.sequential({
 *   layers: [
 *     tfl.layers.dense({ inputShape: [3], units: 4, activation: "relu" }),
 *     tfl.layers.dense({ units: 2, activation: "tanh" }),
 *   ],
 * });
 * assert.equal(useFusedDense(model), 1); // the tanh layer is left alone
 * ```
 */
export function useFusedDense(model: tfl.LayersModel): number {
  let wrapped = 0;
  for (const layer of model.layers) {
    const dense = layer as unknown as DenseInternals;
    const activation = dense.activation?.getClassName();
    if (
      layer.getClassName() !== "Dense" || (activation !== "relu" && activation !== "linear") ||
      dense.bias == null
    ) {
      continue;
    }
    const fusedDense = activation === "relu" ? fusedDenseRelu : fusedDenseLinear;
    const original = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => {
      const kernel = dense.kernel;
      const bias = dense.bias;
      if (kernel !== undefined && bias != null && (!Array.isArray(inputs) || inputs.length === 1)) {
        const input = Array.isArray(inputs) ? inputs[0] : inputs;
        const fused = tf.tidy(() => {
          const out = fusedDense(input, kernel.read(), bias.read());
          // The hook Dense.call runs first; here only when this path runs (else `original` does).
          if (out !== undefined) dense.invokeCallHook(inputs, kwargs);
          return out;
        }) as tf.Tensor | undefined;
        if (fused !== undefined) return fused;
      }
      return original(inputs, kwargs);
    };
    wrapped++;
  }
  return wrapped;
}

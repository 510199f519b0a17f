/**
 * Variable plumbing shared by the optimizers: which variables a step updates, zero-copy handles
 * on their current values (so a perturbed weight is restored bit for bit, never as `x + e - e`),
 * the snapshot that keeps perturbed passes from moving BatchNorm statistics, and the cheap
 * finiteness checks.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { finiteFlags } from "../backends/native_finite.ts";
import { NonFiniteError } from "./errors.ts";
import type { StepProgram } from "./reads.ts";
import type { NamedTensor } from "./types.ts";

/**
 * The trainable variables a step may update: `varList` when given (its trainable members, in
 * its order), otherwise every trainable registered variable in registration order, like
 * `tf.variableGrads`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { trainableVariables } from "./variables.ts";
 * const w = tf.variable(tf.zeros([2]));
 * assert.ok(trainableVariables([w])[0] === w);
 * w.dispose();
 * ```
 */
export function trainableVariables(varList?: tf.Variable[]): tf.Variable[] {
  if (varList != null) {
    if (!Array.isArray(varList)) {
      throw new TypeError(`minimize: varList must be an array of tf.Variable, got ${varList}`);
    }
    return varList.filter((v) => v.trainable);
  }
  return Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
}

/**
 * `NamedTensorMap | NamedTensor[]` (the two forms `applyGradients` accepts) as a list, skipping
 * variables without a gradient.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { gradientList } from "./variables.ts";
 * const g = tf.ones([2]);
 * assert.ok(gradientList({ w: g }).length === 1);
 * g.dispose();
 * ```
 */
export function gradientList(
  gradients: tf.NamedTensorMap | NamedTensor[],
): { name: string; tensor: tf.Tensor }[] {
  const list = Array.isArray(gradients)
    ? gradients
    : Object.keys(gradients).map((name) => ({ name, tensor: gradients[name] }));
  return list.filter((item) => item.tensor != null);
}

/**
 * The registered variable of that name, else a `RangeError` naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { registeredVariable } from "./variables.ts";
 * const w = tf.variable(tf.zeros([1]), true, "doc-w");
 * assert.ok(registeredVariable("sgd", "doc-w") === w);
 * w.dispose();
 * ```
 */
export function registeredVariable(owner: string, name: string): tf.Variable {
  const variable = tf.engine().registeredVariables[name];
  if (variable == null) {
    throw new RangeError(`${owner}: no registered variable named "${name}" to apply a gradient to`);
  }
  return variable;
}

/**
 * A new tensor sharing the variable's current storage (reference-counted, no copy): assigning it
 * back later restores the exact bits even after the variable was reassigned meanwhile.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { holdValue } from "./variables.ts";
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const held = holdValue(w);
 * w.assign(tf.tensor1d([5, 6]));
 * w.assign(held as tf.Tensor1D);
 * assert.ok(w.dataSync()[1] === 2);
 * held.dispose();
 * ```
 */
export function holdValue(variable: tf.Variable): tf.Tensor {
  const engine = tf.engine();
  const held = engine.makeTensorFromDataId(variable.dataId, variable.shape, variable.dtype);
  // makeTensorFromDataId counts the tensor but, unlike kernel outputs, leaves the backend's
  // reference count alone: take the reference that the eventual dispose() gives back (this is
  // what Variable's own constructor does through engine.incRef).
  engine.backend.incRef(variable.dataId);
  return held;
}

/**
 * Zero-copy handles on every non-trainable registered variable except the excluded ones, taken
 * after the clean pass. `restoreChanged()` puts back any variable that a
 * perturbed pass reassigned: BatchNorm moving statistics, or any other state a user's model
 * writes during a forward pass. Unchanged variables cost nothing (storage identity check).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import { VariableSnapshot } from "./variables.ts";
 * const stat = tf.variable(tf.zeros([2]), false);
 * const snapshot = new VariableSnapshot(new Set());
 * stat.assign(tf.ones([2]));
 * snapshot.restoreChanged();
 * snapshot.dispose();
 * assert.ok(stat.dataSync()[0] === 0);
 * ```
 */
export class VariableSnapshot {
  readonly #held: { variable: tf.Variable; value: tf.Tensor }[] = [];

  constructor(exclude: ReadonlySet<tf.Variable>) {
    // Forward passes write non-trainable state (BatchNorm statistics); trainable weights change
    // only through an optimizer, so they need no handle.
    for (const variable of Object.values(tf.engine().registeredVariables)) {
      if (!variable.trainable && !exclude.has(variable)) {
        this.#held.push({ variable, value: holdValue(variable) });
      }
    }
  }

  /** Reassigns every variable whose storage changed since the snapshot; returns how many. */
  restoreChanged(): number {
    let restored = 0;
    for (const { variable, value } of this.#held) {
      if (!variable.isDisposed && variable.dataId !== value.dataId) {
        variable.assign(value);
        restored++;
      }
    }
    return restored;
  }

  /** Releases the handles (the variables keep their values). */
  dispose(): void {
    for (const { value } of this.#held) value.dispose();
    this.#held.length = 0;
  }
}

/**
 * Throws a {@link NonFiniteError} naming the first non-finite value of `values`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NonFiniteError } from "./errors.ts";
 * import { assertFiniteLosses } from "./variables.ts";
 * assertFiniteLosses("sam", 0, new Float32Array([0.5, 0.7])); // all finite: passes
 * assert.throws(() => assertFiniteLosses("sam", 0, new Float32Array([0.5, NaN])), NonFiniteError);
 * ```
 */
export function assertFiniteLosses(
  optimizer: string,
  step: number,
  losses: ArrayLike<number>,
): void {
  for (let i = 0; i < losses.length; i++) {
    if (!Number.isFinite(losses[i])) {
      throw new NonFiniteError({
        optimizer,
        step,
        quantity: i === 0 ? "loss" : "perturbed loss",
        value: losses[i],
        where: i === 0 ? "clean pass" : `perturbed pass ${i}`,
      });
    }
  }
}

/**
 * Throws a {@link NonFiniteError} naming the variable, flat index and value when any of the
 * variables holds a non-finite number. One `sum` per variable and a single scalar read (yielded,
 * see `reads.ts`): a sum of float32 values is non-finite whenever an entry is; the rare overflow
 * of a finite sum is told apart by reading the variable itself, only then.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu"; // any registered backend
 * import * as tf from "@tensorflow/tfjs-core";
 * import assert from "node:assert/strict";
 * import { NonFiniteError } from "./errors.ts";
 * import { runSync } from "./reads.ts";
 * import { finiteVariablesCheck } from "./variables.ts";
 * const w = tf.variable(tf.tensor1d([1, NaN]));
 * assert.throws(() => runSync(finiteVariablesCheck("sgd", 0, [w])), NonFiniteError);
 * w.dispose();
 * ```
 */
export function* finiteVariablesCheck(
  optimizer: string,
  step: number,
  variables: readonly tf.Variable[],
): StepProgram<void> {
  if (variables.length === 0) return;
  // One kernel where the backend has it (native: 0 or NaN per variable, the same verdict).
  const values = yield finiteFlags(variables) ??
    tf.tidy(() => tf.stack(variables.map((v) => tf.sum(v))));
  for (let k = 0; k < values.length; k++) {
    if (Number.isFinite(values[k])) continue;
    const entries = yield variables[k].clone();
    for (let i = 0; i < entries.length; i++) {
      if (!Number.isFinite(entries[i])) {
        throw new NonFiniteError({
          optimizer,
          step,
          quantity: "weight",
          value: entries[i],
          where: `variable "${variables[k].name}" entry ${i}`,
        });
      }
    }
  }
}

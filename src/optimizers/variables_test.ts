/**
 * The variable helpers of the optimizers (`variables.ts`): which variables a step trains, the
 * gradient list, the registry lookup, held values, the snapshot of non-trainable state, and the
 * two finiteness checks with the errors they raise.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { NonFiniteError } from "./errors.ts";
import { runSync } from "./reads.ts";
import {
  assertFiniteLosses,
  finiteVariablesCheck,
  gradientList,
  holdValue,
  registeredVariable,
  trainableVariables,
  VariableSnapshot,
} from "./variables.ts";

await tf.setBackend("cpu");

/** `variable.assign(value)`, disposing the value (assign copies, it does not take it over). */
function set(variable: tf.Variable, value: tf.Tensor): void {
  variable.assign(value);
  value.dispose();
}

Deno.test("trainableVariables: the trainable ones of a list, or of the registry; a non-array is refused", () => {
  const w = tf.variable(tf.scalar(1), true, "vt_w");
  const frozen = tf.variable(tf.scalar(2), false, "vt_frozen");
  assert.deepEqual(trainableVariables([w, frozen]).map((v) => v.name), ["vt_w"]);
  const all = trainableVariables().map((v) => v.name);
  assert.ok(all.includes("vt_w"), String(all));
  assert.ok(!all.includes("vt_frozen"), String(all));
  assert.deepEqual(trainableVariables(undefined).map((v) => v.name), all);
  assert.throws(
    () => trainableVariables(w as never),
    (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /^minimize: varList must be an array of tf\.Variable, got /);
      return true;
    },
  );
  tf.dispose([w, frozen]);
});

Deno.test("gradientList: a map or a list, entries without a tensor dropped", () => {
  const a = tf.scalar(1);
  const b = tf.scalar(2);
  const fromMap = gradientList({ a, b, c: null as unknown as tf.Tensor });
  assert.deepEqual(fromMap.map((g) => g.name), ["a", "b"]);
  assert.equal(fromMap[1].tensor, b);
  const fromList = gradientList([{ name: "x", tensor: a }, {
    name: "y",
    tensor: undefined as unknown as tf.Tensor,
  }]);
  assert.deepEqual(fromList.map((g) => g.name), ["x"]);
  assert.equal(fromList[0].tensor, a);
  tf.dispose([a, b]);
});

Deno.test("registeredVariable: found by name, or a RangeError naming owner and name", () => {
  const w = tf.variable(tf.scalar(1), true, "vt_registered");
  assert.equal(registeredVariable("sgd", "vt_registered"), w);
  assert.throws(() => registeredVariable("sgd", "vt_missing"), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.equal(
      error.message,
      'sgd: no registered variable named "vt_missing" to apply a gradient to',
    );
    return true;
  });
  w.dispose();
});

Deno.test("holdValue keeps the value across an assign and releases only its own reference", () => {
  const w = tf.variable(tf.tensor1d([1, 2]), true, "vt_hold");
  const count = tf.memory().numTensors;
  const held = holdValue(w);
  assert.equal(tf.memory().numTensors, count + 1);
  set(w, tf.tensor1d([5, 6]));
  assert.deepEqual(Array.from(held.dataSync()), [1, 2]);
  w.assign(held as tf.Tensor1D);
  held.dispose();
  // The variable still owns its data after the held handle is gone.
  assert.deepEqual(Array.from(w.dataSync()), [1, 2]);
  assert.equal(tf.memory().numTensors, count);
  w.dispose();
});

Deno.test("VariableSnapshot restores changed non-trainable variables only, and counts them", () => {
  const trainable = tf.variable(tf.scalar(1), true, "vt_snap_trainable");
  const stat = tf.variable(tf.scalar(2), false, "vt_snap_stat");
  const other = tf.variable(tf.scalar(3), false, "vt_snap_other");
  const excluded = tf.variable(tf.scalar(4), false, "vt_snap_excluded");
  const count = tf.memory().numTensors;
  const snapshot = new VariableSnapshot(new Set([excluded]));
  assert.equal(snapshot.restoreChanged(), 0, "nothing changed yet");
  set(stat, tf.scalar(20));
  set(trainable, tf.scalar(10));
  set(excluded, tf.scalar(40));
  assert.equal(snapshot.restoreChanged(), 1);
  assert.equal(stat.dataSync()[0], 2);
  assert.equal(other.dataSync()[0], 3);
  assert.equal(trainable.dataSync()[0], 10, "trainable weights are not held");
  assert.equal(excluded.dataSync()[0], 40, "excluded variables are not held");
  // A disposed variable is skipped.
  set(other, tf.scalar(30));
  other.dispose();
  assert.equal(snapshot.restoreChanged(), 0);
  snapshot.dispose();
  snapshot.dispose(); // twice is harmless
  assert.equal(snapshot.restoreChanged(), 0, "a disposed snapshot holds nothing");
  tf.dispose([trainable, stat, excluded]);
  assert.equal(tf.memory().numTensors, count - 4);
});

Deno.test("assertFiniteLosses names the clean or the perturbed pass", () => {
  assertFiniteLosses("sam", 3, [1, 2, 3]);
  const cases: [number[], string, string, number][] = [
    [[NaN, 1], "loss", "clean pass", NaN],
    [[1, 2, Infinity], "perturbed loss", "perturbed pass 2", Infinity],
    [[1, -Infinity], "perturbed loss", "perturbed pass 1", -Infinity],
  ];
  for (const [losses, quantity, where, value] of cases) {
    assert.throws(() => assertFiniteLosses("sam", 3, losses), (error: unknown) => {
      assert.ok(error instanceof NonFiniteError);
      assert.equal(error.quantity, quantity);
      assert.equal(error.where, where);
      assert.equal(error.step, 3);
      assert.ok(Object.is(error.value, value), String(error.value));
      assert.match(error.message, /^sam: /);
      return true;
    });
  }
});

Deno.test("finiteVariablesCheck: finite passes; the first bad entry of the bad variable is named", () => {
  const good = tf.variable(tf.tensor1d([1, 2]), true, "vt_good");
  const bad = tf.variable(tf.tensor1d([0, Infinity, NaN]), true, "vt_bad");
  // +Inf and -Inf sum to NaN: the per-variable flag is non-finite either way.
  const mixed = tf.variable(tf.tensor1d([Infinity, -Infinity]), true, "vt_mixed");
  runSync(finiteVariablesCheck("sgd", 0, []));
  runSync(finiteVariablesCheck("sgd", 0, [good]));
  const count = tf.memory().numTensors;
  for (
    const [variables, where, value] of [
      [[good, bad], 'variable "vt_bad" entry 1', Infinity],
      [[mixed], 'variable "vt_mixed" entry 0', Infinity],
    ] as const
  ) {
    assert.throws(
      () => runSync(finiteVariablesCheck("sgd", 5, [...variables])),
      (error: unknown) => {
        assert.ok(error instanceof NonFiniteError);
        assert.equal(error.quantity, "weight");
        assert.equal(error.where, where);
        assert.equal(error.value, value);
        assert.equal(error.step, 5);
        return true;
      },
    );
  }
  assert.equal(tf.memory().numTensors, count, "the reads are disposed");
  tf.dispose([good, bad, mixed]);
});

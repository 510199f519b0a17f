import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { NonFiniteError } from "../optimizers/errors.ts";
import { runSync } from "../optimizers/reads.ts";
import { finiteVariablesCheck } from "../optimizers/variables.ts";
import { initBackend } from "./init.ts";
import { nativeUnavailableReason } from "./native.ts";
import { ALL_FINITE_KERNEL, finiteFlags } from "./native_finite.ts";

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where the native libraries are not installed; `.ci/run` installs them. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native finite-check tests skipped: ${unavailable}`);

Deno.test({
  name: "UsamAllFinite: 0 for all-finite tensors, NaN for one bad entry anywhere (SIMD or tail)",
  ignore,
  async fn() {
    await initBackend("native");
    // Sizes around the 4-lane split; the largest finite float32 and subnormals stay finite.
    for (const n of [1, 3, 4, 5, 8, 13, 1000]) {
      const base = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 3.4e38 : -1e-42));
      const good = tf.tensor1d(base);
      assert.deepEqual(Array.from(finiteFlags([good])!.dataSync()), [0]);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, n - 1, n >> 1]) {
          const values = base.slice();
          values[at] = bad;
          const t = tf.tensor1d(values);
          const flags = finiteFlags([good, t, good])!;
          const read = Array.from(flags.dataSync());
          assert.equal(read[0], 0);
          assert.ok(Number.isNaN(read[1]), `n ${n}, ${bad} at ${at}: ${read}`);
          assert.equal(read[2], 0);
          tf.dispose([t, flags]);
        }
      }
      good.dispose();
    }
  },
});

Deno.test({
  name: "UsamAllFinite: finiteVariablesCheck runs one kernel and still names the bad entry",
  ignore,
  async fn() {
    await initBackend("native");
    const a = tf.variable(tf.tensor1d([1, 2, 3]), true, "finite-check-a");
    const b = tf.variable(tf.tensor2d([[1, 2], [3, Infinity]]), true, "finite-check-b");
    const profile = await tf.profile(() => {
      assert.throws(
        () => runSync(finiteVariablesCheck("sgd", 4, [a, b])),
        (error: unknown) =>
          error instanceof NonFiniteError && /finite-check-b" entry 3/.test(error.message),
      );
    });
    assert.equal(profile.kernels[0].name, ALL_FINITE_KERNEL);
    assert.equal(profile.kernels.filter((k) => k.name === "Sum").length, 0);
    const before = tf.memory().numTensors;
    runSync(finiteVariablesCheck("sgd", 4, [a]));
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([a, b]);
  },
});

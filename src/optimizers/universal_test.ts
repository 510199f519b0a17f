/**
 * universalSam and its three instances as a user meets them: the names in configs and messages,
 * the serialization name, each hyperparameter's bound (with its exact message), the refusals of
 * missing parts, and how a failing plug-in weight comes out of a step (a NonFiniteError naming
 * the losses, or the user's own error as it was thrown).
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { gaussianMeasure, type SharpnessSpec, traceSpec } from "../measures/spec.ts";
import { NonFiniteError } from "./errors.ts";
import { useBackend } from "./test_backends.ts";
import { detSam, frobSam, traceSam, universalSam, type UniversalSamOptions } from "./universal.ts";

await useBackend("cpu");

/** Trace-SAM's (f, F, μ) without the spec's own name, so the optimizer's default name shows. */
function traceParts(): Pick<UniversalSamOptions, "inner" | "outer" | "measure"> {
  const { inner, outer, measure } = traceSpec();
  return { inner, outer, measure };
}

const SETTINGS = { rho: 0.01, lambda: 1, samples: 1 };

/** Asserts that `make` throws an error of `type` whose message is exactly `message`. */
function throwsExactly(
  make: () => unknown,
  type: typeof RangeError | typeof TypeError,
  message: string,
): unknown {
  let caught: unknown;
  assert.throws(make, (error: unknown) => {
    caught = error;
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    assert.equal((error as Error).message, message);
    return true;
  });
  return caught;
}

Deno.test("names: universalSam's default and a custom one, the instances', and the serialization name", () => {
  const plain = universalSam({ ...traceParts(), ...SETTINGS });
  assert.equal(plain.getConfig().name, "universalSam");
  assert.equal(plain.spec.name, "universalSam");
  const named = universalSam({ ...traceParts(), ...SETTINGS, name: "mySam" });
  assert.equal(named.getConfig().name, "mySam");
  const instances = [traceSam(), frobSam(), detSam()];
  assert.deepEqual(instances.map((o) => o.getConfig().name), ["traceSam", "frobSam", "detSam"]);
  // The tf.serialization class name: one for the universal optimizer, whatever its spec.
  for (const optimizer of [plain, named, ...instances]) {
    assert.equal(optimizer.getClassName(), "UsamUniversal");
  }
  for (const optimizer of [plain, named, ...instances]) optimizer.dispose();
});

Deno.test("universalSam: rho > 0, lambda >= 0, and their messages name the optimizer", () => {
  throwsExactly(
    () => universalSam({ ...traceParts(), ...SETTINGS, rho: 0 }),
    RangeError,
    "universalSam: rho must be a finite number > 0, got 0",
  );
  throwsExactly(
    () => universalSam({ ...traceParts(), ...SETTINGS, lambda: -1, name: "mySam" }),
    RangeError,
    "mySam: lambda must be a finite number >= 0, got -1",
  );
  // λ = 0 is allowed: the plain base step, coefficients [1, 0].
  const zero = universalSam({ ...traceParts(), ...SETTINGS, lambda: 0 });
  assert.equal(zero.getConfig().lambda, 0);
  zero.dispose();
  // Tiny positive ρ is allowed.
  const tiny = universalSam({ ...traceParts(), ...SETTINGS, rho: 1e-300 });
  assert.equal(tiny.rho, 1e-300);
  tiny.dispose();
});

Deno.test("universalSam: options, inner, outer and measure must be objects, named with the value", () => {
  throwsExactly(
    () => universalSam(null as unknown as UniversalSamOptions),
    TypeError,
    "universalSam: options must be an object, got null",
  );
  throwsExactly(
    () => universalSam(undefined as unknown as UniversalSamOptions),
    TypeError,
    "universalSam: options must be an object, got undefined",
  );
  throwsExactly(
    () => universalSam("rho" as unknown as UniversalSamOptions),
    TypeError,
    'universalSam: options must be an object, got "rho"',
  );
  for (const key of ["inner", "outer", "measure"] as const) {
    for (const [value, shown] of [[null, "null"], [undefined, "undefined"], [5, "5"]] as const) {
      throwsExactly(
        () => universalSam({ ...traceParts(), ...SETTINGS, [key]: value }),
        TypeError,
        `universalSam: ${key} must be an object, got ${shown}`,
      );
    }
  }
});

Deno.test("universalSam: an outer function refusing the sample count is the cause of the RangeError", () => {
  const refusal = new RangeError("needs three");
  const outer = {
    value: (m: readonly number[]) => m[0],
    gradient: (_m: readonly number[], n: number) => {
      if (n < 3) throw refusal;
      return [1];
    },
  };
  const error = throwsExactly(
    () => universalSam({ ...traceParts(), outer, ...SETTINGS, samples: 2 }),
    RangeError,
    "universalSam: samples = 2 refused by the outer function: needs three",
  );
  assert.equal((error as Error).cause, refusal);
  const accepted = universalSam({ ...traceParts(), outer, ...SETTINGS, samples: 3 });
  assert.equal(accepted.samples, 3);
  accepted.dispose();
});

Deno.test("traceSam, frobSam, detSam: their own names and bounds in the messages", () => {
  throwsExactly(
    () => traceSam({ lamda: 1 } as never),
    RangeError,
    'traceSam: unknown hyperparameter "lamda" (known: rho, lambda, samples, base, seed)',
  );
  throwsExactly(
    () => frobSam({ halfWidth: 1 } as never),
    RangeError,
    'frobSam: unknown hyperparameter "halfWidth" (known: rho, lambda, samples, base, seed)',
  );
  throwsExactly(
    () => detSam({ eta: 1 } as never),
    RangeError,
    'detSam: unknown hyperparameter "eta" (known: rho, lambda, samples, halfWidth, base, seed)',
  );
  // frobSam's own n >= 2 check comes before the spec's (which would name "samples = 1").
  for (const samples of [1, 0, -3]) {
    throwsExactly(
      () => frobSam({ samples }),
      RangeError,
      `frobSam: samples must be >= 2 (the variance needs two draws), got ${samples}`,
    );
  }
  // A non-number is the integer check's to refuse, as a TypeError.
  throwsExactly(
    () => frobSam({ samples: "1" as unknown as number }),
    TypeError,
    'frobSam: samples must be an integer, got "1"',
  );
  for (const halfWidth of [0, -0.5]) {
    throwsExactly(
      () => detSam({ halfWidth }),
      RangeError,
      `detSam: halfWidth must be a finite number > 0, got ${halfWidth}`,
    );
  }
  throwsExactly(
    () => traceSam({ rho: 0 }),
    RangeError,
    "traceSam: rho must be a finite number > 0, got 0",
  );
});

Deno.test("a non-finite plug-in weight: NonFiniteError naming the weight, the quotient and the losses", () => {
  // L = 3 + 0·Σw is 3 at x and at every x + ρδ: the losses are exactly [3, 3] and d_0 = 0.
  const w = tf.variable(tf.tensor1d([1, 2]));
  const loss = () => tf.add(tf.mul(tf.sum(w), 0), 3) as tf.Scalar;
  const weights: SharpnessSpec["weights"] = () => Float64Array.of(NaN);
  const optimizer = universalSam({ ...traceParts(), ...SETTINGS, weights, seed: 2 });
  assert.throws(() => optimizer.minimize(loss, false, [w]), (error: unknown) => {
    assert.ok(error instanceof NonFiniteError, String(error));
    assert.equal(error.quantity, "plug-in weight");
    assert.equal(error.step, 0);
    assert.ok(Number.isNaN(error.value));
    assert.equal(error.where, "universalSam: plug-in weight w_0 is NaN (d_0 = 0); losses 3, 3");
    assert.ok(error.cause instanceof RangeError);
    return true;
  });
  assert.deepEqual(Array.from(w.dataSync()), [1, 2], "weights untouched");
  optimizer.dispose();
  tf.dispose(w);
});

Deno.test("an error of the user's weights that is not a RangeError comes out as it was thrown", () => {
  const w = tf.variable(tf.tensor1d([1, 2]));
  const loss = () => tf.sum(tf.square(w)) as tf.Scalar;
  const broken = new TypeError("weights broke");
  const before = tf.memory().numTensors;
  const optimizer = universalSam({
    inner: { dimension: 1, value: (t) => [t], derivative: () => [1] },
    outer: { value: (m) => m[0], gradient: () => [1] },
    measure: gaussianMeasure(),
    ...SETTINGS,
    weights: () => {
      throw broken;
    },
  });
  assert.throws(() => optimizer.minimize(loss, false, [w]), (error: unknown) => error === broken);
  assert.deepEqual(Array.from(w.dataSync()), [1, 2], "weights untouched");
  // The failed step's δ stays recorded (lastPerturbations) until the next step or dispose.
  assert.equal(optimizer.lastPerturbations.length, 1);
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  tf.dispose(w);
});

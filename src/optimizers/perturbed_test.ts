/**
 * The core of the SAM family (`perturbed.ts`) with a hand-written rule whose offsets and
 * coefficients are fixed, on losses whose gradients are exact in float32 (sums of squares at
 * dyadic weights), so every expected weight is an exact number worked out by hand: the rule's
 * context, the perturbed passes, the losses the rule sees, the combination `c_0 g + Σ c_i g_i`,
 * the base step, the errors, the recorded perturbations and the tensor count.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { NonFiniteError } from "./errors.ts";
import {
  gradientAtOffset,
  type PerturbationRule,
  PerturbedOptimizer,
  type PerturbedOptions,
  resolveBase,
  type RuleContext,
} from "./perturbed.ts";
import { sam } from "./sam.ts";
import { sgd } from "./sgd.ts";
import { holdValue, VariableSnapshot } from "./variables.ts";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";

await tf.setBackend("cpu");

/** What the test rule saw, step by step. */
interface Seen {
  step: number;
  seed: number;
  names: string[];
  weights: number[][];
  gradients: number[][];
  losses: number[];
}

/**
 * A rule with fixed offsets `offsets[i]` (one constant per pass, on every weight), an optional
 * scale, and fixed coefficients; it records what the core hands it.
 */
function fixedRule(
  offsets: number[],
  coefficients: number[],
  seen: Seen[],
  options: { scale?: number | "tensor"; record?: boolean } = {},
): PerturbationRule {
  return {
    passes: offsets.length,
    // deno-lint-ignore require-yield
    *perturb(context: RuleContext) {
      seen.push({
        step: context.step,
        seed: context.seed,
        names: context.variables.map((v) => v.name),
        weights: context.weights.map((t) => Array.from(t.dataSync())),
        gradients: context.gradients.map((t) => Array.from(t.dataSync())),
        losses: [],
      });
      const made = offsets.map((o) => context.weights.map((x) => tf.fill(x.shape, o)));
      const scale = options.scale === "tensor" ? tf.scalar(0.5) : options.scale;
      return {
        offsets: made,
        scale,
        recorded: options.record ? made : undefined,
      };
    },
    coefficients(_step: number, losses: Float32Array) {
      seen[seen.length - 1].losses = Array.from(losses);
      return coefficients;
    },
  };
}

class FixedOptimizer extends PerturbedOptimizer {
  protected readonly rule: PerturbationRule;
  constructor(rule: PerturbationRule, options: PerturbedOptions) {
    super("fixed", options);
    this.rule = rule;
  }
  override getConfig(): tf.serialization.ConfigDict {
    return this.baseConfig();
  }
}

/** SGD with lr 1 and nothing else, so a step is `x - G` exactly. */
const plainSgd = () => sgd({ lr: 1, momentum: 0, weightDecay: 0 });

/** Two variables and L = Σ a² + Σ b² (gradient 2x, exact). */
function problem() {
  const a = tf.variable(tf.tensor1d([1, 2]), true, "fixed_a");
  const b = tf.variable(tf.scalar(3), true, "fixed_b");
  const loss = () => tf.tidy(() => tf.add(tf.sum(tf.square(a)), tf.square(b)) as tf.Scalar);
  return { a, b, loss, dispose: () => tf.dispose([a, b]) };
}

Deno.test("the core hands the rule the step, seed, weights and clean gradients, and combines c_0 g + Σ c_i g_i", () => {
  const { a, b, loss, dispose } = problem();
  const seen: Seen[] = [];
  // Offsets +0.5 and -0.25; coefficients c = [0.5, 0, 2]: G = 0.5·2x + 2·2(x - 0.25) = 5x - 1.
  const optimizer = new FixedOptimizer(fixedRule([0.5, -0.25], [0.5, 0, 2], seen), {
    base: plainSgd(),
    seed: 7,
  });
  assert.equal(optimizer.gradientEvaluations, 3);
  assert.deepEqual(optimizer.lastVariableNames, []);
  assert.deepEqual(optimizer.lastPerturbations, []);
  const value = optimizer.minimize(loss, true, [a, b]);
  assert.equal(value!.dataSync()[0], 14); // 1 + 4 + 9 at x
  value!.dispose();
  assert.equal(seen.length, 1);
  assert.equal(seen[0].step, 0);
  assert.equal(seen[0].seed, 7);
  assert.deepEqual(seen[0].names, ["fixed_a", "fixed_b"]);
  assert.deepEqual(seen[0].weights, [[1, 2], [3]]);
  assert.deepEqual(seen[0].gradients, [[2, 4], [6]]);
  // L(x) = 14; L(x + 0.5) = 2.25 + 6.25 + 12.25 = 20.75; L(x - 0.25) = 0.5625 + 3.0625 + 7.5625.
  assert.deepEqual(seen[0].losses, [14, 20.75, 11.1875]);
  // x - (5x - 1) = 1 - 4x.
  assert.deepEqual(Array.from(a.dataSync()), [-3, -7]);
  assert.deepEqual(Array.from(b.dataSync()), [-11]);
  assert.deepEqual(optimizer.lastVariableNames, ["fixed_a", "fixed_b"]);
  assert.equal(optimizer.iterations, 1);
  // The next step sees step 1 and the new weights; without returnCost it returns null.
  assert.equal(optimizer.minimize(loss), null);
  assert.equal(seen[1].step, 1);
  assert.deepEqual(seen[1].weights, [[-3, -7], [-11]]);
  assert.equal(optimizer.iterations, 2);
  optimizer.dispose();
  dispose();
});

Deno.test("a scale multiplies the offsets (number or tensor), and step() returns the clean loss", async () => {
  for (const scale of [0.5, "tensor"] as const) {
    const { a, b, loss, dispose } = problem();
    const seen: Seen[] = [];
    // Offset 1 at scale 0.5: pass at x + 0.5; c = [0, 1]: G = 2(x + 0.5) = 2x + 1; x - G = -x - 1.
    const optimizer = new FixedOptimizer(fixedRule([1], [0, 1], seen, { scale }), {
      base: plainSgd(),
    });
    const count = tf.memory().numTensors;
    assert.equal(await optimizer.step(loss, [a, b]), 14);
    assert.equal(tf.memory().numTensors, count, `scale ${scale}: no tensor left behind`);
    assert.deepEqual(seen[0].losses, [14, 20.75]);
    assert.equal(seen[0].seed, 0); // the default seed
    assert.deepEqual(Array.from(a.dataSync()), [-2, -3]);
    assert.deepEqual(Array.from(b.dataSync()), [-4]);
    optimizer.dispose();
    dispose();
  }
});

// cpu only: the native backend's fused combination has its own bit-for-bit test
// (src/backends/native_combine_test.ts); initialising it here, next to the wasm tests of this
// scope, was followed once by a glibc abort at exit ("corrupted double-linked list").
Deno.test("coefficient 1 alone, all zero, the clean gradient alone, two and three terms", () => {
  combinationCases("cpu");
});

function combinationCases(backend: string) {
  const cases: [number[], number[], number[]][] = [
    // [coefficients], expected a, expected b (passes at x + 0.5 and x - 0.25)
    [[0, 0, 1], [1 - 1.5, 2 - 3.5], [3 - 5.5]], // G = 2(x - 0.25)
    [[0, 0, 0], [1, 2], [3]], // G = 0: the weights stay
    [[1, 0, 0], [-1, -2], [-3]], // G = 2x
    [[0, 1, 1], [-3.5, -6.5], [-9.5]],
    [[0.5, 0, 2], [-3, -7], [-11]], // G = 0.5·2x + 2·2(x - 0.25) = 5x - 1
    [[0.5, 1, 2], [-6, -12], [-18]], // G = x + 2(x + 0.5) + 4(x - 0.25) = 7x // G = 2(x + 0.5) + 2(x - 0.25) = 4x + 0.5; x - G = -3x - 0.5
  ];
  for (const [coefficients, expectA, expectB] of cases) {
    const { a, b, loss, dispose } = problem();
    const optimizer = new FixedOptimizer(fixedRule([0.5, -0.25], coefficients, []), {
      base: plainSgd(),
    });
    const count = tf.memory().numTensors;
    optimizer.minimize(loss, false, [a, b]);
    const what = `${backend} ${coefficients}`;
    assert.equal(tf.memory().numTensors, count, `${what}: no tensor left behind`);
    assert.deepEqual(Array.from(a.dataSync()), expectA, what);
    assert.deepEqual(Array.from(b.dataSync()), expectB, what);
    optimizer.dispose();
    dispose();
  }
}

Deno.test("a rule with the wrong number of coefficients is refused before the weights change", () => {
  const { a, b, loss, dispose } = problem();
  const optimizer = new FixedOptimizer(fixedRule([0.5, -0.25], [0, 1], []), { base: plainSgd() });
  const count = tf.memory().numTensors;
  assert.throws(
    () => optimizer.minimize(loss, false, [a, b]),
    (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, "perturbation rule: 2 coefficients for 2 passes (need 3)");
      return true;
    },
  );
  assert.equal(tf.memory().numTensors, count, "a failed step must not leak tensors");
  assert.deepEqual(Array.from(a.dataSync()), [1, 2]);
  assert.deepEqual(Array.from(b.dataSync()), [3]);
  assert.equal(optimizer.iterations, 0);
  optimizer.dispose();
  dispose();
});

Deno.test("a non-finite perturbed loss throws naming the step; weights and tensor count unchanged", () => {
  const w = tf.variable(tf.tensor1d([0.5]), true, "fixed_w");
  // L = exp(50 w): e^25 at x, e^125 (float32 overflow) at x + 2.
  const loss = () => tf.tidy(() => tf.sum(tf.exp(tf.mul(w, 50))) as tf.Scalar);
  const optimizer = new FixedOptimizer(fixedRule([2], [0, 1], []), { base: plainSgd() });
  const count = tf.memory().numTensors;
  assert.throws(() => optimizer.minimize(loss, false, [w]), (error: unknown) => {
    assert.ok(error instanceof NonFiniteError, String(error));
    assert.equal(error.quantity, "perturbed loss");
    assert.equal(error.step, 0);
    return true;
  });
  assert.equal(tf.memory().numTensors, count);
  assert.equal(w.dataSync()[0], 0.5);
  optimizer.dispose();
  w.dispose();
});

Deno.test("variables the loss does not use are left out of the step and of lastVariableNames", () => {
  const { a, b, loss, dispose } = problem();
  const unused = tf.variable(tf.scalar(5), true, "fixed_unused");
  const seen: Seen[] = [];
  const optimizer = new FixedOptimizer(fixedRule([0.5], [0, 1], seen), { base: plainSgd() });
  optimizer.minimize(loss, false, [a, unused, b]);
  assert.deepEqual(seen[0].names, ["fixed_a", "fixed_b"]);
  assert.deepEqual(optimizer.lastVariableNames, ["fixed_a", "fixed_b"]);
  assert.equal(unused.dataSync()[0], 5);
  // Only `a` in the list: b is not trained, and its value is restored after the passes.
  const only: Seen[] = [];
  const second = new FixedOptimizer(fixedRule([0.5], [0, 1], only), { base: plainSgd() });
  const bBefore = b.dataSync()[0];
  second.minimize(loss, false, [a]);
  assert.deepEqual(only[0].names, ["fixed_a"]);
  assert.equal(b.dataSync()[0], bBefore);
  optimizer.dispose();
  second.dispose();
  unused.dispose();
  dispose();
});

Deno.test("recorded perturbations: read sync and async, kept until the next step, cleared by dispose", async () => {
  const { a, b, loss, dispose } = problem();
  const optimizer = new FixedOptimizer(fixedRule([0.5], [0, 1], [], { record: true }), {
    base: plainSgd(),
  });
  assert.deepEqual(optimizer.lastPerturbations, []);
  optimizer.minimize(loss, false, [a, b]);
  const expected = [[new Float32Array([0.5, 0.5]), new Float32Array([0.5])]];
  assert.deepEqual(await optimizer.readLastPerturbations(), expected);
  assert.deepEqual(optimizer.lastPerturbations, expected);
  assert.equal(optimizer.lastPerturbations, optimizer.lastPerturbations, "read once, then kept");
  // A fresh step: the async read comes first this time.
  optimizer.minimize(loss, false, [a, b]);
  assert.deepEqual(await optimizer.readLastPerturbations(), expected);
  const count = tf.memory().numTensors;
  optimizer.minimize(loss, false, [a, b]);
  assert.equal(tf.memory().numTensors, count, "the previous step's record is disposed");
  assert.deepEqual(optimizer.lastPerturbations, expected);
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, count - 2, "dispose frees the record");
  assert.deepEqual(optimizer.lastPerturbations, []);
  dispose();
});

Deno.test("sam's recorded e equals ρ g/‖g‖ at the step's weights", () => {
  const w = tf.variable(tf.tensor1d([3, 4]), true, "fixed_sam");
  // g = 2w = (6, 8), ‖g‖ = 10: e = 0.5·(0.6, 0.8) = (0.3, 0.4) within float32 rounding.
  const optimizer = sam({ rho: 0.5, recordPerturbations: true, base: plainSgd() });
  optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
  const [[e]] = optimizer.lastPerturbations;
  // Two float32 roundings of values below 1 (the scale, the product): 2·2^-24 relative.
  assert.ok(Math.abs(e[0] - 0.3) < 1e-7 && Math.abs(e[1] - 0.4) < 1e-7, String(e));
  // x - 2(x + e) = -x - 2e = (-3.6, -4.8).
  const after = w.dataSync();
  assert.ok(Math.abs(after[0] + 3.6) < 1e-6 && Math.abs(after[1] + 4.8) < 1e-6, String(after));
  optimizer.dispose();
  w.dispose();
});

Deno.test("getWeights carries the step index; setWeights restores it", async () => {
  const { a, b, loss, dispose } = problem();
  const optimizer = new FixedOptimizer(fixedRule([0.5], [0, 1], []), { base: plainSgd() });
  optimizer.minimize(loss, false, [a, b]);
  optimizer.minimize(loss, false, [a, b]);
  const weights = await optimizer.getWeights();
  assert.equal(weights[0].tensor.dataSync()[0], 2);
  const seen: Seen[] = [];
  const restored = new FixedOptimizer(fixedRule([0.5], [0, 1], seen), { base: plainSgd() });
  await restored.setWeights(weights);
  assert.equal(restored.iterations, 2);
  restored.minimize(loss, false, [a, b]);
  assert.equal(seen[0].step, 2);
  tf.dispose(weights.map((w) => w.tensor));
  optimizer.dispose();
  restored.dispose();
  dispose();
});

Deno.test("applyGradients is the base's plain step; learningRate reads and writes the base's", () => {
  const { a, b, dispose } = problem();
  const optimizer = new FixedOptimizer(fixedRule([0.5], [0, 1], []), {
    base: sgd({ lr: 0.5, momentum: 0, weightDecay: 0 }),
  });
  assert.equal(optimizer.learningRate, 0.5);
  optimizer.learningRate = 0.25;
  assert.equal(optimizer.learningRate, 0.25);
  assert.equal((optimizer.base as unknown as { learningRate: number }).learningRate, 0.25);
  assert.throws(
    () => (optimizer.learningRate = 0),
    (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, "fixed: learningRate must be a finite number > 0, got 0");
      return true;
    },
  );
  optimizer.applyGradients({ fixed_a: tf.tensor1d([4, 8]), fixed_b: tf.scalar(4) });
  assert.deepEqual(Array.from(a.dataSync()), [0, 0]);
  assert.deepEqual(Array.from(b.dataSync()), [2]);
  optimizer.dispose();
  // A base without a numeric learning rate.
  const bare = { applyGradients() {}, dispose() {} } as unknown as tf.Optimizer;
  const odd = new FixedOptimizer(fixedRule([0.5], [0, 1], []), { base: bare });
  assert.equal(odd.base, bare);
  assert.throws(() => odd.learningRate, (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /^fixed: the base optimizer exposes no numeric learningRate$/);
    return true;
  });
  assert.throws(
    () => new FixedOptimizer(fixedRule([0.5], [0, 1], []), { seed: 1.5 }),
    (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, "fixed: seed must be a finite number (an integer), got 1.5");
      return true;
    },
  );
  dispose();
});

Deno.test("resolveBase: names, instances, and anything else refused with its value", () => {
  for (
    const [base, className] of [[undefined, "UsamSGD"], ["sgd", "UsamSGD"], [
      "adam",
      "UsamAdam",
    ]] as const
  ) {
    const made = resolveBase("owner", base);
    assert.equal(made.getClassName(), className, String(base));
    made.dispose();
  }
  const instance = sgd();
  assert.equal(resolveBase("owner", instance), instance);
  instance.dispose();
  const refused: [unknown, string][] = [
    ["adamw", '"adamw"'],
    [null, "null"],
    [3, "3"],
    [{}, "[object Object]"],
    [{ applyGradients: 1 }, "[object Object]"],
    // A function is not an optimizer instance, even with an applyGradients property.
    [Object.assign(function notAnOptimizer() {}, { applyGradients() {} }), "function"],
  ];
  for (const [base, shown] of refused) {
    assert.throws(
      () => resolveBase("owner", base as never),
      (error: unknown) => {
        assert.ok(error instanceof RangeError, String(base));
        if (shown === "function") {
          assert.match(error.message, /^owner: unknown base optimizer function notAnOptimizer/);
        } else {
          assert.equal(
            error.message,
            `owner: unknown base optimizer ${shown} (use "sgd", "adam" or a tf.Optimizer)`,
          );
        }
        return true;
      },
    );
  }
});

Deno.test("gradientAtOffset: a pass that loses a variable throws naming it, and restores every weight", () => {
  const w = tf.variable(tf.tensor1d([1, 2]), true, "offset_w");
  const u = tf.variable(tf.scalar(3), true, "offset_u");
  const held = [holdValue(w), holdValue(u)];
  const snapshot = new VariableSnapshot(new Set([w, u]));
  const count = tf.memory().numTensors;
  assert.throws(
    () =>
      gradientAtOffset(
        () => tf.sum(tf.square(w)) as tf.Scalar,
        [w, u],
        held,
        (_k, x) => tf.add(x, 1),
        snapshot,
      ),
    (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /no longer depends on variable "offset_u"/);
      return true;
    },
  );
  assert.equal(tf.memory().numTensors, count, "the failed pass disposes its value and grads");
  assert.deepEqual(Array.from(w.dataSync()), [1, 2]);
  assert.equal(u.dataSync()[0], 3);
  // The offset applies to each variable by its index.
  const { value, grads } = gradientAtOffset(
    () => tf.add(tf.sum(tf.square(w)), tf.square(u)) as tf.Scalar,
    [w, u],
    held,
    (k, x) => tf.add(x, k === 0 ? 1 : -1),
    snapshot,
  );
  assert.equal(value.dataSync()[0], 4 + 9 + 4);
  assert.deepEqual(Array.from(grads["offset_w"].dataSync()), [4, 6]);
  assert.deepEqual(Array.from(grads["offset_u"].dataSync()), [4]);
  tf.dispose([value, grads, held]);
  snapshot.dispose();
  tf.dispose([w, u]);
});

Deno.test("a rule that throws: its own error comes out, weights and tensor count unchanged", () => {
  const { a, b, loss, dispose } = problem();
  const failure = new Error("rule failed");
  const rule: PerturbationRule = {
    passes: 1,
    // deno-lint-ignore require-yield
    *perturb() {
      throw failure;
    },
    coefficients: () => [0, 1],
  };
  const optimizer = new FixedOptimizer(rule, { base: plainSgd() });
  const count = tf.memory().numTensors;
  assert.throws(
    () => optimizer.minimize(loss, false, [a, b]),
    (error: unknown) => error === failure,
  );
  assert.equal(tf.memory().numTensors, count);
  assert.deepEqual(Array.from(a.dataSync()), [1, 2]);
  assert.equal(optimizer.iterations, 0);
  optimizer.dispose();
  dispose();
});

Deno.test("without synchronous reads, lastPerturbations refuses naming the owner; readLastPerturbations works", async () => {
  // A cpu backend registered as "webgpu", which under Deno (no 2D canvas) reads asynchronously.
  // The cpu kernels are registered under its name for the span of the test.
  tf.registerBackend("webgpu", () => new MathBackendCPU(), 0);
  const kernels = tf.getKernelsForBackend("cpu").map((k) => ({ ...k, backendName: "webgpu" }));
  for (const kernel of kernels) tf.registerKernel(kernel);
  try {
    await tf.setBackend("webgpu");
    const { a, b, loss, dispose } = problem();
    const optimizer = new FixedOptimizer(fixedRule([0.5], [0, 1], [], { record: true }), {
      base: plainSgd(),
    });
    assert.equal(await optimizer.step(loss, [a, b]), 14);
    assert.throws(
      () => optimizer.lastPerturbations,
      /fixed\.lastPerturbations/,
    );
    const host = await optimizer.readLastPerturbations();
    assert.deepEqual(host, [[new Float32Array([0.5, 0.5]), new Float32Array([0.5])]]);
    // Read once per step: the host copy is kept, and the synchronous getter then serves it.
    assert.equal(await optimizer.readLastPerturbations(), host);
    assert.equal(optimizer.lastPerturbations, host);
    optimizer.dispose();
    // A rule that records nothing: the empty record needs no read.
    const silent = new FixedOptimizer(fixedRule([0.5], [0, 1], []), { base: plainSgd() });
    await silent.step(loss, [a, b]);
    assert.deepEqual(silent.lastPerturbations, []);
    silent.dispose();
    dispose();
  } finally {
    await tf.setBackend("cpu");
    for (const kernel of kernels) tf.unregisterKernel(kernel.kernelName, "webgpu");
    tf.removeBackend("webgpu");
  }
});

Deno.test("a zero coefficient drops its pass, even one whose gradient is infinite", () => {
  // L = sqrt(w) at w = 4: gradient 1/4. The pass at w + (-4) = 0 has a finite loss (0) and an
  // infinite gradient; with coefficients [1, 0] the step is w - 1/4, untouched by that Inf
  // (0·Inf would be NaN).
  const w = tf.variable(tf.tensor1d([4]), true, "fixed_sqrt");
  const optimizer = new FixedOptimizer(fixedRule([-4], [1, 0], []), { base: plainSgd() });
  optimizer.minimize(() => tf.sum(tf.sqrt(w)) as tf.Scalar, false, [w]);
  assert.deepEqual(Array.from(w.dataSync()), [3.75]);
  optimizer.dispose();
  w.dispose();
});

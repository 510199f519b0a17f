/**
 * The plain optimizers (sgd, adam) and the factory, case by case, on the cpu backend and a
 * two-value quadratic (issue 14: these kill mutants of sgd.ts, adam.ts, validate.ts and
 * factory.ts that the fast optimizer tests let survive). Expected weights come from PyTorch 2.x
 * (Debian python3-torch, Float64): the loss is ½‖x‖² from x = (1, −2), so the gradient is x, and
 * two steps of `torch.optim.SGD` / `torch.optim.Adam` with the same settings give the values
 * below. TF.js computes in Float32: 1e-6 relative covers two steps of rounding on values of
 * order 1.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { adam, createOptimizer, NonFiniteError, sgd, traceSam, type UsamOptimizer } from "./mod.ts";
import { useBackend } from "./test_backends.ts";

await useBackend("cpu");

/** Two steps of `optimizer` on ½‖x‖² from (1, −2); the weights after each, and the losses. */
async function twoSteps(optimizer: UsamOptimizer, useStep = false) {
  const x = tf.variable(tf.tensor1d([1, -2]), true, `plain-cases-${crypto.randomUUID()}`);
  const loss = () => tf.mul(tf.sum(tf.square(x)), 0.5) as tf.Scalar;
  const after: number[][] = [];
  const losses: number[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      if (useStep) {
        losses.push(await optimizer.step(loss, [x]));
      } else {
        const cost = optimizer.minimize(loss, true, [x])!;
        losses.push(cost.dataSync()[0]);
        cost.dispose();
      }
      after.push(Array.from(x.dataSync()));
    }
    return { after, losses };
  } finally {
    x.dispose();
  }
}

function near(actual: number[][], expected: number[][], what: string) {
  actual.forEach((row, i) =>
    row.forEach((v, j) => {
      const e = expected[i][j];
      assert.ok(Math.abs(v - e) <= 1e-6 * Math.abs(e), `${what} step ${i + 1}[${j}]: ${v} vs ${e}`);
    })
  );
}

Deno.test("sgd matches torch.optim.SGD: plain, momentum with dampening and decay, Nesterov", async () => {
  const cases: [Parameters<typeof sgd>[0], number[][]][] = [
    [{ lr: 0.1, momentum: 0, weightDecay: 0 }, [[0.9, -1.8], [0.81, -1.62]]],
    // momentum 0.5, dampening 0.5, weight_decay 0.1
    [
      { lr: 0.1, momentum: 0.5, dampening: 0.5, weightDecay: 0.1 },
      [[0.89, -1.78], [0.78605, -1.5721]],
    ],
    [{ lr: 0.1, momentum: 0.5, weightDecay: 0, nesterov: true }, [[0.85, -1.7], [0.6975, -1.395]]],
  ];
  for (const [options, expected] of cases) {
    for (const useStep of [false, true]) {
      const optimizer = sgd(options);
      const { after, losses } = await twoSteps(optimizer, useStep);
      near(after, expected, `sgd ${JSON.stringify(options)} ${useStep ? "step" : "minimize"}`);
      // The loss before each step: ½‖x‖² at the start, then at the first step's weights.
      assert.ok(Math.abs(losses[0] - 2.5) < 1e-6, `loss ${losses[0]}`);
      const first = expected[0];
      assert.ok(Math.abs(losses[1] - (first[0] ** 2 + first[1] ** 2) / 2) < 1e-5);
      optimizer.dispose();
    }
  }
});

Deno.test("adam matches torch.optim.Adam with L2 weight decay", async () => {
  // torch.optim.Adam(lr=0.1, betas=(0.5, 0.75), eps=1e-3, weight_decay=0.1)
  const expected = [
    [0.9000908265213442, -1.9000454338936847],
    [0.8013308503024053, -1.8006141449990656],
  ];
  for (const useStep of [false, true]) {
    const optimizer = adam({ lr: 0.1, beta1: 0.5, beta2: 0.75, epsilon: 1e-3, weightDecay: 0.1 });
    near((await twoSteps(optimizer, useStep)).after, expected, `adam ${useStep}`);
    optimizer.dispose();
  }
  // beta1 = 0 is allowed (no first moment), and so is a zero weight decay.
  const noMomentum = adam({ lr: 0.1, beta1: 0, weightDecay: 0 });
  const { after } = await twoSteps(noMomentum);
  // With beta1 = 0 the first Adam step moves each weight by lr·g/(|g| + ε') ≈ lr.
  assert.ok(
    Math.abs(after[0][0] - 0.9) < 1e-6 && Math.abs(after[0][1] + 1.9) < 1e-6,
    `${after[0]}`,
  );
  noMomentum.dispose();
});

Deno.test("minimize returns the cost only when asked; the class names are the registered ones", () => {
  for (const optimizer of [sgd(), adam()]) {
    const x = tf.variable(tf.scalar(1), true, `plain-cases-${crypto.randomUUID()}`);
    assert.equal(optimizer.minimize(() => tf.square(x) as tf.Scalar, false, [x]), null);
    assert.deepEqual(optimizer.lastPerturbations, []);
    assert.deepEqual(optimizer.lastVariableNames, []);
    assert.equal(optimizer.gradientEvaluations, 1);
    optimizer.dispose();
    x.dispose();
  }
  assert.equal(sgd().getClassName(), "UsamSGD");
  assert.equal(adam().getClassName(), "UsamAdam");
});

Deno.test("sgd and adam state: named weights, a faithful round trip, refused foreign names", async () => {
  for (
    const [make, suffixes] of [
      [() => sgd({ lr: 0.1, momentum: 0.5, weightDecay: 0.1 }), ["momentum"]],
      [() => adam({ lr: 0.1, weightDecay: 0.1 }), ["m", "v"]],
    ] as const
  ) {
    const name = `plain-cases-${crypto.randomUUID()}`;
    const x = tf.variable(tf.tensor1d([1, -2]), true, name);
    const loss = () => tf.mul(tf.sum(tf.square(x)), 0.5) as tf.Scalar;
    const first = make();
    first.minimize(loss, false, [x]);
    const saved = (await first.getWeights()).map((w) => ({
      name: w.name,
      tensor: tf.clone(w.tensor),
    }));
    assert.deepEqual(saved.slice(1).map((w) => w.name), suffixes.map((s) => `${name}/${s}`));
    first.minimize(loss, false, [x]);
    const continued = Array.from(x.dataSync());
    // Back to the state after one step: the same second step.
    x.assign(tf.tensor1d([1, -2]));
    const fresh = make();
    fresh.minimize(loss, false, [x]);
    const restored = make();
    await restored.setWeights(saved.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
    restored.minimize(loss, false, [x]);
    assert.deepEqual(Array.from(x.dataSync()), continued);
    // Restoring twice replaces the state (and frees the old), not adds to it.
    await restored.setWeights(saved.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
    assert.equal((await restored.getWeights()).length, saved.length);
    const owner = suffixes.length === 1 ? "sgd" : "adam";
    await assert.rejects(
      () => make().setWeights([saved[0], { name: `${name}/other`, tensor: saved[1].tensor }]),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message === `${owner}: setWeights got an unknown weight "${name}/other"`,
    );
    if (owner === "adam") {
      await assert.rejects(
        () => make().setWeights([saved[0], saved[1]]),
        (e: unknown) =>
          e instanceof RangeError &&
          e.message === `adam: setWeights needs both moments of "${name}"`,
      );
    }
    // dispose frees every state tensor.
    const before = tf.memory().numTensors;
    const extra = make();
    extra.minimize(loss, false, [x]);
    extra.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(saved.map((w) => w.tensor));
    for (const o of [first, fresh, restored]) o.dispose();
    x.dispose();
  }
});

Deno.test("bad hyperparameters: every message names the optimizer, the parameter and the value", () => {
  // deno-lint-ignore no-explicit-any
  const loose = (v: unknown) => v as any;
  const cases: [() => unknown, string, ErrorConstructor][] = [
    [() => sgd({ lr: 0 }), "sgd: lr must be a finite number > 0, got 0", RangeError],
    [
      () => sgd({ momentum: -0.1 }),
      "sgd: momentum must be a finite number in [0, 1), got -0.1",
      RangeError,
    ],
    [
      () => sgd({ weightDecay: -1 }),
      "sgd: weightDecay must be a finite number >= 0, got -1",
      RangeError,
    ],
    [
      () => sgd({ dampening: 1 }),
      "sgd: dampening must be a finite number in [0, 1), got 1",
      RangeError,
    ],
    [
      () => sgd({ dampening: -0.5 }),
      "sgd: dampening must be a finite number in [0, 1), got -0.5",
      RangeError,
    ],
    [
      () => sgd({ nesterov: loose("yes") }),
      'sgd: nesterov must be a boolean, got "yes"',
      TypeError,
    ],
    [() => sgd({ lr: loose("0.1") }), 'sgd: lr must be a number, got "0.1"', TypeError],
    [
      () => sgd(loose({ rho: 1 })),
      'sgd: unknown hyperparameter "rho" (known: lr, momentum, weightDecay, nesterov, dampening)',
      RangeError,
    ],
    [() => adam({ lr: -1 }), "adam: lr must be a finite number > 0, got -1", RangeError],
    [
      () => adam({ beta1: -0.1 }),
      "adam: beta1 must be a finite number in [0, 1), got -0.1",
      RangeError,
    ],
    [() => adam({ beta1: 1 }), "adam: beta1 must be a finite number in [0, 1), got 1", RangeError],
    [
      () => adam({ beta2: -0.5 }),
      "adam: beta2 must be a finite number in [0, 1), got -0.5",
      RangeError,
    ],
    [() => adam({ epsilon: -1 }), "adam: epsilon must be a finite number > 0, got -1", RangeError],
    [
      () => adam({ weightDecay: -0.1 }),
      "adam: weightDecay must be a finite number >= 0, got -0.1",
      RangeError,
    ],
    [
      () => adam(loose({ momentum: 0.9 })),
      'adam: unknown hyperparameter "momentum" (known: lr, beta1, beta2, epsilon, weightDecay)',
      RangeError,
    ],
    [() => adam(loose("x")), 'adam: options must be an object, got "x"', TypeError],
  ];
  for (const [call, message, kind] of cases) {
    assert.throws(
      call,
      (e: unknown) => e instanceof kind && (e as Error).message === message,
      message,
    );
  }
  // Nesterov with dampening is refused, naming both.
  assert.throws(
    () => sgd({ momentum: 0.5, nesterov: true, dampening: 0.5 }),
    /^RangeError: sgd: nesterov needs momentum > 0 and dampening 0, got momentum 0.5 and dampening 0.5$/,
  );
  // A learning rate set to 0 after construction is refused at the next update, by both.
  for (const [optimizer, owner] of [[sgd(), "sgd"], [adam(), "adam"]] as const) {
    const x = tf.variable(tf.scalar(1), true, `plain-cases-${crypto.randomUUID()}`);
    optimizer.learningRate = 0;
    const gradient = tf.scalar(1);
    assert.throws(
      () => optimizer.applyGradients({ [x.name]: gradient }),
      (e: unknown) =>
        e instanceof RangeError && e.message === `${owner}: lr must be a finite number > 0, got 0`,
    );
    assert.equal(x.dataSync()[0], 1, "no update");
    tf.dispose([x, gradient]);
    optimizer.dispose();
  }
});

Deno.test("createOptimizer: each name takes its own and its base's hyperparameters, nothing else", () => {
  const config = (name: string, hp: Record<string, unknown>) => {
    const optimizer = createOptimizer(name, hp);
    const c = optimizer.getConfig();
    optimizer.dispose();
    return c;
  };
  assert.equal(config("adam", {}).lr, 0.001, "adam is its own base");
  assert.equal(config("sgd", { momentum: 0.25 }).momentum, 0.25);
  assert.equal(config("adam", { beta1: 0.8 }).beta1, 0.8);
  assert.equal(config("sam", { rho: 0.2, seed: 3 }).rho, 0.2);
  const asamConfig = config("asam", { rho: 0.25, eta: 0.5, seed: 1 });
  assert.deepEqual([asamConfig.rho, asamConfig.eta], [0.25, 0.5]);
  for (const name of ["trace-sam", "frob-sam"]) {
    const c = config(name, { rho: 0.02, lambda: 0.5, samples: 3, seed: 1 });
    assert.deepEqual([c.rho, c.lambda, c.samples], [0.02, 0.5, 3], name);
  }
  const det = config("det-sam", { rho: 0.5, lambda: 0.25, samples: 2, halfWidth: 0.02, seed: 1 });
  assert.deepEqual([det.rho, det.lambda, det.samples, det.measure], [0.5, 0.25, 2, "cube(0.02)"]);
  // The SAM family on an Adam base takes Adam's settings, and SGD's only on SGD.
  const onAdam = config("sam", { base: "adam", beta1: 0.8, lr: 0.01 });
  assert.deepEqual(onAdam.baseConfig, {
    lr: 0.01,
    beta1: 0.8,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 0,
  });
  // Every SAM-family name takes an Adam base with all of Adam's settings, and SGD's base gets
  // all of SGD's (issue 14: dropping one of these keys survived the cases above).
  const adamBase = { lr: 0.002, beta1: 0.5, beta2: 0.75, epsilon: 1e-6, weightDecay: 0.01 };
  for (const name of ["sam", "asam", "trace-sam", "frob-sam", "det-sam"]) {
    assert.deepEqual(config(name, { base: "adam", ...adamBase }).baseConfig, adamBase, name);
  }
  assert.deepEqual(config("adam", { beta2: 0.75, epsilon: 1e-6, weightDecay: 0.01 }), {
    lr: 0.001,
    beta1: 0.9,
    beta2: 0.75,
    epsilon: 1e-6,
    weightDecay: 0.01,
  });
  assert.deepEqual(config("sgd", { weightDecay: 0.01, nesterov: true }), {
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 0.01,
    nesterov: true,
    dampening: 0,
  });
  // An undefined value is as good as absent.
  assert.equal(config("sgd", { rho: undefined }).lr, 0.1);
  const cases: [string, Record<string, unknown>, string][] = [
    [
      "sam",
      { beta1: 0.8 },
      'createOptimizer(sam): hyperparameter "beta1" does not apply to sam with base sgd',
    ],
    [
      "sam",
      { base: "adam", momentum: 0.9 },
      'createOptimizer(sam): hyperparameter "momentum" does not apply to sam with base adam',
    ],
    ["sgd", { base: "adam" }, 'createOptimizer(sgd): hyperparameter "base" does not apply to sgd'],
    [
      "adam",
      { momentum: 0.9 },
      'createOptimizer(adam): hyperparameter "momentum" does not apply to adam',
    ],
    [
      "asam",
      { lambda: 1 },
      'createOptimizer(asam): hyperparameter "lambda" does not apply to asam with base sgd',
    ],
    [
      "sam",
      { base: "rmsprop" },
      'createOptimizer(sam): unknown base optimizer "rmsprop" (use "sgd" or "adam")',
    ],
    [
      "sam",
      { foo: 1 },
      'createOptimizer(sam): unknown hyperparameter "foo" (known: lr, momentum, weightDecay, nesterov, beta1, beta2, epsilon, base, rho, lambda, samples, eta, halfWidth, seed)',
    ],
    [
      "lion",
      {},
      'createOptimizer: unknown optimizer "lion" (known: sgd, adam, sam, asam, trace-sam, frob-sam, det-sam)',
    ],
  ];
  for (const [name, hp, message] of cases) {
    assert.throws(
      () => createOptimizer(name, hp),
      (e: unknown) => e instanceof RangeError && e.message === message,
      message,
    );
  }
});

Deno.test("validation helpers: types described exactly; NonFiniteError's message and fields", () => {
  // deno-lint-ignore no-explicit-any
  const loose = (v: unknown) => v as any;
  const cases: [() => unknown, string][] = [
    [() => traceSam({ samples: loose("2") }), 'traceSam: samples must be an integer, got "2"'],
    [() => sgd(loose(null)), "sgd: options must be an object, got null"],
    [() => sgd(loose(5)), "sgd: options must be an object, got 5"],
    [() => sgd({ lr: loose({}) }), "sgd: lr must be a number, got [object Object]"],
    [() => sgd({ lr: loose(true) }), "sgd: lr must be a number, got true"],
    [() => sgd({ nesterov: loose(1) }), "sgd: nesterov must be a boolean, got 1"],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, (e: unknown) => e instanceof TypeError && e.message === message, message);
  }
  const cause = new Error("inner");
  const full = new NonFiniteError({
    step: 3,
    quantity: "weight",
    value: Infinity,
    where: "w[2]",
    optimizer: "sgd",
    cause,
  });
  assert.equal(full.message, "sgd: non-finite weight at step 3: Infinity (w[2])");
  assert.equal(full.name, "NonFiniteError");
  assert.equal(full.cause, cause);
  assert.deepEqual([full.step, full.quantity, full.value, full.where], [
    3,
    "weight",
    Infinity,
    "w[2]",
  ]);
  const bare = new NonFiniteError({ step: 0, quantity: "loss", value: NaN });
  assert.equal(bare.message, "non-finite loss at step 0: NaN");
  assert.equal("cause" in bare, false);
  assert.ok(bare instanceof RangeError);
});

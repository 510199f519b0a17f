/**
 * The estimates' argument checks (validate.ts), through the public measures (issue 14: these kill
 * mutants of validate.ts the measure tests let survive). Each bad argument is refused before any
 * loss is evaluated, with a message naming the measure, the argument and the value.
 */
import assert from "node:assert/strict";
import { adaptive } from "./adaptive.ts";
import { sharpness } from "./sharpness.ts";
import { pointMassMeasure } from "./spec.ts";
import { trace } from "./trace.ts";

// deno-lint-ignore no-explicit-any
const loose = (v: unknown) => v as any;
const bowl = (x: Float64Array) => x[0] ** 2 + x[1] ** 2;
const at = new Float64Array([0.5, -0.5]);

Deno.test("estimates refuse bad arguments before any work, naming measure, argument and value", () => {
  let calls = 0;
  const counted = (x: Float64Array) => {
    calls++;
    return bowl(x);
  };
  const cases: [() => unknown, string, ErrorConstructor][] = [
    [
      () => sharpness.frobenius.estimate(loose("f"), at),
      "frobenius.estimate: f must be a function, got string",
      TypeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, new Float64Array(0)),
      "frobenius.estimate: x must have at least one entry, got length 0",
      RangeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, loose(5)),
      "frobenius.estimate: options must be an object, got 5",
      TypeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, loose(null)),
      "frobenius.estimate: options must be an object, got null",
      TypeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, { rho: loose("0.1") }),
      "frobenius.estimate: rho must be a number, got string",
      TypeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, { samples: loose("4") }),
      "frobenius.estimate: samples must be a number, got string",
      TypeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, { seed: loose("1") }),
      "frobenius.estimate: seed must be a number, got string",
      TypeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, { rho: 0 }),
      "frobenius.estimate: rho must be a finite number > 0, got 0",
      RangeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, { rho: Infinity }),
      "frobenius.estimate: rho must be a finite number > 0, got Infinity",
      RangeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, { samples: 1 }),
      "frobenius.estimate: samples must be an integer >= 2, got 1",
      RangeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, { samples: 2.5 }),
      "frobenius.estimate: samples must be an integer >= 2, got 2.5",
      RangeError,
    ],
    [
      () => sharpness.frobenius.estimate(counted, at, { seed: 0.5 }),
      "frobenius.estimate: seed must be an integer, got 0.5",
      RangeError,
    ],
  ];
  for (const [call, message, kind] of cases) {
    assert.throws(
      call,
      (e: unknown) => e instanceof kind && (e as Error).message === message,
      message,
    );
  }
  assert.equal(calls, 0, "no loss evaluated for a refused call");
  // The smallest valid sample count is accepted.
  assert.ok(
    Number.isFinite(sharpness.frobenius.estimate(counted, at, { samples: 2, rho: 0.01, seed: 1 })),
  );
});

Deno.test("a loss that returns a non-finite or non-number value is named with the point", () => {
  const cases: [(x: Float64Array) => unknown, RegExp][] = [
    [
      () => Number.NaN,
      /^frobenius\.estimate: f must return finite numbers, but f\(x\) = NaN at x = \[0\.500000, -0\.500000\]$/,
    ],
    [
      () => "1",
      /^frobenius\.estimate: f must return finite numbers, but f\(x\) = 1 at x = \[0\.500000, -0\.500000\]$/,
    ],
  ];
  for (const [f, message] of cases) {
    assert.throws(
      () =>
        sharpness.frobenius.estimate(f as (x: Float64Array) => number, at, {
          rho: 0.01,
          samples: 2,
          seed: 1,
        }),
      (e: unknown) => e instanceof RangeError && message.test((e as Error).message),
      String(message),
    );
  }
});

Deno.test("adaptive: bad base or eta refused by name; exact needs x; the estimate moves with x", () => {
  const cases: [() => unknown, string, ErrorConstructor][] = [
    [
      () => adaptive(loose(null)),
      "adaptive: base must be a sharpness measure, got null",
      TypeError,
    ],
    [() => adaptive(loose(7)), "adaptive: base must be a sharpness measure, got 7", TypeError],
    [
      () => adaptive(loose({ name: "x" })),
      "adaptive: base must be a sharpness measure, got [object Object]",
      TypeError,
    ],
    [
      () => adaptive(trace, -0.5),
      "adaptive: eta must be a finite number >= 0, got -0.5",
      RangeError,
    ],
    [
      () => adaptive(trace, Infinity),
      "adaptive: eta must be a finite number >= 0, got Infinity",
      RangeError,
    ],
    [
      () => adaptive(trace, loose("0.1")),
      "adaptive: eta must be a finite number >= 0, got 0.1",
      RangeError,
    ],
  ];
  for (const [call, message, kind] of cases) {
    assert.throws(
      call,
      (e: unknown) => e instanceof kind && (e as Error).message === message,
      message,
    );
  }
  const measure = adaptive(trace, 0.5);
  assert.equal(measure.name, "adaptive(trace, eta=0.5)");
  assert.equal(adaptive(trace).name, "adaptive(trace, eta=0)");
  assert.throws(
    () => measure.exact([[1, 0], [0, 1]]),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message ===
        "adaptive(trace, eta=0.5).exact: the point x is required (the measure moves with x)",
  );
  assert.throws(
    () => measure.exact([[1, 0], [0, 1]], [1]),
    /^RangeError: adaptive\(trace, eta=0\.5\)\.exact: dimension mismatch: H is 2×2 but x has length 1$/,
  );
  assert.throws(
    () => measure.exact([[1, 0], [0, 1]], [1, Number.NaN]),
    /adaptive\(trace, eta=0\.5\)\.exact: x/,
  );
  // D = |x| + eta = (1.5, 1): tr(DHD) = 1.5²·2 + 1²·4 = 8.5 for H = diag(2, 4).
  assert.equal(measure.exact([[2, 0], [0, 4]], [-1, 0.5]), 8.5);
  // The estimate is the base's on u ↦ f(x + D u) at u = 0: on the quadratic 2a² + 4b² (H = diag(4, 8))
  // the adaptive trace is tr(DHD) = 1.5²·4 + 1²·8 = 17, up to the sampling error of 4000 samples.
  const quadratic = (x: Float64Array) => 2 * (x[0] + 1) ** 2 + 4 * (x[1] - 0.5) ** 2;
  const { value, standardError } = measure.estimateWithError(quadratic, [-1, 0.5], {
    rho: 0.01,
    samples: 4000,
    seed: 3,
  });
  // 5 standard errors: a false alarm about once in 3.5 million seeds (the seed is fixed).
  assert.ok(Math.abs(value - 17) < 5 * standardError, `${value} ± ${standardError}`);
  assert.equal(
    measure.estimate(quadratic, [-1, 0.5], { rho: 0.01, samples: 4000, seed: 3 }),
    value,
  );
  // The spec carries the adaptive form of the base's measure.
  assert.equal(measure.spec?.measure.name, "adaptive(gaussian, eta=0.5)");
});

Deno.test("adaptive: exact's H is named by the measure; the estimate probes x + ρDδ, not x - ρDδ", () => {
  const measure = adaptive(trace);
  assert.throws(() => measure.exact([[1, 2], [0, 1]], [1, 1]), (e: unknown) => {
    assert.ok(e instanceof RangeError, `${e}`);
    assert.match(e.message, /^adaptive\(trace, eta=0\)\.exact: H must be symmetric/);
    return true;
  });
  // A one-sided base (point mass at e_0, not symmetric) sees the sign of the move: f = x₀² + x₀ at
  // x = (2, 1), D = diag(2, 1), rho 0.1: (f(2.2) - f(2))/0.01 = (7.04 - 6)/0.01 = 104, where the
  // opposite move would give (5.04 - 6)/0.01 = -96.
  const oneSided = adaptive(
    sharpness.universal({
      inner: (t) => t,
      outer: (m) => m[0],
      measure: pointMassMeasure([[1, 0]]),
      defaults: { rho: 0.1, samples: 2 },
    }),
  );
  const value = oneSided.estimate((x) => x[0] ** 2 + x[0], [2, 1]);
  assert.ok(Math.abs(value - 104) < 1e-9, `${value}`);
});

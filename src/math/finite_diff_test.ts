import assert from "node:assert/strict";
import {
  formatPoint,
  gradient,
  gradientSteps,
  hessian,
  hessianSteps,
  hessianVectorProduct,
  predictedGradientError,
  predictedHessianError,
} from "./finite_diff.ts";
import { EPSILON, matVec } from "./linalg.ts";

/** f(x) = exp(x0) sin(x1) + x0² x1² + x2³, with everything known in closed form. */
const f = (x: Float64Array) => Math.exp(x[0]) * Math.sin(x[1]) + x[0] ** 2 * x[1] ** 2 + x[2] ** 3;
const exactGradient = (x: ArrayLike<number>) => [
  Math.exp(x[0]) * Math.sin(x[1]) + 2 * x[0] * x[1] ** 2,
  Math.exp(x[0]) * Math.cos(x[1]) + 2 * x[0] ** 2 * x[1],
  3 * x[2] ** 2,
];
const exactHessian = (x: ArrayLike<number>) => {
  const e = Math.exp(x[0]);
  return [
    [e * Math.sin(x[1]) + 2 * x[1] ** 2, e * Math.cos(x[1]) + 4 * x[0] * x[1], 0],
    [e * Math.cos(x[1]) + 4 * x[0] * x[1], -e * Math.sin(x[1]) + 2 * x[0] ** 2, 0],
    [0, 0, 6 * x[2]],
  ];
};
/** Bounds of f near x over a box of half-width r (every partial of exp·sin is <= e^(x0+r)). */
function bounds(x: ArrayLike<number>, r: number) {
  const a = Math.abs(x[0]) + r, b = Math.abs(x[1]) + r, c = Math.abs(x[2]) + r;
  const e = Math.exp(x[0] + r);
  return {
    valueBound: e + a * a * b * b + c ** 3,
    // exp, sin, powers and 3 additions: each rounds by <= 1 ulp in V8, so 8 eps·F covers them.
    valueError: 8 * EPSILON * (e + a * a * b * b + c ** 3),
    gradientBound: Math.max(e + 2 * a * b * b, e + 2 * a * a * b, 3 * c * c),
    pointBound: Math.max(Math.abs(x[0]), Math.abs(x[1]), Math.abs(x[2])),
    // ∂⁴(exp·sin) <= e^(x0+r); ∂0²∂1²(x0²x1²) = 4; x2³ has no fourth derivative.
    fourthDerivativeBound: e + 4,
    // ∂³(exp·sin) <= e^(x0+r); ∂0³ and ∂1³ of x0²x1² are 0; ∂2³ x2³ = 6.
    thirdDerivativeBound: Math.max(e, 6),
  };
}

const points = [[0.3, -0.7, 1.1], [0, 0, 0], [-2, 3, 0.5], [12, -40, 7]];

Deno.test("hessian is within predictedHessianError and exactly symmetric", () => {
  for (const p of points) {
    const x = new Float64Array(p);
    const steps = hessianSteps(x);
    const H = hessian(f, x);
    const bound = predictedHessianError({ steps, ...bounds(x, 2 * Math.max(...steps)) });
    const exact = exactHessian(x);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        assert.equal(H[i][j], H[j][i], "symmetric by construction");
        const error = Math.abs(H[i][j] - exact[i][j]);
        assert.ok(
          error <= bound[i][j],
          `x=${p} H[${i}][${j}] error ${error} > bound ${bound[i][j]}`,
        );
      }
    }
  }
});

Deno.test("the default Hessian step beats much larger and much smaller steps", () => {
  // At x = (0.3, -0.7, 1.1) the error of the default step is near the minimum of
  // h²·M4 + eps·F/h²: 100x larger steps pay 1e4x truncation, 100x smaller pay 1e4x round-off.
  const x = new Float64Array(points[0]);
  const exact = exactHessian(x);
  const worst = (H: number[][]) =>
    Math.max(...H.flatMap((row, i) => row.map((v, j) => Math.abs(v - exact[i][j]))));
  const base = worst(hessian(f, x));
  const large = worst(hessian(f, x, { step: 100 * hessianSteps(x)[0] }));
  const small = worst(hessian(f, x, { step: hessianSteps(x)[0] / 100 }));
  assert.ok(base < large && base < small, `default ${base}, large ${large}, small ${small}`);
  assert.ok(base < 1e-6, `default step error ${base}`);
});

Deno.test("hessian is exact for cubics up to rounding, with scalar and per-coordinate steps", () => {
  const cubic = (x: Float64Array) => x[0] ** 3 - 2 * x[0] * x[1] + 0.5 * x[1] ** 2 * x[0];
  const x = new Float64Array([0.5, -1.5]);
  const exact = [[6 * 0.5, -2 + (-1.5)], [-2 + (-1.5), 0.5]];
  for (const step of [1e-2, [1e-2, 3e-2], undefined]) {
    const steps = step === undefined
      ? hessianSteps(x)
      : typeof step === "number"
      ? [step, step]
      : step;
    const H = hessian(cubic, x, { step });
    // No truncation (M4 = 0), so only round-off remains: F <= 4 on the box, G <= 6.
    const bound = predictedHessianError({
      steps,
      fourthDerivativeBound: 0,
      valueBound: 4,
      valueError: 16 * EPSILON * 4,
      gradientBound: 6,
      pointBound: 1.5,
    });
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        assert.ok(Math.abs(H[i][j] - exact[i][j]) <= bound[i][j], `step ${step} H[${i}][${j}]`);
      }
    }
  }
});

Deno.test("gradient is within predictedGradientError", () => {
  for (const p of points) {
    const x = new Float64Array(p);
    const steps = gradientSteps(x);
    const g = gradient(f, x);
    const bound = predictedGradientError({ steps, ...bounds(x, Math.max(...steps)) });
    const exact = exactGradient(x);
    for (let i = 0; i < 3; i++) {
      const error = Math.abs(g[i] - exact[i]);
      assert.ok(error <= bound[i], `x=${p} g[${i}] error ${error} > ${bound[i]}`);
    }
  }
});

Deno.test("hessianVectorProduct matches H v from values and from an exact gradient", () => {
  const x = new Float64Array(points[0]);
  const v = new Float64Array([0.5, -1, 2]);
  const expected = matVec(exactHessian(x), v);
  const fromValues = hessianVectorProduct(f, x, v);
  const fromGradient = hessianVectorProduct(f, x, v, {
    gradient: (y) => exactGradient(y),
  });
  for (let i = 0; i < 3; i++) {
    // Both are central differences with error ~ (truncation ~1e-8) + (round-off ~1e-8) times
    // ‖v‖∞ ≈ 2 and the derivative scale ~e; 1e-6 is over 10x above either.
    assert.ok(
      Math.abs(fromValues[i] - expected[i]) <= 1e-6,
      `values: ${fromValues[i]} vs ${expected[i]}`,
    );
    assert.ok(Math.abs(fromGradient[i] - expected[i]) <= 1e-6, `gradient: ${fromGradient[i]}`);
  }
  assert.deepEqual([...hessianVectorProduct(f, x, new Float64Array(3))], [0, 0, 0]);
});

Deno.test("hessian accepts a plain number[] point and leaves it untouched (public contract)", () => {
  const point = [0.3, -0.7, 1.1];
  const H = hessian(f, point);
  assert.deepEqual(point, [0.3, -0.7, 1.1]);
  assert.deepEqual(H, hessian(f, new Float64Array(point)));
  assert.ok(Array.isArray(H) && H.every(Array.isArray));
});

Deno.test("bad input is refused with the parameter and the value", () => {
  const x = new Float64Array([1, 2]);
  assert.throws(() => hessian(f, [1, NaN]), /x\[1\] must be finite, got NaN/);
  assert.throws(() => hessian(f, []), /x must have at least one coordinate/);
  assert.throws(() => hessian(f, x, { step: 0 }), /step must be a finite number > 0, got 0/);
  assert.throws(() => gradient(f, x, { step: -1 }), /step must be a finite number > 0, got -1/);
  assert.throws(() => hessian(f, x, { step: [1e-3, -1] }), /step\[1\] must be > 0, got -1/);
  assert.throws(() => hessian(f, x, { step: [1e-3] }), /step must have length 2, got length 1/);
  assert.throws(() => hessian("f" as never, x), TypeError);
  assert.throws(
    () => hessian((y) => (y[0] > 1.00001 ? NaN : 0), x),
    /f returned NaN at x \+ 2h e_0 = \[1.000244140625, 2\]/,
  );
  assert.throws(() => gradient(() => Infinity, x), /f returned Infinity at x \+ h e_0/);
  assert.throws(() => gradient(() => "1" as never, x), TypeError);
  assert.throws(() => hessianVectorProduct(f, x, [1]), /v must have length 2/);
  assert.throws(
    () => hessianVectorProduct(f, x, [1, 0], { gradient: () => [NaN, 0] }),
    /gradient at x \+ kv = \[.*\]\[0\] must be finite, got NaN/,
  );
  assert.throws(
    () => predictedHessianError({ steps: [1e-3], fourthDerivativeBound: -1, valueBound: 1 }),
    /fourthDerivativeBound must be a finite number >= 0, got -1/,
  );
  assert.equal(formatPoint(new Float64Array(8)), "[0, 0, 0, 0, 0, 0, … (8 coordinates)]");
});

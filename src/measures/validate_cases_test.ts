/**
 * The estimates' argument checks (validate.ts), through the public measures (issue 14: these kill
 * mutants of validate.ts the measure tests let survive). Each bad argument is refused before any
 * loss is evaluated, with a message naming the measure, the argument and the value.
 */
import assert from "node:assert/strict";
import { sharpness } from "./sharpness.ts";

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

/**
 * Throughput of the zeroth-order estimates with their default options on a d = 10 quadratic
 * (the loss itself costs ~100 flops, so this is the estimator's own overhead plus its
 * evaluations: 20,001 for trace and Frobenius, 40,201 for the determinant, ~240 for λ_max).
 *
 * @module
 */
import { sharpness } from "./sharpness.ts";

const d = 10;
const H = Array.from(
  { length: d },
  (_, i) =>
    Array.from({ length: d }, (_, j) => (i === j ? 1 + i / 4 : 0.1 / (1 + Math.abs(i - j)))),
);
const f = (x: Float64Array) => {
  let q = 0;
  for (let i = 0; i < d; i++) {
    let row = 0;
    for (let j = 0; j < d; j++) row += H[i][j] * x[j];
    q += x[i] * row;
  }
  return 0.5 * q;
};
const x = new Float64Array(d);

for (
  const name of ["trace", "frobenius", "determinant", "maxEigenvalue", "adaptiveTrace"] as const
) {
  Deno.bench(`${name}.estimate, d = 10, defaults`, { group: "estimate" }, () => {
    sharpness[name].estimate(f, x.fill(0.5));
  });
}

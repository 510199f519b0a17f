/**
 * Cost of the Float64 math layer (`deno bench -A bench/math_bench.ts`): the Jacobi
 * eigendecomposition and LU log-determinant at the sizes the measures and the Lanczos tridiagonal
 * use (d = 10, 50, 100), and the finite-difference Hessian (`1 + 2d + 2d(d-1)` loss evaluations)
 * of a dense quadratic at d = 10 and 50, against a plain loss evaluation.
 *
 * @module
 */
import { hessian } from "../src/math/finite_diff.ts";
import { fromEigen, logDeterminant, randomOrthogonal, symmetricEigen } from "../src/math/linalg.ts";
import { Random } from "../src/math/random.ts";

function matrix(d: number): number[][] {
  const rng = new Random(d);
  const values = Array.from({ length: d }, () => 0.5 + rng.uniform());
  return fromEigen(values, randomOrthogonal(rng, d));
}

for (const d of [10, 50, 100]) {
  const H = matrix(d);
  Deno.bench(`symmetricEigen d=${d}`, { group: `eigen`, baseline: d === 10 }, () => {
    symmetricEigen(H);
  });
  Deno.bench(`logDeterminant d=${d}`, { group: `logdet`, baseline: d === 10 }, () => {
    logDeterminant(H);
  });
}

for (const d of [10, 50]) {
  const H = matrix(d);
  const loss = (x: Float64Array) => {
    let q = 0;
    for (let i = 0; i < d; i++) {
      let row = 0;
      for (let j = 0; j < d; j++) row += H[i][j] * x[j];
      q += x[i] * row;
    }
    return 0.5 * q;
  };
  const x = new Random(1).gaussianVector(d);
  Deno.bench(`one loss evaluation d=${d}`, { group: `hessian d=${d}`, baseline: true }, () => {
    loss(x);
  });
  Deno.bench(`finite-difference hessian d=${d} (${1 + 2 * d * d} evaluations)`, {
    group: `hessian d=${d}`,
  }, () => {
    hessian(loss, x);
  });
}

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { setFastWasmMatMul } from "./wasm_matmul.ts";

/** Unit roundoff of float32. */
const U = 2 ** -24;

/**
 * Higham's bound for a float32 dot product of length k accumulated in any order (with or without
 * FMA): |fl(a·b) − a·b| ≤ γ_k Σ|a_i b_i|, γ_k = k u / (1 − k u). A bias add is one more term.
 */
function gamma(k: number): number {
  return (k * U) / (1 - k * U);
}

interface Case {
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** Float64 reference of op(A) op(B) with broadcasting batch dims, and Σ|a||b| per entry. */
function reference(
  a: Float32Array,
  b: Float32Array,
  c: Case,
): { exact: Float64Array; magnitude: Float64Array; k: number; outShape: number[] } {
  const [aRows, aCols] = c.aShape.slice(-2);
  const [bRows, bCols] = c.bShape.slice(-2);
  const m = c.transposeA ? aCols : aRows;
  const k = c.transposeA ? aRows : aCols;
  const n = c.transposeB ? bRows : bCols;
  const outBatchShape = tf.broadcast_util.assertAndGetBroadcastShape(
    c.aShape.slice(0, -2),
    c.bShape.slice(0, -2),
  );
  const batch = outBatchShape.reduce((p, d) => p * d, 1);
  const exact = new Float64Array(batch * m * n);
  const magnitude = new Float64Array(batch * m * n);
  const rank = outBatchShape.length;
  const batchIndex = (shape: number[], flat: number): number => {
    // Maps an output batch index to the operand's batch index under broadcasting.
    const dims = shape.slice(0, -2);
    const padded = [...new Array(rank - dims.length).fill(1), ...dims];
    let rest = flat;
    const coords = new Array(rank);
    for (let d = rank - 1; d >= 0; d--) {
      coords[d] = rest % outBatchShape[d];
      rest = Math.floor(rest / outBatchShape[d]);
    }
    let index = 0;
    for (let d = 0; d < rank; d++) index = index * padded[d] + (padded[d] === 1 ? 0 : coords[d]);
    return index;
  };
  for (let t = 0; t < batch; t++) {
    const aBase = batchIndex(c.aShape, t) * aRows * aCols;
    const bBase = batchIndex(c.bShape, t) * bRows * bCols;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const av = c.transposeA ? a[aBase + p * aCols + i] : a[aBase + i * aCols + p];
          const bv = c.transposeB ? b[bBase + j * bCols + p] : b[bBase + p * bCols + j];
          sum += av * bv;
          abs += Math.abs(av * bv);
        }
        exact[(t * m + i) * n + j] = sum;
        magnitude[(t * m + i) * n + j] = abs;
      }
    }
  }
  return { exact, magnitude, k, outShape: [...outBatchShape, m, n] };
}

function randomData(rng: Random, shape: number[]): Float32Array {
  return rng.fillGaussian(new Float32Array(shape.reduce((p, d) => p * d, 1)));
}

/** Live tensors on the wasm side (catches leaked temporaries and views, not only tf tensors). */
function wasmDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

const CASES: Case[] = [];
{
  const rng = new Random(20240503);
  const dims = () => [1, 2, 5, 17, 64][rng.integer(5)];
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      for (let r = 0; r < 4; r++) {
        const m = dims();
        const k = dims();
        const n = dims();
        const batchA = [[], [1], [3], [2, 3]][r];
        const batchB = [[], [3], [1], [2, 3]][r];
        CASES.push({
          aShape: [...batchA, ...(transposeA ? [k, m] : [m, k])],
          bShape: [...batchB, ...(transposeB ? [n, k] : [k, n])],
          transposeA,
          transposeB,
        });
      }
    }
  }
  // The MLP's shapes, and a batch broadcast the fast path hands back to the original kernel.
  CASES.push({ aShape: [128, 784], bShape: [128, 128], transposeA: true, transposeB: false });
  CASES.push({ aShape: [128, 128], bShape: [784, 128], transposeA: false, transposeB: true });
  // (TF.js's matMul flattens batch dims before the kernel, so only broadcasts that survive that
  // flattening, like this one, are well defined.)
  CASES.push({ aShape: [2, 3, 4, 3], bShape: [3, 3, 5], transposeA: false, transposeB: false });
}

Deno.test("wasm BatchMatMul equals the float64 product within Higham's bound, all transposes and batch layouts", async () => {
  await initBackend("wasm");
  const rng = new Random(7);
  for (const c of CASES) {
    const a = randomData(rng, c.aShape);
    const b = randomData(rng, c.bShape);
    const { exact, magnitude, k, outShape } = reference(a, b, c);
    const before = wasmDataIds();
    const out = tf.tidy(() =>
      tf.matMul(tf.tensor(a, c.aShape), tf.tensor(b, c.bShape), c.transposeA, c.transposeB)
    );
    assert.deepEqual(out.shape, outShape, `shape for ${JSON.stringify(c)}`);
    const got = out.dataSync();
    out.dispose();
    assert.equal(wasmDataIds(), before, `wasm tensors leaked by ${JSON.stringify(c)}`);
    // γ_k Σ|a b| bounds the rounding of the float32 accumulation; float64 reference error is
    // ~1e-16 relative, negligible. The +1e-30 keeps exact zeros (never here) from failing.
    for (let i = 0; i < got.length; i++) {
      const bound = gamma(k) * magnitude[i] + 1e-30;
      assert.ok(
        Math.abs(got[i] - exact[i]) <= bound,
        `${JSON.stringify(c)} entry ${i}: ${got[i]} vs ${exact[i]} (bound ${bound})`,
      );
    }
  }
});

Deno.test("wasm BatchMatMul agrees with the cpu backend and with TF.js's original wasm kernel", async () => {
  const rng = new Random(11);
  for (const c of CASES.slice(0, 16)) {
    const a = randomData(rng, c.aShape);
    const b = randomData(rng, c.bShape);
    const { magnitude, k } = reference(a, b, c);
    const run = () =>
      tf.tidy(() =>
        tf.matMul(tf.tensor(a, c.aShape), tf.tensor(b, c.bShape), c.transposeA, c.transposeB)
          .dataSync()
      );
    await initBackend("cpu");
    const cpu = run();
    await initBackend("wasm");
    const fast = run();
    setFastWasmMatMul(false);
    let original: Float32Array | Int32Array | Uint8Array;
    try {
      original = run();
    } finally {
      setFastWasmMatMul(true);
    }
    // Each result is within γ_k Σ|ab| of the exact product, so two differ by at most twice that.
    for (let i = 0; i < fast.length; i++) {
      const bound = 2 * gamma(k) * magnitude[i] + 1e-30;
      assert.ok(Math.abs(fast[i] - cpu[i]) <= bound, `${JSON.stringify(c)} vs cpu at ${i}`);
      assert.ok(
        Math.abs(fast[i] - original[i]) <= bound,
        `${JSON.stringify(c)} vs original at ${i}`,
      );
    }
  }
});

Deno.test("wasm _FusedMatMul (bias, relu/linear, transposes, batches) matches the float64 reference", async () => {
  await initBackend("wasm");
  const rng = new Random(13);
  const fusedCases = CASES.filter((c) =>
    c.aShape.length === c.bShape.length && c.aShape.length <= 3
  );
  for (const c of fusedCases) {
    for (const activation of ["linear", "relu"] as const) {
      const a = randomData(rng, c.aShape);
      const b = randomData(rng, c.bShape);
      const { exact, magnitude, k, outShape } = reference(a, b, c);
      const n = outShape[outShape.length - 1];
      const bias = randomData(rng, [n]);
      const before = wasmDataIds();
      const got = tf.tidy(() => {
        // tfjs-core's fused matMul wants rank-3 operands when batched; rank 2 it reshapes itself.
        const aTensor: tf.Tensor = tf.tensor(a, c.aShape);
        const bTensor: tf.Tensor = tf.tensor(b, c.bShape);
        return tf.fused.matMul({
          a: aTensor as tf.Tensor3D,
          b: bTensor as tf.Tensor3D,
          transposeA: c.transposeA,
          transposeB: c.transposeB,
          bias: tf.tensor1d(bias),
          activation,
        }).dataSync();
      });
      assert.equal(wasmDataIds(), before, `wasm tensors leaked by fused ${JSON.stringify(c)}`);
      for (let i = 0; i < got.length; i++) {
        const pre = exact[i] + bias[i % n];
        const want = activation === "relu" ? Math.max(0, pre) : pre;
        // The bias add is one more rounded term (γ_{k+1}); relu is 1-Lipschitz.
        const bound = gamma(k + 1) * (magnitude[i] + Math.abs(bias[i % n])) + 1e-30;
        assert.ok(
          Math.abs(got[i] - want) <= bound,
          `${activation} ${JSON.stringify(c)} entry ${i}: ${got[i]} vs ${want}`,
        );
      }
    }
  }
});

Deno.test("wasm matmul is deterministic and keeps the tensor count flat over repeated backward passes", async () => {
  await initBackend("wasm");
  const rng = new Random(17);
  const x = tf.tensor(randomData(rng, [32, 40]), [32, 40]);
  const w = tf.variable(tf.tensor(randomData(rng, [40, 24]), [40, 24]));
  const gradient = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(x, w))) as tf.Scalar);
      return grads[w.name].dataSync();
    });
  const first = gradient();
  const tensors = tf.memory().numTensors;
  const ids = wasmDataIds();
  for (let i = 0; i < 5; i++) assert.deepEqual(gradient(), first);
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(wasmDataIds(), ids);
  x.dispose();
  w.dispose();
});

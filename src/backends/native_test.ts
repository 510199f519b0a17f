import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { fileURLToPath } from "node:url";
import { Random } from "../math/random.ts";
import { initBackend } from "./init.ts";
import { NATIVE_DEBIAN_PACKAGES, nativeUnavailableReason } from "./native.ts";
import { setNativeMatMul } from "./native_matmul.ts";
import { asWasmBackend } from "./wasm_internals.ts";
import { conv2DBackpropFilterWasm } from "./wasm_conv2d_backprop_filter.ts";
import { conv2DBackpropInputWasm } from "./wasm_conv2d_backprop_input.ts";

/** Unit roundoff of float32. */
const U = 2 ** -24;

/**
 * Higham's bound for a float32 dot product of length k summed in any order (blocked, FMA or
 * not): |fl(a·b) − a·b| ≤ γ_k Σ|a_i b_i|, γ_k = k u / (1 − k u). OpenBLAS and the cpu backend
 * each meet it, so they differ by at most 2 γ_k Σ|a_i b_i|.
 */
function gamma(k: number): number {
  return (k * U) / (1 - k * U);
}

const unavailable = nativeUnavailableReason();
/** Skipped, saying why, where OpenBLAS is not installed; `.ci/run` installs it. */
const ignore = unavailable !== undefined;
if (ignore) console.warn(`native tests skipped: ${unavailable}`);

interface Case {
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

function randomData(rng: Random, shape: number[]): Float32Array {
  return rng.fillGaussian(new Float32Array(shape.reduce((p, d) => p * d, 1)));
}

/** Σ|a||b| of every output entry (float64), with broadcasting of a size-1 batch. */
function magnitudes(
  a: Float32Array,
  b: Float32Array,
  c: Case,
): { magnitude: Float64Array; k: number } {
  const [aRows, aCols] = c.aShape.slice(-2);
  const [bRows, bCols] = c.bShape.slice(-2);
  const m = c.transposeA ? aCols : aRows;
  const k = c.transposeA ? aRows : aCols;
  const n = c.transposeB ? bRows : bCols;
  const batchA = a.length / (aRows * aCols);
  const batchB = b.length / (bRows * bCols);
  const batch = Math.max(batchA, batchB);
  const magnitude = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const aBase = (batchA === 1 ? 0 : t) * aRows * aCols;
    const bBase = (batchB === 1 ? 0 : t) * bRows * bCols;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const av = c.transposeA ? a[aBase + p * aCols + i] : a[aBase + i * aCols + p];
          const bv = c.transposeB ? b[bBase + j * bCols + p] : b[bBase + p * bCols + j];
          abs += Math.abs(av * bv);
        }
        magnitude[(t * m + i) * n + j] = abs;
      }
    }
  }
  return { magnitude, k };
}

/** Random shapes: every transpose pair, batch layouts equal/shared-b/shared-a/rank 4, odd sizes. */
const CASES: Case[] = [];
{
  const rng = new Random(90901);
  const dims = () => [1, 3, 8, 31, 67, 130][rng.integer(6)];
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      for (let r = 0; r < 5; r++) {
        const m = dims();
        const k = dims();
        const n = dims();
        const batchA = [[], [3], [4], [1], [2, 3]][r];
        const batchB = [[], [3], [1], [4], [2, 3]][r];
        CASES.push({
          aShape: [...batchA, ...(transposeA ? [k, m] : [m, k])],
          bShape: [...batchB, ...(transposeB ? [n, k] : [k, n])],
          transposeA,
          transposeB,
        });
      }
    }
  }
  // The paper MLP's backward products, and a broadcast the native kernel hands to the fallback.
  CASES.push({ aShape: [128, 784], bShape: [128, 128], transposeA: true, transposeB: false });
  CASES.push({ aShape: [128, 128], bShape: [784, 128], transposeA: false, transposeB: true });
  CASES.push({ aShape: [2, 3, 4, 3], bShape: [3, 3, 5], transposeA: false, transposeB: false });
}

function matMulOn(c: Case, a: Float32Array, b: Float32Array): Float32Array {
  return tf.tidy(() =>
    tf.matMul(tf.tensor(a, c.aShape), tf.tensor(b, c.bShape), c.transposeA, c.transposeB)
      .dataSync() as Float32Array
  );
}

Deno.test({
  name:
    "native BatchMatMul agrees with the cpu backend within 2γ_k Σ|ab|, all transposes and batch layouts",
  ignore,
  async fn() {
    const rng = new Random(5);
    for (const c of CASES) {
      const a = randomData(rng, c.aShape);
      const b = randomData(rng, c.bShape);
      await initBackend("cpu");
      const cpu = matMulOn(c, a, b);
      await initBackend("native");
      const before = tf.memory().numTensors;
      const native = matMulOn(c, a, b);
      assert.equal(tf.memory().numTensors, before, `tensors leaked by ${JSON.stringify(c)}`);
      assert.equal(native.length, cpu.length);
      if (c.aShape.length === 4) {
        // A broadcast the native kernel hands to the wasm fallback (no magnitude table for it
        // here): a relative check, far above γ_k but far below any wrong index.
        for (let i = 0; i < native.length; i++) {
          assert.ok(Math.abs(native[i] - cpu[i]) <= 1e-5 * (1 + Math.abs(cpu[i])), `entry ${i}`);
        }
        continue;
      }
      const { magnitude, k } = magnitudes(a, b, c);
      for (let i = 0; i < native.length; i++) {
        const bound = 2 * gamma(k) * magnitude[i] + 1e-30;
        assert.ok(
          Math.abs(native[i] - cpu[i]) <= bound,
          `${JSON.stringify(c)} entry ${i}: native ${native[i]} vs cpu ${cpu[i]} (bound ${bound})`,
        );
      }
    }
  },
});

const ACTIVATIONS = ["linear", "relu", "relu6", "leakyrelu", "sigmoid", "elu"] as const;

Deno.test({
  name:
    "native _FusedMatMul (bias, every activation, transposes, batches) agrees with the cpu backend",
  ignore,
  async fn() {
    const rng = new Random(6);
    const fusedCases = CASES.filter((c) =>
      c.aShape.length === c.bShape.length && c.aShape.length <= 3
    );
    for (const c of fusedCases) {
      const activation = ACTIVATIONS[rng.integer(ACTIVATIONS.length)];
      const a = randomData(rng, c.aShape);
      const b = randomData(rng, c.bShape);
      const n = c.transposeB ? c.bShape[c.bShape.length - 2] : c.bShape[c.bShape.length - 1];
      const bias = randomData(rng, [n]);
      const run = () =>
        tf.tidy(() =>
          tf.fused.matMul({
            a: (tf.tensor(a, c.aShape) as tf.Tensor) as tf.Tensor3D,
            b: (tf.tensor(b, c.bShape) as tf.Tensor) as tf.Tensor3D,
            transposeA: c.transposeA,
            transposeB: c.transposeB,
            bias: tf.tensor1d(bias),
            activation,
            leakyreluAlpha: 0.1,
          }).dataSync()
        );
      await initBackend("cpu");
      const cpu = run();
      await initBackend("native");
      const native = run();
      const { magnitude, k } = magnitudes(a, b, c);
      for (let i = 0; i < native.length; i++) {
        // The bias is one more rounded term (γ_{k+1}); every activation here is 1-Lipschitz, and
        // its own evaluation (exp in sigmoid and elu) adds a few ulps of the result: 4u|y|.
        const bound = 2 * gamma(k + 1) * (magnitude[i] + Math.abs(bias[i % n])) +
          4 * U * Math.abs(cpu[i]) + 1e-30;
        assert.ok(
          Math.abs(native[i] - cpu[i]) <= bound,
          `${activation} ${JSON.stringify(c)} entry ${i}: native ${native[i]} vs cpu ${cpu[i]}`,
        );
      }
    }
  },
});

Deno.test({
  name: "native matmul gradients (dense layer with bias and relu) agree with the cpu backend",
  ignore,
  async fn() {
    const rng = new Random(8);
    const xData = randomData(rng, [64, 50]);
    const wData = randomData(rng, [50, 30]);
    const bData = randomData(rng, [30]);
    const gradients = () =>
      tf.tidy(() => {
        const x = tf.tensor2d(xData, [64, 50]);
        const f = (w: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.fused.matMul({
            a: x,
            b: w as tf.Tensor2D,
            bias: b,
            activation: "relu",
          })));
        const [dw, db] = tf.grads(f)([tf.tensor2d(wData, [50, 30]), tf.tensor1d(bData)]);
        return [dw.dataSync(), db.dataSync()];
      });
    await initBackend("cpu");
    const [cpuW, cpuB] = gradients();
    await initBackend("native");
    const [nativeW, nativeB] = gradients();
    // dW = xᵀ (2 y ⊙ relu'), a length-64 sum of products of values already rounded: a relative
    // bound of a few γ_64 on the magnitude, at most 1e-4 here, taken as 1e-4 of the largest entry.
    const scale = (values: ArrayLike<number>) =>
      Math.max(...Array.from(values, (v) => Math.abs(v)));
    for (const [got, want] of [[nativeW, cpuW], [nativeB, cpuB]]) {
      const tolerance = 1e-4 * scale(want);
      for (let i = 0; i < got.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) <= tolerance, `entry ${i}: ${got[i]} vs ${want[i]}`);
      }
    }
  },
});

Deno.test({
  name: "native matmul writes the right place after the wasm heap grows for its output",
  ignore,
  async fn() {
    await initBackend("native");
    const rng = new Random(9);
    // A 96 MiB output: the heap must grow inside the kernel, after the inputs' views could have
    // been taken; a stale view would throw (detached buffer) or write the wrong memory.
    const [m, k, n] = [4096, 16, 6144];
    const a = randomData(rng, [m, k]);
    const b = randomData(rng, [k, n]);
    const heap = () => asWasmBackend(tf.backend()).wasm.HEAPU8.buffer;
    const got = tf.tidy(() => {
      const aTensor = tf.tensor2d(a, [m, k]);
      const bTensor = tf.tensor2d(b, [k, n]);
      const before = heap();
      const c = tf.matMul(aTensor, bTensor);
      assert.notEqual(heap(), before, "the heap did not grow: the test does not test growth");
      return tf.gather(tf.reshape(c, [-1]), tf.tensor1d([0, 12345, m * n - 1], "int32"))
        .dataSync();
    });
    const expect = (i: number, j: number) => {
      let s = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        s += a[i * k + p] * b[p * n + j];
        abs += Math.abs(a[i * k + p] * b[p * n + j]);
      }
      return { s, bound: gamma(k) * abs + 1e-30 };
    };
    const where = [[0, 0], [Math.floor(12345 / n), 12345 % n], [m - 1, n - 1]];
    where.forEach(([i, j], t) => {
      const { s, bound } = expect(i, j);
      assert.ok(Math.abs(got[t] - s) <= bound, `entry (${i}, ${j}): ${got[t]} vs ${s}`);
    });
  },
});

Deno.test({
  name: "native training is bit-identical for the same seed, and the kernels can be switched off",
  ignore,
  async fn() {
    await initBackend("native");
    // A two-layer dense net trained with SGD: every product of forward and backward
    // passes (plain, xᵀ·dy, dy·Wᵀ, fused bias + relu) runs through the native kernels.
    const run = () => {
      const rng = new Random(4);
      // Made in a tidy: tf.variable keeps its initial tensor alive otherwise.
      const [w1, b1, w2] = tf.tidy(() => [
        tf.variable(tf.tensor2d(randomData(rng, [64, 48]), [64, 48])),
        tf.variable(tf.zeros([48])),
        tf.variable(tf.tensor2d(randomData(rng, [48, 4]), [48, 4])),
      ]);
      const xs = tf.tensor2d(randomData(rng, [64, 64]), [64, 64]);
      const labels = Int32Array.from({ length: 64 }, (_, i) => i % 4);
      const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), 4));
      const optimizer = tf.train.sgd(0.05);
      for (let i = 0; i < 5; i++) {
        optimizer.minimize(() =>
          tf.tidy(() => {
            const hidden = tf.fused.matMul({ a: xs, b: w1, bias: b1, activation: "relu" });
            return tf.losses.softmaxCrossEntropy(ys, tf.matMul(hidden, w2)) as tf.Scalar;
          })
        );
      }
      const weights = [w1, b1, w2].map((w) => w.dataSync().slice() as Float32Array);
      optimizer.dispose();
      tf.dispose([w1, b1, w2, xs, ys]);
      return weights;
    };
    const tensors = tf.memory().numTensors;
    const first = run();
    const second = run();
    assert.equal(tf.memory().numTensors, tensors, "tensors leaked by training");
    assert.deepEqual(second, first); // bit for bit: the same OpenBLAS calls on the same data
    // Off, the same run goes to the wasm kernels: close (rounding differs), not necessarily equal.
    setNativeMatMul(false);
    let wasm: Float32Array[];
    try {
      wasm = run();
    } finally {
      setNativeMatMul(true);
    }
    for (let w = 0; w < first.length; w++) {
      for (let i = 0; i < first[w].length; i++) {
        assert.ok(Math.abs(first[w][i] - wasm[w][i]) <= 1e-4 * (1 + Math.abs(wasm[w][i])));
      }
    }
  },
});

Deno.test({
  name:
    "native Tile equals the cpu backend's bit for bit (float32, int32, bool; random shapes and reps)",
  ignore,
  async fn() {
    const rng = new Random(10);
    const cases: { shape: number[]; reps: number[]; dtype: "float32" | "int32" | "bool" }[] = [
      { shape: [1, 1, 1, 4], reps: [128, 28, 28, 1], dtype: "float32" }, // batch norm's tile
      { shape: [], reps: [], dtype: "float32" },
      { shape: [3], reps: [4], dtype: "int32" },
    ];
    for (let t = 0; t < 30; t++) {
      const rank = 1 + rng.integer(4);
      const shape = Array.from({ length: rank }, () => 1 + rng.integer(5));
      const reps = Array.from({ length: rank }, () => 1 + rng.integer(4));
      cases.push({ shape, reps, dtype: (["float32", "int32", "bool"] as const)[t % 3] });
    }
    for (const c of cases) {
      const size = c.shape.reduce((p, d) => p * d, 1);
      const data = Float32Array.from(
        { length: size },
        () =>
          c.dtype === "bool"
            ? rng.integer(2)
            : c.dtype === "int32"
            ? rng.integer(1000) - 500
            : rng.gaussian(),
      );
      const run = () =>
        tf.tidy(() => tf.tile(tf.tensor(data, c.shape, c.dtype), c.reps).dataSync());
      await initBackend("cpu");
      const cpu = run();
      await initBackend("native");
      const before = tf.memory().numTensors;
      const native = run();
      assert.equal(tf.memory().numTensors, before);
      assert.deepEqual(native, cpu, JSON.stringify(c));
    }
  },
});

Deno.test({
  name: "native batch-norm gradients (through Tile and the moments) agree with the cpu backend",
  ignore,
  async fn() {
    const rng = new Random(12);
    const shape = [16, 6, 6, 5];
    const xData = randomData(rng, shape);
    const scaleData = randomData(rng, [5]);
    const offsetData = randomData(rng, [5]);
    const gradients = () =>
      tf.tidy(() => {
        const f = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          const y = tf.batchNorm(x as tf.Tensor4D, mean, variance, offset, scale, 1e-5);
          return tf.sum(tf.mul(y, tf.sin(y)));
        };
        return tf.grads(f)([
          tf.tensor(xData, shape),
          tf.tensor1d(scaleData),
          tf.tensor1d(offsetData),
        ]).map((g) => g.dataSync());
      });
    await initBackend("cpu");
    const cpu = gradients();
    await initBackend("native");
    const native = gradients();
    // Both compute the same expression graph in float32 but may reduce in different orders
    // (Sum/Mean over 576 values): a few γ_576 ≈ 3.4e-5 of the magnitudes involved; 1e-4 of the
    // largest gradient entry covers it, and is far below a wrong broadcast (an O(1) error).
    for (let g = 0; g < cpu.length; g++) {
      const scale = Math.max(...Array.from(cpu[g], Math.abs));
      for (let i = 0; i < cpu[g].length; i++) {
        assert.ok(Math.abs(native[g][i] - cpu[g][i]) <= 1e-4 * scale, `gradient ${g} entry ${i}`);
      }
    }
  },
});

Deno.test({
  name:
    "native convolution gradients (oneDNN, and the OpenBLAS GEMMs of the wasm fallback) agree with cpu within 2γ_K Σ|·||·|",
  ignore,
  async fn() {
    const rng = new Random(14);
    let differing = 0;
    for (let t = 0; t < 12; t++) {
      const [n, h, w] = [1 + rng.integer(4), 5 + rng.integer(9), 5 + rng.integer(9)];
      const [cin, cout, size] = [1 + rng.integer(6), 1 + rng.integer(9), 1 + rng.integer(4)];
      const stride = 1 + rng.integer(2); // (TF.js's conv2d gradient refuses dilations > 1)
      const pad: "same" | "valid" = t % 2 === 0 ? "same" : "valid";
      const xShape = [n, h, w, cin] as [number, number, number, number];
      const wShape = [size, size, cin, cout] as [number, number, number, number];
      const xData = randomData(rng, xShape);
      const wData = randomData(rng, wShape);
      const outShape = tf.tidy(() =>
        tf.conv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros(wShape) as tf.Tensor4D, stride, pad)
          .shape
      );
      const dyData = randomData(rng, outShape);
      // f's gradients are conv2dBackpropInput(dy, w) and conv2dBackpropFilter(x, dy); evaluated at
      // |x|, |w|, |dy| they are the sums Σ|·||·| of Higham's bound, each over K products.
      const grads = (xs: Float32Array, ws: Float32Array, dys: Float32Array) =>
        tf.tidy(() => {
          const dy = tf.tensor(dys, outShape);
          const f = (x: tf.Tensor, k: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, stride, pad), dy));
          return tf.grads(f)([tf.tensor(xs, xShape), tf.tensor(ws, wShape)]).map((g) =>
            g.dataSync()
          );
        });
      // The project's wasm kernels called directly: on `native` their GEMMs are OpenBLAS's.
      const direct = () =>
        tf.tidy(() => {
          const backend = asWasmBackend(tf.backend());
          const [x, k, dy] = [
            tf.tensor(xData, xShape),
            tf.tensor(wData, wShape),
            tf.tensor(dyData, outShape),
          ];
          const common = { strides: stride, pad, dataFormat: "NHWC" as const };
          const dx = conv2DBackpropInputWasm(backend, dy, k, { ...common, inputShape: xShape });
          const dW = conv2DBackpropFilterWasm(backend, x, dy, { ...common, filterShape: wShape });
          return [dx, dW].map((info) => tf.engine().makeTensorFromTensorInfo(info).dataSync());
        });
      const abs = (v: Float32Array) => v.map(Math.abs);
      await initBackend("cpu");
      const cpu = grads(xData, wData, dyData);
      const magnitude = grads(abs(xData), abs(wData), abs(dyData));
      await initBackend("native");
      const native = grads(xData, wData, dyData);
      const nativeDirect = direct();
      await initBackend("wasm");
      const wasmDirect = direct();
      // K: products per entry. dx sums over size²·cout taps, dW over n·outH·outW positions.
      const kOf = [size * size * cout, n * outShape[1] * outShape[2]];
      const label = JSON.stringify({ xShape, wShape, stride, pad });
      for (let g = 0; g < 2; g++) {
        // The magnitude is itself a float32 sum of positive terms: within (1 + γ_K) of exact.
        const bound = (i: number) =>
          2 * gamma(kOf[g]) * magnitude[g][i] * (1 + gamma(kOf[g])) + 1e-30;
        for (let i = 0; i < cpu[g].length; i++) {
          for (const [name, got] of [["oneDNN", native], ["OpenBLAS", nativeDirect]] as const) {
            assert.ok(
              Math.abs(got[g][i] - cpu[g][i]) <= bound(i),
              `${name} ${label} grad ${g} entry ${i}: ${got[g][i]} vs cpu ${cpu[g][i]}`,
            );
          }
          if (nativeDirect[g][i] !== wasmDirect[g][i]) differing++;
        }
      }
    }
    // OpenBLAS and XNNPACK round differently: entries that differ show the GEMMs went to OpenBLAS.
    assert.ok(differing > 0, "the direct kernels gave XNNPACK's bits on native: no delegate ran");
  },
});

Deno.test({
  name: "native Identity aliases its input: values, reference counts and the tensor count hold",
  ignore,
  async fn() {
    await initBackend("native");
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const x = tf.tensor2d([[1, -2], [3, 4.5]]);
    const y = tf.clone(x);
    // The tidy disposes the bool tensor; its alias z keeps the memory.
    const z = tf.tidy(() => tf.clone(tf.tensor1d([1, 0], "bool")));
    assert.equal(backend.numDataIds(), ids + 2); // y shares x's memory, z the bool tensor's
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, -2, 3, 4.5]);
    // A gradient that flows through Identity (tf.add's) still gives the right values.
    const g = tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.add(a, a)))(y).dataSync());
    assert.deepEqual(Array.from(g), [2, 2, 2, 2]);
    tf.dispose([y, z]);
    assert.equal(backend.numDataIds(), ids, "memory leaked or freed twice");
  },
});

/** Runs a script in a fresh Deno with `USAM_OPENBLAS_PATH` pointing at nothing (or `env`). */
async function runWithoutOpenBlas(
  code: string,
  env: Record<string, string> = { USAM_OPENBLAS_PATH: "/nonexistent/libopenblas.so.0" },
): Promise<{ stdout: string; stderr: string }> {
  const init = fileURLToPath(new URL("./init.ts", import.meta.url));
  const script = `import { initBackend } from ${JSON.stringify("file://" + init)};\n${code}`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  assert.ok(output.success, `child failed: ${decode(output.stderr)}`);
  return { stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("without OpenBLAS, auto falls back to wasm with one line naming the packages", async () => {
  const { stdout, stderr } = await runWithoutOpenBlas(
    `const choice = await initBackend("auto");\nconsole.log(JSON.stringify(choice));`,
  );
  const choice = JSON.parse(stdout.trim().split("\n").pop()!);
  // tfjs-node or a hardware WebGPU adapter would win before native; neither is here, but say so.
  if (choice.backend !== "tensorflow" && choice.backend !== "webgpu") {
    assert.equal(choice.backend, "wasm");
    assert.match(choice.description, /native libraries do not load/);
    assert.match(choice.description, /\/nonexistent\/libopenblas\.so\.0/);
    const hint = stderr.split("\n").filter((line) => line.includes("usam: using wasm"));
    assert.equal(hint.length, 1, stderr);
    for (const name of NATIVE_DEBIAN_PACKAGES) assert.ok(hint[0].includes(name), hint[0]);
  }
});

Deno.test("without OpenBLAS, an explicit native request fails, naming the library and package", async () => {
  const { stdout } = await runWithoutOpenBlas(
    `try { await initBackend("native"); console.log("started"); }\n` +
      `catch (error) { console.log("ERROR " + error.message); }`,
  );
  assert.match(stdout, /^ERROR initBackend\("native"\): OpenBLAS could not be loaded/m);
  assert.match(stdout, /apt-get install libopenblas0-pthread|brew install openblas/);
  assert.doesNotMatch(stdout, /started/);
});

Deno.test({
  name:
    "USAM_NATIVE_THREADS sets both libraries' thread counts, USAM_DNNL_THREADS oneDNN's; a bad value is refused naming it",
  ignore,
  async fn() {
    const code =
      `try { const c = await initBackend("native"); console.log("OK " + c.adapter); }\n` +
      `catch (error) { console.log("ERROR " + error.message); }`;
    const one = await runWithoutOpenBlas(code, { USAM_NATIVE_THREADS: "1" });
    assert.match(one.stdout, /^OK .*\(1 threads,.*oneDNN \(1 OpenMP threads/m);
    const bad = await runWithoutOpenBlas(code, { USAM_NATIVE_THREADS: "two" });
    assert.match(bad.stdout, /^ERROR .*USAM_NATIVE_THREADS must be a positive integer, got "two"/m);
    // USAM_DNNL_THREADS sets oneDNN's alone.
    const split = await runWithoutOpenBlas(code, {
      USAM_NATIVE_THREADS: "1",
      USAM_DNNL_THREADS: "2",
    });
    assert.match(split.stdout, /^OK .*\(1 threads,.*oneDNN \(2 OpenMP threads/m);
    const badDnnl = await runWithoutOpenBlas(code, { USAM_DNNL_THREADS: "0" });
    assert.match(
      badDnnl.stdout,
      /^ERROR .*USAM_DNNL_THREADS must be a positive integer or "auto", got "0"/m,
    );
    // Neither set: convolutions by size, on 1 thread or OpenMP's own count.
    // (Empty values count as unset; they also mask any setting in this process's environment.)
    const auto = await runWithoutOpenBlas(code, { USAM_NATIVE_THREADS: "", USAM_DNNL_THREADS: "" });
    assert.match(auto.stdout, /^OK .*oneDNN \(convolutions on 1 or \d+ OpenMP threads by size/m);
    const explicitAuto = await runWithoutOpenBlas(code, {
      USAM_NATIVE_THREADS: "1",
      USAM_DNNL_THREADS: "auto",
    });
    assert.match(explicitAuto.stdout, /^OK .*\(1 threads,.*oneDNN \(convolutions on 1 or/m);
  },
});

Deno.test("without oneDNN, an explicit native request fails naming libdnnl2, and auto says so", async () => {
  const env = { USAM_DNNL_PATH: "/nonexistent/libdnnl.so.2" };
  const { stdout } = await runWithoutOpenBlas(
    `try { await initBackend("native"); console.log("started"); }\n` +
      `catch (error) { console.log("ERROR " + error.message); }\n` +
      `console.log("AUTO " + JSON.stringify(await initBackend("auto")));`,
    env,
  );
  assert.match(stdout, /^ERROR initBackend\("native"\): .*apt-get install libdnnl2/m);
  assert.doesNotMatch(stdout, /started/);
  const auto = JSON.parse(stdout.split("\n").find((line) => line.startsWith("AUTO "))!.slice(5));
  if (auto.backend !== "tensorflow" && auto.backend !== "webgpu") {
    assert.equal(auto.backend, "wasm");
    assert.match(auto.description, /native libraries do not load.*libdnnl/);
  }
});

Deno.test({
  name: "a process that ran oneDNN kernels with spinning OpenMP workers exits cleanly",
  ignore,
  async fn() {
    // OMP_WAIT_POLICY=ACTIVE keeps the workers spinning at exit: before native.ts pinned the
    // libraries (RTLD_NODELETE), this child segfaulted at exit every time (8 of 8).
    // A WebGPU probe first, as `auto` does: the race showed only in a process that had one.
    const init = fileURLToPath(new URL("./init.ts", import.meta.url));
    const webgpu = fileURLToPath(new URL("./webgpu.ts", import.meta.url));
    const script = `import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from ${JSON.stringify("file://" + init)};
import { probeWebGpuAdapter } from ${JSON.stringify("file://" + webgpu)};
await probeWebGpuAdapter();
await initBackend("native");
const x = tf.randomNormal([64, 20, 20, 3]) as tf.Tensor4D;
const w = tf.variable(tf.randomNormal([3, 3, 3, 8])) as tf.Variable<tf.Rank.R4>;
for (let i = 0; i < 10; i++) {
  tf.tidy(() => tf.variableGrads(() => tf.sum(tf.conv2d(x, w, 1, "same")) as tf.Scalar).value.dataSync());
}
console.log("done");`;
    // `deno run` of a file (not `deno eval`, whose exit path did not show the race): a temporary
    // file in the repository, so that deno.json's import map applies.
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const file = await Deno.makeTempFile({ dir: root, prefix: ".native_exit_", suffix: ".ts" });
    let output: Deno.CommandOutput;
    try {
      await Deno.writeTextFile(file, script);
      output = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", file],
        env: { OMP_WAIT_POLICY: "ACTIVE", NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
        cwd: root,
      }).output();
    } finally {
      await Deno.remove(file);
    }
    const stderr = new TextDecoder().decode(output.stderr);
    assert.match(new TextDecoder().decode(output.stdout), /done/, stderr);
    assert.equal(output.code, 0, `exit ${output.code} ${output.signal ?? ""} ${stderr}`);
  },
});

Deno.test({
  name:
    "the optimizers' UsamPhilox kernel runs on native, also when philox.ts is imported after it",
  ignore,
  fn: async () => {
    // A fresh process, so that nothing has imported philox.ts before the native backend starts.
    const here = (name: string) => new URL(name, import.meta.url).href;
    const code = `
      import * as tf from "@tensorflow/tfjs-core";
      import { initBackend } from "${here("./init.ts")}";
      await initBackend("native");
      const { philoxDraw } = await import("${here("./philox.ts")}");
      const native = Array.from(await philoxDraw([4], { seed: 3, step: 1, sample: 0, distribution: "bits" }).data());
      await tf.setBackend("cpu");
      const cpu = Array.from(await philoxDraw([4], { seed: 3, step: 1, sample: 0, distribution: "bits" }).data());
      console.log(JSON.stringify({ native, cpu }));
    `;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", code],
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(output.success, stderr);
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    const { native, cpu } = JSON.parse(lines[lines.length - 1]);
    // Philox words are integers: the same key and counter give the same bits on every backend.
    assert.equal(native.length, 4);
    assert.deepEqual(native, cpu);
  },
});

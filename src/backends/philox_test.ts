/**
 * The `UsamPhilox` kernel on cpu, wasm and webgpu (Deno's adapter; llvmpipe here, so the sizes
 * are small): the same bits everywhere, equal to the host reference; the same uniforms; Gaussians
 * within the accuracy WGSL guarantees for its transcendental functions.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { philoxFill } from "../math/philox.ts";
import { initBackend } from "./mod.ts";
import { philoxDraw, type PhiloxDrawOptions } from "./philox.ts";
import { probeWebGpuAdapter } from "./webgpu.ts";

const SIZE = 4099; // not a multiple of 4 or of the workgroup, crossing a block boundary at the offset
const OFFSET = 4 * 1000 + 3;
const WHERE = { seed: 2 ** 33 + 12345, step: 17, sample: 2, stream: 0 };

async function drawOn(
  backend: string,
  options: PhiloxDrawOptions,
): Promise<Float32Array | Int32Array> {
  const choice = await initBackend(backend as "cpu");
  assert.equal(choice.backend, backend);
  const t = philoxDraw([SIZE], options);
  const values = (await t.data()) as Float32Array | Int32Array;
  t.dispose();
  return values;
}

const webgpu = await probeWebGpuAdapter();

/**
 * Gaussian tolerance against the host reference, relative to max(1, |z|). Both evaluate the same
 * function (√2 · Giles' erfinv of an x that is exact in float32); the host in double precision,
 * rounded once, webgpu in float32 under WGSL's accuracy rules: + - * correctly rounded, `/` and
 * `sqrt` within 2.5 ULP, `log` within 3 ULP (2^-21 absolute on [0.5, 2]). Summing them:
 * `(1 - x)(1 + x)` 1.5 ULP, so `w = -ln(·)` is off by <= 3 ULP of w (<= 16) plus 2^-21, i.e.
 * <= 3e-6; the polynomials' slopes are <= 0.25 in w and <= 1 in sqrt(w) (Δ <= 3e-6 / 8), so p is
 * off by <= 4e-7 from w plus 9 Horner roundings (5.4e-7) over p >= 1.5; √2 · p · x two more.
 * That is <= 1e-6 relative; 2e-6 leaves a margin, and a wrong transform is off by 1e-3 or more.
 */
const GAUSSIAN_TOLERANCE = 2e-6;

Deno.test("philoxDraw: bits, uniforms and Gaussians on cpu and wasm equal the host reference exactly", async () => {
  const bits = philoxFill(new Uint32Array(SIZE), WHERE, OFFSET, "bits");
  const uniform = philoxFill(new Float32Array(SIZE), WHERE, OFFSET, "uniform");
  const gaussian = philoxFill(new Float32Array(SIZE), WHERE, OFFSET, "gaussian");
  for (const backend of ["cpu", "wasm"]) {
    const drawnBits = await drawOn(backend, { ...WHERE, offset: OFFSET, distribution: "bits" });
    assert.ok(drawnBits instanceof Int32Array);
    assert.deepEqual(Uint32Array.from(drawnBits, (v) => v >>> 0), bits, backend);
    assert.deepEqual(
      await drawOn(backend, { ...WHERE, offset: OFFSET, distribution: "uniform" }),
      uniform,
      backend,
    );
    assert.deepEqual(
      await drawOn(backend, { ...WHERE, offset: OFFSET, distribution: "gaussian" }),
      gaussian,
      backend,
    );
  }
});

Deno.test({
  name:
    "philoxDraw on webgpu: bit-identical uint32 and uniforms, Gaussians within float32 rounding",
  ignore: !webgpu.available,
  async fn() {
    const bits = philoxFill(new Uint32Array(SIZE), WHERE, OFFSET, "bits");
    const drawnBits = await drawOn("webgpu", { ...WHERE, offset: OFFSET, distribution: "bits" });
    assert.deepEqual(Uint32Array.from(drawnBits, (v) => v >>> 0), bits);
    assert.deepEqual(
      await drawOn("webgpu", { ...WHERE, offset: OFFSET, distribution: "uniform" }),
      philoxFill(new Float32Array(SIZE), WHERE, OFFSET, "uniform"),
    );
    const expected = philoxFill(new Float32Array(SIZE), WHERE, OFFSET, "gaussian");
    const drawn = await drawOn("webgpu", { ...WHERE, offset: OFFSET, distribution: "gaussian" });
    let worst = 0;
    for (let i = 0; i < SIZE; i++) {
      worst = Math.max(
        worst,
        Math.abs(drawn[i] - expected[i]) / Math.max(1, Math.abs(expected[i])),
      );
    }
    console.log(
      `webgpu (${webgpu.description}): max |z_gpu - z_host| / max(1, |z|) = ${
        worst.toExponential(2)
      }`,
    );
    assert.ok(worst <= GAUSSIAN_TOLERANCE, `max Gaussian difference ${worst}`);
    // Control: a draw for another step is far off, so the match above is not vacuous.
    const other = philoxFill(new Float32Array(SIZE), { ...WHERE, step: 18 }, OFFSET, "gaussian");
    assert.ok(other.some((v, i) => Math.abs(v - drawn[i]) > 0.5));
  },
});

Deno.test("philoxDraw: shapes, leaks and bad arguments", async () => {
  await initBackend("cpu");
  const before = tf.memory().numTensors;
  const t = philoxDraw([3, 5], { seed: 1, step: 0, sample: 0, distribution: "gaussian" });
  assert.deepEqual(t.shape, [3, 5]);
  assert.equal(t.dtype, "float32");
  t.dispose();
  assert.equal(tf.memory().numTensors, before);
  const options = { seed: 1, step: 0, sample: 0, distribution: "gaussian" } as const;
  assert.throws(() => philoxDraw([2], { ...options, offset: 2 ** 32 - 1 }), /offset/);
  assert.throws(() => philoxDraw([-1], options), /shape/);
  assert.throws(() => philoxDraw([2], { ...options, step: -1 }), /step/);
  assert.throws(() => philoxDraw([2], { ...options, distribution: "x" as "bits" }), /distribution/);
});

/**
 * The `UsamPhilox` kernel on the webgpu backend: Philox4x32-10 and its transforms in WGSL, one
 * invocation per value, so the draws are made on the device (nothing but the kernel's uniforms
 * goes up). The integer part (the 32x32 -> 64-bit products from 16-bit halves, the rounds, the key
 * schedule, the 24-bit uniforms, the quantile's arguments q and r) is exact and gives the bits
 * of `src/math/philox.ts`; the Gaussians evaluate the same rational function in float32 (plus
 * `log` and `sqrt` in the tails), so they agree with the host to float32 rounding (see
 * `philox_test.ts` for the tolerance).
 *
 * This module imports nothing from `@tensorflow/tfjs-backend-webgpu` at run time (importing it
 * registers the backend: `webgpu.ts` loads it only on demand).
 *
 * @module
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { GILES_CENTRAL, GILES_TAIL, type PhiloxDistribution } from "../math/philox.ts";
import { PHILOX_KERNEL, philoxAttrs, philoxDtype } from "./philox_kernel.ts";

const WORKGROUP = 64;

/** `c0 * w + c1 ...` in Horner form as WGSL, coefficients highest degree first (f32 literals). */
function horner(coefficients: readonly number[]): string {
  let code = coefficients[0].toExponential();
  for (let k = 1; k < coefficients.length; k++) {
    code = `(${coefficients[k].toExponential()} + ${code} * w)`;
  }
  return code;
}

/** The WGSL of Philox4x32-10 (Random123's round and key schedule), shared by every program. */
export const PHILOX_WGSL = `
fn usamMulHiLo(a : u32, b : u32) -> vec2<u32> {
  let aLo = a & 0xffffu;
  let aHi = a >> 16u;
  let bLo = b & 0xffffu;
  let bHi = b >> 16u;
  let ll = aLo * bLo;
  let t = aHi * bLo + (ll >> 16u);
  let w1 = (t & 0xffffu) + aLo * bHi;
  return vec2<u32>(aHi * bHi + (t >> 16u) + (w1 >> 16u), a * b);
}

fn usamPhilox(counter : vec4<u32>, key : vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0; round < 10; round++) {
    let p0 = usamMulHiLo(0xD2511F53u, c.x);
    let p1 = usamMulHiLo(0xCD9E8D57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

fn usamLane(words : vec4<u32>, lane : u32) -> u32 {
  return select(select(words.x, words.y, lane == 1u), select(words.z, words.w, lane == 3u), lane >= 2u);
}
`;

function valueCode(distribution: PhiloxDistribution): string {
  switch (distribution) {
    case "bits":
      return "result[index] = bitcast<i32>(usamLane(words, lane));";
    case "uniform":
      // (2m + 1 - 2^24) / 2^24 in integers first: exact, as on the host.
      return `let m = usamLane(words, lane) >> 8u;
        result[index] = f32(i32(2u * m + 1u) - 16777216) * (1.0 / 16777216.0);`;
    case "gaussian":
      // √2 erfinv(x), x = (2m + 1 - 2^24) / 2^24 (exact), Giles' erfinv as on the host.
      return `let m = usamLane(words, lane) >> 8u;
        let x = f32(i32(2u * m + 1u) - 16777216) * (1.0 / 16777216.0);
        var w = -log((1.0 - x) * (1.0 + x));
        var p : f32;
        if (w < 5.0) {
          w = w - 2.5;
          p = ${horner(GILES_CENTRAL)};
        } else {
          w = sqrt(w) - 3.0;
          p = ${horner(GILES_TAIL)};
        }
        result[index] = 1.41421356237 * (p * x);`;
  }
}

class PhiloxProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  variableNames: string[] = [];
  uniforms = "key0 : u32, key1 : u32, sample : u32, step : u32, stream : u32, offset : u32,";
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  size = true;

  constructor(size: number, readonly distribution: PhiloxDistribution) {
    this.outputShape = [size];
    this.dispatch = [Math.ceil(size / WORKGROUP), 1, 1]; // the backend reshapes past the limits
    this.shaderKey = `usamPhilox_${distribution}`;
  }

  getUserCode(): string {
    return `${PHILOX_WGSL}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let g = u32(index) + uniforms.offset;
          let lane = g & 3u;
          let words = usamPhilox(
            vec4<u32>(g >> 2u, uniforms.sample, uniforms.step, uniforms.stream),
            vec2<u32>(uniforms.key0, uniforms.key1));
          ${valueCode(this.distribution)}
        }
      }`;
  }
}

interface WebGpuBackendLike {
  runWebGPUProgram(
    program: WebGPUProgram,
    inputs: TensorInfo[],
    dtype: string,
    uniforms: { type: string; data: number[] }[],
  ): TensorInfo;
}

/**
 * The webgpu kernel config (registered by `philox.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { philoxWebGpuKernel } from "./philox_webgpu.ts";
 * assert.equal(philoxWebGpuKernel.backendName, "webgpu");
 * ```
 */
export const philoxWebGpuKernel: KernelConfig = {
  kernelName: PHILOX_KERNEL,
  backendName: "webgpu",
  kernelFunc: ({ backend, attrs }) => {
    const a = philoxAttrs(attrs);
    const program = new PhiloxProgram(a.size, a.distribution);
    const words = [a.key0, a.key1, a.sample, a.step, a.stream, a.offset];
    return (backend as unknown as WebGpuBackendLike).runWebGPUProgram(
      program,
      [],
      philoxDtype(a.distribution),
      words.map((value) => ({ type: "uint32", data: [value] })),
    );
  },
};

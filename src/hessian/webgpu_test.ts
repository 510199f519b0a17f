/**
 * The Hessian tools on WebGPU against the same calls on cpu. Deno's WebGPU allows only
 * asynchronous reads, so these also prove that every tool reads with `await tensor.data()`.
 * Skipped when Deno offers no adapter (on the CI machine it offers llvmpipe, a software one).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../backends/init.ts";
import { probeWebGpuAdapter } from "../backends/webgpu.ts";
import { Random } from "../math/random.ts";
import {
  crossEntropyLoss,
  frobeniusEstimate,
  hessianVectorProduct,
  hutchinsonTrace,
  stochasticLanczos,
  topEigenvalue,
  traceOfFunction,
} from "./mod.ts";
import type { HessianBatch } from "./types.ts";

const probe = await probeWebGpuAdapter();

const webgpuTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !probe.available, sanitizeResources: false, sanitizeOps: false, fn });

/** A seeded 6 → 8 → 3 MLP and a batch of 16, built on the current backend. */
function problem(activation: "tanh" | "relu") {
  const init = (seed: number) => tfl.initializers.randomNormal({ stddev: 0.6, seed });
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 8,
        activation,
        inputShape: [6],
        kernelInitializer: init(1),
        biasInitializer: init(2),
      }),
      tfl.layers.dense({ units: 3, kernelInitializer: init(3), biasInitializer: init(4) }),
    ],
  });
  const rng = new Random(7);
  const batch: HessianBatch = {
    xs: tf.tensor2d(Float32Array.from(rng.gaussianVector(16 * 6)), [16, 6]),
    ys: tf.tensor1d(Int32Array.from({ length: 16 }, () => rng.integer(3)), "int32"),
  };
  const dimension = 6 * 8 + 8 + 8 * 3 + 3;
  return { model, batch, dimension };
}

interface ToolValues {
  hv: Float64Array;
  trace: number;
  frobenius: number;
  top: number;
  slqTrace: number;
}

async function toolsOn(
  backend: "cpu" | "webgpu",
  activation: "tanh" | "relu",
): Promise<ToolValues> {
  await initBackend(backend);
  const { model, batch, dimension } = problem(activation);
  const loss = crossEntropyLoss();
  const count = tf.memory().numTensors;
  try {
    const v = new Random(3).gaussianVector(dimension);
    const values: ToolValues = {
      hv: await hessianVectorProduct(model, loss, batch, v),
      trace: (await hutchinsonTrace(model, loss, batch, { samples: 4, seed: 1 })).value,
      frobenius: (await frobeniusEstimate(model, loss, batch, { samples: 4, seed: 1 })).value,
      top: (await topEigenvalue(model, loss, batch, { maxIterations: 10, seed: 1 })).value,
      slqTrace: traceOfFunction(
        await stochasticLanczos(model, loss, batch, { samples: 2, iterations: 6, seed: 1 }),
        (t) => t,
      ).value,
    };
    assert.equal(tf.memory().numTensors, count, `${backend}: the tools leaked tensors`);
    return values;
  } finally {
    model.dispose();
    tf.dispose([batch.xs, batch.ys]);
  }
}

function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

function relativeVector(a: Float64Array, b: Float64Array): number {
  let diff = 0, size = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    size += b[i] ** 2;
  }
  return Math.sqrt(diff / size);
}

// Tolerances. Autodiff HVPs (ReLU) are float32 sums over 16 samples: the backends, summing in
// other orders, differ by a few roundings (measured ≤ 1.5e-7 relative, printed below); 1e-5.
// Finite differences (tanh) divide a gradient difference by 2h with h ≈ ε^(1/3)(1 + ‖x‖)/‖v‖:
// a rounding difference δg ≈ 1e-7·G of the gradients becomes δg/(2h‖v‖) ≈ 1e-7 / 1e-2 = 1e-5
// relative (measured ≤ 3e-5, the SLQ trace); 1e-3. Either way a wrong product (a factor 2, a
// missing term) is off by O(1).
const TOLERANCE = { relu: 1e-5, tanh: 1e-3 };

for (const activation of ["relu", "tanh"] as const) {
  webgpuTest(
    `every Hessian tool on webgpu agrees with cpu (${activation}, ${
      activation === "relu" ? "autodiff" : "finite differences"
    })`,
    async () => {
      const cpu = await toolsOn("cpu", activation);
      const webgpu = await toolsOn("webgpu", activation);
      const differences = {
        hv: relativeVector(webgpu.hv, cpu.hv),
        trace: relative(webgpu.trace, cpu.trace),
        frobenius: relative(webgpu.frobenius, cpu.frobenius),
        top: relative(webgpu.top, cpu.top),
        slqTrace: relative(webgpu.slqTrace, cpu.slqTrace),
      };
      console.log(
        `${activation}: relative webgpu−cpu differences ${
          Object.entries(differences).map(([k, d]) => `${k} ${d.toExponential(1)}`).join(", ")
        }`,
      );
      for (const [key, difference] of Object.entries(differences)) {
        assert.ok(difference <= TOLERANCE[activation], `${key}: ${difference}`);
      }
      assert.ok(
        cpu.trace > 0 && cpu.top > 0,
        "a convex-enough problem (the values mean something)",
      );
    },
  );
}

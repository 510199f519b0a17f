/**
 * The cost of one Hessian-vector product relative to one gradient, on the paper's MLP (784, six
 * dense layers of 128, 10) and on the small CNN, batch 128, on `USAM_BACKEND` (default wasm).
 * A central-difference HVP makes two gradient evaluations, so the floor of the ratio is 2; the
 * rest is the weight displacement and restore and the host-side difference.
 *
 * Run: `deno bench -A bench/hessian_bench.ts`. The group summaries print the ratios
 * ("gradient … x faster than hvp"). At load it also prints the accuracy of the
 * finite-difference HVP on each model: how much it moves when the step shrinks fourfold, and,
 * for the MLPs, its distance to the double-backprop HVP ("autodiff"; the ReLU MLP's kinks make
 * the difference quotient noisy, the tanh MLP shows the smooth case).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type BackendName, initBackend } from "../src/backends/mod.ts";
import { crossEntropyLoss, HessianOperator, hessianVectorProduct } from "../src/hessian/mod.ts";
import { Random } from "../src/math/random.ts";
import { createModel } from "../src/models/mod.ts";

const backend = (Deno.env.get("USAM_BACKEND") ?? "wasm") as BackendName;
const choice = await initBackend(backend);
const BATCH = 128;
const loss = crossEntropyLoss();

function fixture(name: "mlp" | "cnn", activation: "relu" | "tanh" = "relu") {
  const model: tfl.LayersModel = createModel(name, {
    inputShape: [28, 28, 1],
    numClasses: 10,
    seed: 1,
    ...(name === "mlp" ? { activation } : {}),
  });
  const rng = new Random(2);
  const batch = {
    xs: tf.tensor4d(Float32Array.from(rng.gaussianVector(BATCH * 784)), [BATCH, 28, 28, 1]),
    ys: tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.integer(10)), "int32"),
  };
  const operator = new HessianOperator(model, loss, batch);
  const v = new Random(3).gaussianVector(operator.dimension);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // The baseline: exactly the gradient work an HVP does twice (the flattened gradient on the
  // host), without the displacement.
  const gradient = async () => {
    const flat = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => loss(model, batch), variables);
      value.dispose();
      return tf.concat(variables.map((x) => tf.reshape(grads[x.name], [-1])));
    });
    await flat.data();
    flat.dispose();
  };
  return { model, batch, operator, v, gradient };
}

const fixtures = { mlp: fixture("mlp"), cnn: fixture("cnn") };

function relativeDistance(a: Float64Array, b: Float64Array): string {
  let diff = 0, size = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    size += b[i] ** 2;
  }
  return Math.sqrt(diff / size).toExponential(2);
}

const tanhMlp = fixture("mlp", "tanh");
for (const [name, f] of [...Object.entries(fixtures), ["mlp (tanh)", tanhMlp] as const]) {
  const h = await f.operator.stepFor(f.v);
  const a = await f.operator.apply(f.v, h);
  const b = await f.operator.apply(f.v, h / 4);
  let line = `${name} on ${choice.backend}: d = ${f.operator.dimension}, ‖x‖ = ${
    (await f.operator.weightNorm()).toFixed(2)
  }, default step h = ${h.toExponential(2)}; ‖Hv(h) − Hv(h/4)‖ / ‖Hv(h/4)‖ = ${
    relativeDistance(a, b)
  }`;
  if (name === "mlp") {
    line += `; ‖Hv_fd(h) − Hv_autodiff‖ / ‖Hv_autodiff‖ = ${
      relativeDistance(a, await f.operator.applyAutodiff(f.v))
    }`;
  }
  console.log(line);
}
tanhMlp.operator.dispose();
tanhMlp.model.dispose();

for (const [name, f] of Object.entries(fixtures)) {
  Deno.bench({
    name: `${name} gradient`,
    group: name,
    baseline: true,
    fn: f.gradient,
  });
  Deno.bench({
    name: `${name} hvp (HessianOperator.apply)`,
    group: name,
    fn: async () => {
      await f.operator.apply(f.v);
    },
  });
  if (name === "mlp") {
    Deno.bench({
      name: `${name} hvp (HessianOperator.applyAutodiff, double backprop)`,
      group: name,
      fn: async () => {
        await f.operator.applyAutodiff(f.v);
      },
    });
  }
  Deno.bench({
    name: `${name} hessianVectorProduct (snapshot + restore per call)`,
    group: name,
    fn: async () => {
      await hessianVectorProduct(f.model, loss, f.batch, f.v);
    },
  });
}

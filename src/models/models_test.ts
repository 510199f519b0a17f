import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { createModel, describeModel, MODEL_NAMES, type ModelName } from "./mod.ts";

await tf.setBackend("cpu");

const FASHION = { inputShape: [28, 28, 1] as [number, number, number], numClasses: 10 };

Deno.test("every default model maps a Fashion-MNIST batch to [batch, numClasses] logits", () => {
  for (const name of MODEL_NAMES) {
    const model = createModel(name, FASHION);
    const before = tf.memory().numTensors;
    const logits = tf.tidy(() => model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor);
    assert.deepEqual(logits.shape, [3, 10], name);
    assert.equal(logits.dtype, "float32", name);
    logits.dispose();
    assert.equal(tf.memory().numTensors, before, `${name} leaked tensors`);
    assert.deepEqual(describeModel(model).outputShape, [10], name);
    model.dispose();
  }
});

Deno.test("CIFAR-shaped inputs and other class counts work for every model", () => {
  for (const name of MODEL_NAMES) {
    const model = createModel(name, { inputShape: [32, 32, 3], numClasses: 100 });
    const logits = tf.tidy(() => model.predict(tf.ones([2, 32, 32, 3])) as tf.Tensor);
    assert.deepEqual(logits.shape, [2, 100], name);
    logits.dispose();
    model.dispose();
  }
});

Deno.test("MLP parameter count equals the hand-computed figure", () => {
  // Paper's MLP: 784·128 + 128, then five times 128·128 + 128, then 128·10 + 10.
  const expected = (784 * 128 + 128) + 5 * (128 * 128 + 128) + (128 * 10 + 10);
  assert.equal(expected, 184330);
  const model = createModel("mlp", FASHION);
  const info = describeModel(model);
  assert.equal(info.trainableParameters, expected);
  assert.equal(info.nonTrainableParameters, 0);
  assert.equal(info.layers.filter((l) => l.className === "Dense").length, 7);
  model.dispose();

  const custom = createModel("mlp", { ...FASHION, widths: [32, 16] });
  assert.equal(
    describeModel(custom).trainableParameters,
    (784 * 32 + 32) + (32 * 16 + 16) + (16 * 10 + 10),
  );
  custom.dispose();
  const linear = createModel("mlp", { inputShape: [4, 1, 1], numClasses: 3, widths: [] });
  assert.equal(describeModel(linear).trainableParameters, 4 * 3 + 3);
  linear.dispose();
});

Deno.test("CNN parameter count equals the hand-computed LeNet-5 figure", () => {
  // conv 5×5×1→6: 150 + 6; pool; conv 5×5×6→16: 2400 + 16; 28→24→12→8→4, so 4·4·16 = 256
  // features; dense 256→120, 120→84, 84→10 with biases.
  const expected = (25 * 6 + 6) + (25 * 6 * 16 + 16) + (256 * 120 + 120) + (120 * 84 + 84) +
    (84 * 10 + 10);
  assert.equal(expected, 44426);
  const model = createModel("cnn", FASHION);
  assert.equal(describeModel(model).trainableParameters, expected);
  model.dispose();
  // 32×32×3: 32→28→14→10→5, 5·5·16 = 400 features.
  const cifar = createModel("cnn", { inputShape: [32, 32, 3], numClasses: 10 });
  assert.equal(
    describeModel(cifar).trainableParameters,
    (75 * 6 + 6) + (150 * 16 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10),
  );
  cifar.dispose();
});

Deno.test("full-width topologies match the published PyTorch parameter counts", () => {
  // Trainable counts of the reference CIFAR-10 PyTorch models (kuangliu/pytorch-cifar,
  // xternalz/WideResNet-pytorch). Their VGG convolutions carry a bias that BatchNorm makes
  // redundant; ours omit it, so VGG differs by exactly the sum of conv channels.
  const cases: Array<[ModelName, Record<string, number>, number]> = [
    ["resnet", { widthMultiplier: 1 }, 11173962],
    ["vgg", { depth: 11, widthMultiplier: 1 }, 9231114 - (64 + 128 + 2 * 256 + 4 * 512)],
    ["vgg", { depth: 16, widthMultiplier: 1 }, 14728266 - (2 * 64 + 2 * 128 + 3 * 256 + 6 * 512)],
    ["wrn", { widen: 8, widthMultiplier: 1 }, 10961370],
  ];
  for (const [name, size, expected] of cases) {
    const model = createModel(name, { inputShape: [32, 32, 3], numClasses: 10, ...size });
    const info = describeModel(model);
    assert.equal(info.trainableParameters, expected, `${name} ${JSON.stringify(size)}`);
    // BatchNorm: one moving mean and one moving variance per normalized channel, and a trainable
    // gamma and beta for each of them.
    const bn = info.layers.filter((l) => l.className === "FusedBatchNormalization");
    assert.ok(bn.length > 0);
    assert.equal(info.nonTrainableParameters * 2, bn.reduce((s, l) => s + l.parameters, 0));
    model.dispose();
  }
});

function weightsOf(model: ReturnType<typeof createModel>): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

Deno.test("the same seed gives the same weights; another seed differs in every layer", () => {
  for (const name of MODEL_NAMES) {
    const size = name === "mlp" || name === "cnn" ? {} : { widthMultiplier: 0.0625 };
    const a = createModel(name, { ...FASHION, seed: 11, ...size });
    const b = createModel(name, { ...FASHION, seed: 11, ...size });
    const c = createModel(name, { ...FASHION, seed: 12, ...size });
    const wa = weightsOf(a), wb = weightsOf(b), wc = weightsOf(c);
    assert.equal(wa.length, wb.length);
    wa.forEach((w, i) => assert.deepEqual(w, wb[i], `${name} weight ${i}`));
    // Every randomly initialized tensor (kernels: rank > 1) must change with the seed, and two
    // kernels of equal shape in one model must not coincide (each layer draws its own seed).
    const kernels = a.getWeights().map((w, i) => [w.rank, i] as const).filter(([r]) => r > 1);
    assert.ok(kernels.length >= 2, name);
    for (const [, i] of kernels) assert.notDeepEqual(wa[i], wc[i], `${name} kernel ${i}`);
    const [first, second] = kernels.map(([, i]) => i).filter((i, _, all) =>
      all.some((j) => j !== i && wa[j].length === wa[i].length)
    );
    if (first !== undefined && second !== undefined) {
      assert.notDeepEqual(wa[first], wa[second], `${name}: equal-shape kernels coincide`);
    }
    for (const m of [a, b, c]) m.dispose();
  }
});

Deno.test("invalid options are refused with a RangeError naming the option", () => {
  const bad: Array<[ModelName, Record<string, unknown>, RegExp]> = [
    ["mlp", { widths: [128, 0] }, /widths/],
    ["mlp", { widths: "128" }, /widths/],
    ["mlp", { activation: "swish" }, /activation.*swish/],
    ["mlp", { numClasses: 1 }, /numClasses.*1/],
    ["mlp", { numClasses: 2.5 }, /numClasses.*2\.5/],
    ["mlp", { inputShape: [28, 28] }, /inputShape/],
    ["mlp", { inputShape: [28, 0, 1] }, /inputShape/],
    ["mlp", { seed: 0.5 }, /seed.*0\.5/],
    ["cnn", { kernelSize: 0 }, /kernelSize.*0/],
    ["cnn", { filters: [6] }, /filters/],
    ["cnn", { inputShape: [8, 8, 1] }, /inputShape.*too small/],
    ["resnet", { widthMultiplier: 0 }, /widthMultiplier.*0/],
    ["resnet", { widthMultiplier: Number.NaN }, /widthMultiplier.*NaN/],
    ["vgg", { depth: 13 }, /depth.*13/],
    ["vgg", { widthMultiplier: -1 }, /widthMultiplier.*-1/],
    ["wrn", { depth: 17 }, /depth.*17/],
    ["wrn", { widen: 0 }, /widen.*0/],
    ["wrn", { widthMultiplier: -0.5 }, /widthMultiplier/],
  ];
  for (const [name, override, message] of bad) {
    assert.throws(
      () => createModel(name, { ...FASHION, ...override } as never),
      (e: unknown) => e instanceof RangeError && message.test(e.message),
      `${name} ${JSON.stringify(override)}`,
    );
  }
  assert.throws(
    () => createModel("lenet" as "mlp", FASHION),
    (e: unknown) => e instanceof RangeError && /name.*lenet/.test(e.message),
  );
  assert.throws(() => createModel("mlp", null as never), TypeError);
  assert.throws(() => describeModel({} as never), TypeError);
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { createModel } from "../models/create.ts";
import { measureEpochTime } from "./epoch_time.ts";

Deno.test("measureEpochTime extrapolates its step time, trains with the named optimizer, and leaks no tensors", async () => {
  await tf.setBackend("cpu");
  const model = createModel("cnn", {
    inputShape: [12, 12, 1],
    numClasses: 3,
    filters: [2, 2],
    kernelSize: 3,
    denseWidths: [4],
  });
  const count = tf.memory().numTensors;
  const t = await measureEpochTime(model, { batchSize: 5, steps: 2, warmup: 1, images: 11 });
  assert.equal(tf.memory().numTensors, count);
  // ceil(11 / 5) = 3 steps per epoch; ms → s. Exact up to one rounding of the product.
  assert.ok(Math.abs(t.epochSeconds - 3 * t.msPerStep / 1000) <= 1e-12 * t.epochSeconds);
  assert.ok(Math.abs(t.imagesPerSecond - 5000 / t.msPerStep) <= 1e-9 * t.imagesPerSecond);
  assert.ok(t.msPerStep > 0);
  // The steps train: the weights move, by the named optimizer (SAM's step differs from SGD's).
  const before = model.getWeights().map((w) => w.dataSync().slice());
  await measureEpochTime(model, { batchSize: 5, steps: 1, warmup: 0, images: 5, optimizer: "sam" });
  const moved = model.getWeights().some((w, k) => w.dataSync().some((v, i) => v !== before[k][i]));
  assert.ok(moved, "the weights did not change");
  assert.equal(tf.memory().numTensors, count);
  await assert.rejects(() => measureEpochTime(model, { batchSize: 0 }), /batchSize.*0/);
  await assert.rejects(() => measureEpochTime(model, { warmup: -1 }), /warmup.*-1/);
  await assert.rejects(() => measureEpochTime(model, { optimizer: "lion" }), /optimizer.*"lion"/);
  model.dispose();
});

Deno.test("measureEpochTime's defaults are sgd, lr 0.01, batch 128, 3 warm-up and 20 timed steps, 60,000 images", async () => {
  await tf.setBackend("cpu");
  const build = () =>
    createModel("mlp", { inputShape: [4, 4, 1], numClasses: 3, widths: [8], seed: 7 });
  const count = tf.memory().numTensors;
  const implicit = build();
  const explicit = build();
  const t = await measureEpochTime(implicit);
  // The same 23 steps spelled out: 3 warm-up + 20 timed, all training the weights.
  await measureEpochTime(explicit, {
    optimizer: "sgd",
    lr: 0.01,
    batchSize: 128,
    warmup: 0,
    steps: 23,
  });
  const a = implicit.getWeights().map((w) => w.dataSync());
  const b = explicit.getWeights().map((w) => w.dataSync());
  assert.ok(a.every((w, k) => w.every((v, i) => v === b[k][i])), "other steps than the defaults");
  // The control: one step fewer leaves other weights.
  const fewer = build();
  await measureEpochTime(fewer, { warmup: 0, steps: 22 });
  const c = fewer.getWeights().map((w) => w.dataSync());
  assert.ok(!a.every((w, k) => w.every((v, i) => v === c[k][i])), "the step count matters");
  // ceil(60000 / 128) = 469 steps per epoch; 128 images per step.
  assert.ok(Math.abs(t.epochSeconds - 469 * t.msPerStep / 1000) <= 1e-12 * t.epochSeconds);
  assert.ok(Math.abs(t.imagesPerSecond - 128000 / t.msPerStep) <= 1e-9 * t.imagesPerSecond);
  for (const m of [implicit, explicit, fewer]) m.dispose();
  assert.equal(tf.memory().numTensors, count, "tensors left behind");
});

Deno.test("measureEpochTime refuses each bad option by name before any step", async () => {
  await tf.setBackend("cpu");
  const model = createModel("mlp", { inputShape: [4, 4, 1], numClasses: 3, widths: [8], seed: 7 });
  const before = model.getWeights().map((w) => w.dataSync().slice());
  const count = tf.memory().numTensors;
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ steps: 0 }, /steps must be a positive integer, got 0/],
    [{ batchSize: 2.5 }, /batchSize must be a positive integer, got 2.5/],
    [{ images: 0 }, /images must be a positive integer, got 0/],
    [{ warmup: 1.5 }, /warmup must be an integer >= 0, got 1.5/],
    [{ lr: 0 }, /lr must be positive, got 0/],
    [{ lr: NaN }, /lr must be positive, got NaN/],
    [{ optimizer: "lion" }, /optimizer must be one of sgd, .*got "lion"/],
  ];
  for (const [options, message] of bad) {
    await assert.rejects(
      () => measureEpochTime(model, options),
      (error: unknown) => error instanceof RangeError && message.test(error.message),
      JSON.stringify(options),
    );
  }
  const after = model.getWeights().map((w) => w.dataSync());
  assert.ok(after.every((w, k) => w.every((v, i) => v === before[k][i])), "a step ran");
  assert.equal(tf.memory().numTensors, count, "a refused call left tensors behind");
  model.dispose();
});

/** `deno task epoch-time` with these arguments: exit code, stdout, stderr. */
async function epochTimeCli(...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./epoch_time.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, out: new TextDecoder().decode(stdout), err: new TextDecoder().decode(stderr) };
}

Deno.test("deno task epoch-time prints the backend, the optimizer, and one line per named model", async () => {
  const { code, out, err } = await epochTimeCli(
    "--backend",
    "cpu",
    "--optimizer",
    "sam",
    "--steps",
    "2",
    "--batch-size",
    "4",
    "--images",
    "10",
    "mlp",
  );
  assert.equal(code, 0, err);
  const lines = out.trim().split("\n").filter((l) => !/^=+$|tfjs-node|^Hi, /.test(l));
  assert.match(lines[0], /^backend: .*cpu.*; optimizer: sam$/);
  assert.equal(lines.length, 2, out);
  const match = /^mlp\t(\d+) weights\t(\d+\.\d) ms\/step\t(\d+) images\/s\tepoch (\d+) s$/.exec(
    lines[1],
  );
  assert.ok(match, lines[1]);
  // The default MLP on Fashion-MNIST's 28×28×1 input with 10 classes.
  const mlp = createModel("mlp", { inputShape: [28, 28, 1], numClasses: 10 });
  const weights = mlp.trainableWeights.reduce(
    (n, w) => n + w.shape.reduce((p: number, s) => p * (s as number), 1),
    0,
  );
  mlp.dispose();
  assert.equal(Number(match[1]), weights);
  // 4 images per step and ceil(10 / 4) = 3 steps per epoch, from the printed (rounded) step time:
  // ms to 0.05, images/s and seconds to 0.5.
  const ms = Number(match[2]);
  const rate = Number(match[3]);
  assert.ok(ms > 0);
  assert.ok(Math.abs(rate - 4000 / ms) <= 0.5 + 4000 * 0.05 / ms ** 2 * 1.01, `${rate} vs ${ms}`);
  assert.ok(Math.abs(Number(match[4]) - 3 * ms / 1000) <= 0.5 + 3 * 0.05 / 1000, lines[1]);
});

Deno.test("deno task epoch-time refuses an unknown model, naming it and the known ones", async () => {
  const { code, out, err } = await epochTimeCli("--backend", "cpu", "mlp", "lenet");
  assert.equal(code, 2);
  assert.match(err, /epoch-time: unknown model "lenet" \(known: mlp cnn resnet vgg wrn\)/);
  assert.doesNotMatch(out, /mlp\t/, "no model timed before the refusal");
});

/** The model lines of `deno task epoch-time`'s output, parsed. */
function modelLines(out: string) {
  return out.trim().split("\n").flatMap((line) => {
    const m = /^(\w+)\t(\d+) weights\t(\d+\.\d) ms\/step\t(\d+) images\/s\tepoch (\d+) s$/.exec(
      line,
    );
    return m ? [{ name: m[1], ms: Number(m[3]), rate: Number(m[4]), epoch: Number(m[5]) }] : [];
  });
}

Deno.test("deno task epoch-time's defaults: backend auto, sgd, 20 steps of 128 images, a 60,000-image epoch", async () => {
  const { code, out, err } = await epochTimeCli("mlp");
  assert.equal(code, 0, err);
  assert.match(out, /^backend: .+; optimizer: sgd$/m);
  const [line] = modelLines(out);
  assert.equal(line?.name, "mlp", out);
  // 128 images per step, ceil(60000 / 128) = 469 steps per epoch, from the printed step time
  // (to 0.05 ms; the rate and the seconds printed to 0.5).
  const slack = 1.01 * 0.05 / line.ms;
  assert.ok(Math.abs(line.rate - 128000 / line.ms) <= 0.5 + 128000 / line.ms * slack, out);
  assert.ok(Math.abs(line.epoch - 469 * line.ms / 1000) <= 0.5 + 469 * 0.05 / 1000, out);
});

Deno.test("deno task epoch-time without model names times every model, in the zoo's order", async () => {
  const { code, out, err } = await epochTimeCli(
    "--steps",
    "1",
    "--batch-size",
    "2",
    "--images",
    "2",
  );
  assert.equal(code, 0, err);
  assert.deepEqual(modelLines(out).map((l) => l.name), ["mlp", "cnn", "resnet", "vgg", "wrn"]);
});

Deno.test("measureEpochTime runs warmup + steps steps with the given lr, and times the steps it ran", async () => {
  await tf.setBackend("cpu");
  const build = () =>
    createModel("mlp", { inputShape: [4, 4, 1], numClasses: 3, widths: [8], seed: 7 });
  /** The model with its `apply` calls counted (SGD: one forward pass per step). */
  const counted = () => {
    const model = build();
    const apply = model.apply.bind(model);
    const calls = { n: 0 };
    model.apply = ((...args: Parameters<typeof apply>) => {
      calls.n++;
      return apply(...args);
    }) as typeof model.apply;
    return { model, calls };
  };
  const a = counted();
  const began = performance.now();
  const t = await measureEpochTime(a.model, { batchSize: 8, warmup: 2, steps: 5 });
  const wall = performance.now() - began;
  assert.equal(a.calls.n, 7, "2 warm-up + 5 timed steps");
  assert.ok(
    t.msPerStep > 0 && 5 * t.msPerStep <= wall,
    `${t.msPerStep} ms/step, ${wall} ms in all`,
  );
  const d = counted();
  await measureEpochTime(d.model);
  assert.equal(d.calls.n, 23, "the defaults: 3 warm-up + 20 timed steps");
  // The learning rate reaches the optimizer: two rates, two sets of weights.
  const b = build();
  const c = build();
  await measureEpochTime(b, { batchSize: 8, warmup: 0, steps: 2, lr: 0.01 });
  await measureEpochTime(c, { batchSize: 8, warmup: 0, steps: 2, lr: 0.02 });
  const wb = b.getWeights().map((w) => w.dataSync());
  const wc = c.getWeights().map((w) => w.dataSync());
  assert.ok(!wb.every((w, k) => w.every((v, i) => v === wc[k][i])), "lr had no effect");
  for (const m of [a.model, d.model, b, c]) m.dispose();
});

Deno.test("importing epoch_time.ts runs no command (the command is the module's main only)", async () => {
  const path = new URL("./epoch_time.ts", import.meta.url).href;
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `await import(${JSON.stringify(path)}); console.log("imported");`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0);
  assert.equal(new TextDecoder().decode(stdout).trim(), "imported");
});

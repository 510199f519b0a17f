// One training epoch of the default six-layer MLP on 2,000 Fashion-MNIST images (wasm, batch 32,
// 63 steps), per optimizer: `deno bench -A src/training/train_bench.ts`. Each run also loads and
// checks the dataset and evaluates on 1,000 test images; the printed line gives the training part
// alone (images per second), which is what the per-epoch "seconds" of a run result measures.
import { train } from "./train.ts";

// Frob-SAM with the CIFAR setting rho 0.005 (lambda/rho² = 200) diverges on this MLP at lr 0.03
// within ~20 steps; the train defaults (rho 0.01, lambda 1e-4) train.
const OPTIMIZERS = [
  { optimizer: "sgd" },
  { optimizer: "sam" },
  { optimizer: "trace-sam" },
  { optimizer: "frob-sam" },
] as const;

for (const { optimizer, ...hyperparameters } of OPTIMIZERS) {
  Deno.bench({
    name: `train one epoch, mlp, 2,000 images, ${optimizer}`,
    group: "epoch",
    baseline: optimizer === "sgd",
    n: 1,
    warmup: 0,
    async fn(b) {
      b.start();
      const result = await train({
        optimizer,
        ...hyperparameters,
        trainLimit: 2_000,
        testLimit: 1_000,
        epochs: 1,
      }, { backend: "wasm" });
      b.end();
      if (result.status !== "completed") {
        throw new Error(`${optimizer} failed: ${result.failure?.message}`);
      }
      const [epoch] = result.epochs;
      console.log(
        `${optimizer}: ${epoch.seconds.toFixed(2)} s training, ` +
          `${Math.round(epoch.imagesPerSecond!)} images/s, ` +
          `${epoch.gradientEvaluations} gradient evaluations, backend ${result.environment.backend}`,
      );
    },
  });
}

// The cost of stopping on Ctrl-C: with a signal, train yields to the event loop after each step
// (setImmediate, plus a timer turn every 100 ms) so that a listener can run. The same SGD epoch
// (10,000 images, 313 steps) without and with a signal; compare the printed training seconds.
for (const withSignal of [false, true]) {
  Deno.bench({
    name: `train one epoch, mlp, 10,000 images, sgd, ${withSignal ? "with" : "without"} a signal`,
    group: "abort-checks",
    baseline: !withSignal,
    n: 3,
    warmup: 1,
    async fn(b) {
      b.start();
      const result = await train({ trainLimit: 10_000, testLimit: 500, epochs: 1 }, {
        backend: "wasm",
        ...(withSignal ? { signal: new AbortController().signal } : {}),
      });
      b.end();
      console.log(
        `sgd ${withSignal ? "with" : "without"} a signal: ${
          result.epochs[0].seconds.toFixed(3)
        } s training`,
      );
    },
  });
}

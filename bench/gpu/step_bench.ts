/**
 * Step throughput of ResNet-18 (full width: 64–512 channels, 11.2M weights) on CIFAR-shaped
 * input (32×32×3), batch 128, on a TF.js backend (webgpu by default): SGD, SAM, Frob-SAM (n = 2)
 * and Det-SAM, each timed over `--steps` steps (10) after `--warmup` untimed ones (2, which
 * also compile the shaders). A step is
 * `await optimizer.step(f)`, the training loop's own call, which ends with the step's one read
 * of the loss, so the wall time of a step includes all its GPU work.
 *
 * Prints a table and, with `--json FILE`, writes the figures for `bench/gpu/ratios.ts`.
 * `--tiny` shrinks everything (width 1/16, batch 8, 2 + 1 steps) so that the script can be
 * checked end to end on a software adapter.
 *
 *     deno run -A bench/gpu/step_bench.ts [--tiny] [--backend webgpu] [--json FILE]
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, initBackend } from "../../src/backends/mod.ts";
import { Random } from "../../src/math/random.ts";
import { createModel } from "../../src/models/mod.ts";
import { createOptimizer, type OptimizerName } from "../../src/optimizers/mod.ts";
import { optimizerDefaults } from "../../src/training/config.ts";

/** The settings of one benchmark run. */
export interface StepBenchSettings {
  backend: BackendName;
  batch: number;
  widthMultiplier: number;
  warmup: number;
  steps: number;
  optimizers: OptimizerName[];
}

/** One optimizer's figures. */
export interface StepFigure {
  optimizer: OptimizerName;
  gradientEvaluations: number;
  msPerStep: number;
  stepsPerSecond: number;
  imagesPerSecond: number;
  /** The loss of the last timed step (a finite number shows the steps did real work). */
  lastLoss: number;
}

/** What `--json` writes. */
export interface StepBenchReport {
  settings: StepBenchSettings;
  adapter: string;
  parameters: number;
  figures: StepFigure[];
}

/** The ResNet-18 figures' optimizers, in the order of the issue. */
export const BENCH_OPTIMIZERS: OptimizerName[] = ["sgd", "sam", "frob-sam", "det-sam"];

/**
 * Parses the command line into settings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStepBenchArgs } from "./step_bench.ts";
 * const { settings } = parseStepBenchArgs(["--tiny"]);
 * assert.equal(settings.batch, 8);
 * assert.equal(parseStepBenchArgs([]).settings.batch, 128);
 * ```
 */
export function parseStepBenchArgs(
  args: string[],
): { settings: StepBenchSettings; json: string | null } {
  const { values } = parseArgs({
    args,
    options: {
      tiny: { type: "boolean", default: false },
      backend: { type: "string", default: "webgpu" },
      batch: { type: "string" },
      width: { type: "string" },
      warmup: { type: "string" },
      steps: { type: "string" },
      optimizers: { type: "string" },
      json: { type: "string" },
    },
  });
  const tiny = values.tiny!;
  const integer = (name: string, text: string | undefined, fallback: number) => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`--${name} must be a non-negative integer, got ${text}`);
    }
    return value;
  };
  const width = values.width === undefined ? (tiny ? 0.0625 : 1) : Number(values.width);
  if (!(width > 0)) throw new RangeError(`--width must be a positive number, got ${values.width}`);
  const optimizers = (values.optimizers?.split(",") ?? BENCH_OPTIMIZERS) as OptimizerName[];
  return {
    settings: {
      backend: values.backend as BackendName,
      batch: Math.max(1, integer("batch", values.batch, tiny ? 8 : 128)),
      widthMultiplier: width,
      warmup: integer("warmup", values.warmup, tiny ? 1 : 2),
      steps: Math.max(1, integer("steps", values.steps, tiny ? 2 : 10)),
      optimizers,
    },
    json: values.json ?? null,
  };
}

/**
 * Runs the benchmark: one model per optimizer (the same seed, so the same initial weights),
 * random CIFAR-shaped images and labels on the device.
 *
 * @example
 * ```ts ignore
 * import { runStepBench } from "./step_bench.ts";
 * const report = await runStepBench({ backend: "cpu", batch: 2, widthMultiplier: 0.0625,
 *   warmup: 0, steps: 1, optimizers: ["sgd"] });
 * console.log(report.figures[0].msPerStep);
 * ```
 */
export async function runStepBench(settings: StepBenchSettings): Promise<StepBenchReport> {
  const choice = await initBackend(settings.backend);
  const rng = new Random(1);
  const { batch } = settings;
  const xs = tf.tensor4d(Float32Array.from(rng.gaussianVector(batch * 32 * 32 * 3)), [
    batch,
    32,
    32,
    3,
  ]);
  const ys = tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, () => rng.integer(10))), 10);
  const figures: StepFigure[] = [];
  let parameters = 0;
  try {
    for (const name of settings.optimizers) {
      const model = createModel("resnet", {
        inputShape: [32, 32, 3],
        numClasses: 10,
        seed: 0,
        widthMultiplier: settings.widthMultiplier,
      });
      parameters = model.countParams();
      const defaults = optimizerDefaults(name);
      const optimizer = createOptimizer(name, {
        lr: 0.01,
        momentum: 0.9,
        ...(name === "sgd" ? {} : {
          rho: defaults.rho,
          seed: 1,
          ...(name === "frob-sam" || name === "det-sam"
            ? { lambda: defaults.lambda, samples: defaults.samples }
            : {}),
          ...(name === "det-sam" ? { halfWidth: defaults.halfWidth } : {}),
        }),
      });
      const loss = () =>
        tf.losses.softmaxCrossEntropy(
          ys,
          model.apply(xs, { training: true }) as tf.Tensor,
        ) as tf.Scalar;
      try {
        for (let k = 0; k < settings.warmup; k++) await optimizer.step(loss);
        let lastLoss = Number.NaN;
        const started = performance.now();
        for (let k = 0; k < settings.steps; k++) lastLoss = await optimizer.step(loss);
        const ms = (performance.now() - started) / settings.steps;
        figures.push({
          optimizer: name,
          gradientEvaluations: optimizer.gradientEvaluations,
          msPerStep: ms,
          stepsPerSecond: 1000 / ms,
          imagesPerSecond: 1000 * batch / ms,
          lastLoss,
        });
      } finally {
        optimizer.dispose();
        model.dispose();
      }
    }
  } finally {
    tf.dispose([xs, ys]);
  }
  return { settings, adapter: `${choice.backend}: ${choice.adapter}`, parameters, figures };
}

/**
 * The table printed for a report: ms per step, steps/s, and each step's cost against
 * `(1 + extra gradient evaluations) × SGD`, the bound being 1.05 of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatStepBench } from "./step_bench.ts";
 * const text = formatStepBench({
 *   settings: { backend: "webgpu", batch: 128, widthMultiplier: 1, warmup: 0, steps: 1, optimizers: ["sgd"] },
 *   adapter: "webgpu: test", parameters: 11_000_000,
 *   figures: [{ optimizer: "sgd", gradientEvaluations: 1, msPerStep: 50, stepsPerSecond: 20, imagesPerSecond: 2560, lastLoss: 2.3 }],
 * });
 * assert.match(text, /sgd .* 50\.0 ms/);
 * ```
 */
export function formatStepBench(report: StepBenchReport): string {
  const sgd = report.figures.find((f) => f.optimizer === "sgd");
  const lines = [
    `ResNet-18 ×${report.settings.widthMultiplier} (${report.parameters} weights), 32×32×3, batch ${report.settings.batch}, ${report.adapter}`,
    "optimizer   grads   ms/step   steps/s   images/s   step / (grads × SGD step)",
  ];
  for (const f of report.figures) {
    const relative = sgd ? (f.msPerStep / (f.gradientEvaluations * sgd.msPerStep)).toFixed(3) : "-";
    lines.push(
      `${f.optimizer.padEnd(10)} ${String(f.gradientEvaluations).padStart(5)} ${
        f.msPerStep.toFixed(1).padStart(6)
      } ms ${f.stepsPerSecond.toFixed(2).padStart(9)} ${
        f.imagesPerSecond.toFixed(0).padStart(10)
      }   ${relative}`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { settings, json } = parseStepBenchArgs(Deno.args);
  const report = await runStepBench(settings);
  console.log(formatStepBench(report));
  if (json) await Deno.writeTextFile(json, JSON.stringify(report, null, 2) + "\n");
}

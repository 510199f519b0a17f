/**
 * Prints the ratios from the two JSON files of `bench/gpu/run.sh`: webgpu's ResNet-18
 * SGD step throughput over PyTorch's (target ≥ 0.5 on the H200), and each SAM-family step's time
 * over `(gradient evaluations) × the SGD step` (target ≤ 1.05).
 *
 *     deno run -A bench/gpu/ratios.ts WEBGPU.json TORCH.json
 *
 * @module
 */
import type { StepBenchReport, StepFigure } from "./step_bench.ts";

/** What `torch_resnet.py --json` writes. */
export interface TorchReport {
  device: string;
  torch: string;
  batch: number;
  widthMultiplier: number;
  parameters: number;
  figures: StepFigure[];
}

/**
 * The ratio lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ratioLines } from "./ratios.ts";
 * const figure = (optimizer: "sgd" | "sam", ms: number, grads: number) => ({
 *   optimizer, gradientEvaluations: grads, msPerStep: ms, stepsPerSecond: 1000 / ms,
 *   imagesPerSecond: 128000 / ms, lastLoss: 2.3,
 * });
 * const lines = ratioLines(
 *   { settings: { backend: "webgpu", batch: 128, widthMultiplier: 1, warmup: 1, steps: 1, optimizers: ["sgd", "sam"] },
 *     adapter: "webgpu: x", parameters: 1, figures: [figure("sgd", 40, 1), figure("sam", 84, 2)] },
 *   { device: "GPU", torch: "2", batch: 128, widthMultiplier: 1, parameters: 1, figures: [figure("sgd", 20, 1)] },
 * );
 * assert.match(lines.join("\n"), /0\.500 × PyTorch/);
 * assert.match(lines.join("\n"), /sam .*1\.050/);
 * ```
 */
export function ratioLines(webgpu: StepBenchReport, torch: TorchReport): string[] {
  const lines: string[] = [];
  const sgd = webgpu.figures.find((f) => f.optimizer === "sgd");
  const torchSgd = torch.figures.find((f) => f.optimizer === "sgd");
  if (
    webgpu.settings.batch !== torch.batch ||
    webgpu.settings.widthMultiplier !== torch.widthMultiplier
  ) {
    lines.push(
      `warning: webgpu ran batch ${webgpu.settings.batch} width ${webgpu.settings.widthMultiplier}, ` +
        `PyTorch batch ${torch.batch} width ${torch.widthMultiplier}`,
    );
  }
  if (sgd && torchSgd) {
    lines.push(
      `SGD step throughput: webgpu ${sgd.stepsPerSecond.toFixed(2)}/s, PyTorch ${
        torchSgd.stepsPerSecond.toFixed(2)
      }/s on ${torch.device}: webgpu = ${
        (sgd.stepsPerSecond / torchSgd.stepsPerSecond).toFixed(3)
      } × PyTorch (target ≥ 0.5)`,
    );
  }
  if (sgd) {
    for (const f of webgpu.figures) {
      if (f.optimizer === "sgd") continue;
      lines.push(
        `${f.optimizer.padEnd(9)} step / (${f.gradientEvaluations} × SGD step) = ${
          (f.msPerStep / (f.gradientEvaluations * sgd.msPerStep)).toFixed(3)
        } (target ≤ 1.05)`,
      );
    }
  }
  const torchSam = torch.figures.find((f) => f.optimizer === "sam");
  if (torchSgd && torchSam) {
    lines.push(
      `PyTorch for reference: SAM step / (2 × SGD step) = ${
        (torchSam.msPerStep / (2 * torchSgd.msPerStep)).toFixed(3)
      }`,
    );
  }
  return lines;
}

if (import.meta.main) {
  const [webgpuPath, torchPath] = Deno.args;
  if (!webgpuPath || !torchPath) {
    console.error("usage: deno run -A bench/gpu/ratios.ts WEBGPU.json TORCH.json");
    Deno.exit(2);
  }
  const webgpu = JSON.parse(await Deno.readTextFile(webgpuPath)) as StepBenchReport;
  const torch = JSON.parse(await Deno.readTextFile(torchPath)) as TorchReport;
  console.log(ratioLines(webgpu, torch).join("\n"));
}

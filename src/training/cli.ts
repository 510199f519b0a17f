/**
 * `deno task train`: parses the flags, runs {@link train}, shows progress (a bar per epoch on a
 * TTY, plain lines otherwise), writes the JSON result atomically, and exits non-zero on failure:
 * 0 completed, 1 failed or crashed, 2 bad flags, 130 interrupted (resume with `--resume`).
 *
 * @example
 * ```sh
 * deno task train --optimizer sam --epochs 1 --train-limit 10000 --out results/runs/sam.json
 * ```
 *
 * @module
 */
import { parseTrainArgs, type TrainConfig, trainHelp } from "./config.ts";
import { writeRunResult } from "./result.ts";
import { train, type TrainStep } from "./train.ts";
import type { EpochRecord } from "./result.ts";

/**
 * The checkpoint directory that belongs to a result path: `<out without .json>.checkpoint`.
 *
 * @example
 * ```ts
 * import { checkpointDirFor } from "./cli.ts";
 * console.assert(checkpointDirFor("runs/a.json") === "runs/a.checkpoint");
 * ```
 */
export function checkpointDirFor(out: string): string {
  return `${out.replace(/\.json$/i, "")}.checkpoint`;
}

/**
 * The default result path, `results/runs/train-<UTC timestamp>.json`.
 *
 * @example
 * ```ts
 * import { defaultOutPath } from "./cli.ts";
 * console.assert(defaultOutPath(new Date(0)) === "results/runs/train-19700101T000000Z.json");
 * ```
 */
export function defaultOutPath(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `results/runs/train-${stamp}.json`;
}

/**
 * Runs the command with `argv` and returns the exit code (the module's main calls `Deno.exit`
 * with it).
 *
 * @example
 * ```ts ignore
 * import { main } from "./cli.ts";
 * Deno.exit(await main(["--help"]));
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  let config: TrainConfig;
  try {
    const parsed = parseTrainArgs(argv);
    if (parsed.help) {
      console.log(trainHelp());
      return 0;
    }
    config = parsed.config;
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  if (config.resume && config.out === null) {
    console.error("error: --resume needs --out FILE (the run to resume is found next to it)");
    return 2;
  }
  const out = config.out ?? defaultOutPath();
  config = { ...config, out };
  const checkpointDir = checkpointDirFor(out);

  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  Deno.addSignalListener("SIGINT", onSignal);
  const progress = new Progress(Deno.stdout.isTerminal());
  try {
    const result = await train(config, {
      checkpointDir,
      resume: config.resume,
      signal: controller.signal,
      onStart: (start) => {
        const env = start.environment;
        console.log(
          `backend ${env.backend}${env.adapter ? ` (adapter ${env.adapter})` : ""}, ` +
            `${config.dataset}: ${start.trainImages} train / ${start.testImages} test images, ` +
            `${config.model} (${start.parameters} parameters), ${config.optimizer}, ` +
            `${start.stepsPerEpoch} steps per epoch`,
        );
        if (start.resumedEpochs > 0) {
          console.log(`resumed from ${checkpointDir} after epoch ${start.resumedEpochs}`);
        }
      },
      onStep: (step) => progress.step(step),
      onEpoch: (record, run) => progress.epoch(record, run.epochs),
    });
    progress.clear();
    await writeRunResult(out, result);
    if (result.status === "failed") {
      const f = result.failure!;
      console.error(`error: training diverged at epoch ${f.epoch}, step ${f.step}: ${f.message}`);
      console.error(`wrote ${out} (status "failed")`);
      return 1;
    }
    const final = result.final!;
    console.log(
      `done: test accuracy ${(100 * final.testAccuracy).toFixed(2)}%, test loss ` +
        `${final.testLoss.toFixed(4)}, ${final.seconds.toFixed(1)} s training; wrote ${out}`,
    );
    return 0;
  } catch (error) {
    progress.clear();
    if (controller.signal.aborted) {
      console.error(`interrupted; continue with the same flags plus --resume --out ${out}`);
      return 130;
    }
    console.error(`error: ${(error as Error).message}`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

/** A progress bar per epoch on a TTY (redrawn at most 10 times a second); plain lines otherwise. */
class Progress {
  #lastDraw = 0;
  #drawn = false;
  #epochStarted = 0;
  constructor(readonly tty: boolean) {}

  step(step: TrainStep): void {
    if (!this.tty) return;
    const now = performance.now();
    if (step.step === 1) this.#epochStarted = now;
    if (step.step !== step.stepsPerEpoch && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const width = 30;
    const filled = Math.round((width * step.step) / step.stepsPerEpoch);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const perStep = (now - this.#epochStarted) / 1000 / Math.max(1, step.step - 1);
    const eta = step.step > 1
      ? ` eta ${(perStep * (step.stepsPerEpoch - step.step)).toFixed(0)} s`
      : "";
    this.#write(
      `\repoch ${step.epoch}/${step.epochs} ${bar} ${step.step}/${step.stepsPerEpoch} loss ${
        step.loss.toFixed(4)
      } lr ${step.learningRate.toPrecision(3)}${eta}\x1b[K`,
    );
    this.#drawn = true;
  }

  epoch(record: EpochRecord, epochs: number): void {
    this.clear();
    const hessian = record.hessian
      ? `, Hessian trace ${record.hessian.trace.toPrecision(4)} frobenius ${
        record.hessian.frobenius.toPrecision(4)
      } top eigenvalue ${record.hessian.topEigenvalue.toPrecision(4)}`
      : "";
    console.log(
      `epoch ${record.epoch}/${epochs}: train loss ${record.trainLoss.toFixed(4)} accuracy ${
        (100 * record.trainAccuracy).toFixed(2)
      }%, test loss ${record.testLoss.toFixed(4)} accuracy ${
        (100 * record.testAccuracy).toFixed(2)
      }%, ${record.seconds.toFixed(1)} s, ${Math.round(record.imagesPerSecond)} images/s${hessian}`,
    );
  }

  clear(): void {
    if (this.#drawn) this.#write("\r\x1b[K");
    this.#drawn = false;
  }

  #write(text: string): void {
    Deno.stdout.writeSync(new TextEncoder().encode(text));
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

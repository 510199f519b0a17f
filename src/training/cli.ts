/**
 * `deno task train`: parses the flags, runs {@link train}, shows progress (a bar per epoch on a
 * TTY, plain lines otherwise), writes the JSON result atomically, and exits non-zero on failure:
 * 0 completed, 1 failed or crashed, 2 bad flags, 130 interrupted by SIGINT, 143 by SIGTERM.
 * On the first SIGINT or SIGTERM the run stops after the current step, writes a checkpoint of that
 * exact point (mid-epoch included) and prints the command that resumes it; a second Ctrl-C quits
 * at once (the listeners are removed, so the signal's default action applies).
 *
 * @example
 * ```sh
 * deno task train --optimizer sam --epochs 1 --train-limit 10000 --out results/runs/sam.json
 * ```
 *
 * @module
 */
import {
  configWarnings,
  parseTrainArgs,
  type TrainConfig,
  trainHelp,
  type TrainInvocation,
} from "./config.ts";
import { checkOutPath, userPath } from "./out_path.ts";
import { type EpochRecord, writeRunResult } from "./result.ts";
import { readCheckpoint } from "./checkpoint.ts";
import { train } from "./train.ts";
import { Progress } from "../io/progress.ts";

/**
 * The checkpoint directory that belongs to a result path: `<out without .json>.checkpoint`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpointDirFor } from "./cli.ts";
 * assert.equal(checkpointDirFor("runs/a.json"), "runs/a.checkpoint");
 * ```
 */
export function checkpointDirFor(out: string): string {
  return `${out.replace(/\.json$/i, "")}.checkpoint`;
}

/**
 * The default result path, `results/runs/train-<UTC timestamp>-<pid>.json`. The process id makes
 * it unique: two runs started in the same millisecond are two processes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultOutPath } from "./cli.ts";
 * assert.equal(defaultOutPath(new Date(0), 42), "results/runs/train-19700101T000000.000Z-42.json");
 * ```
 */
export function defaultOutPath(now: Date = new Date(), pid: number = Deno.pid): string {
  const stamp = now.toISOString().replace(/[-:]/g, "");
  return `results/runs/train-${stamp}-${pid}.json`;
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
  let invocation: TrainInvocation;
  let out: string;
  try {
    const parsed = parseTrainArgs(argv);
    if (parsed.help) {
      console.log(trainHelp());
      return 0;
    }
    ({ config, invocation } = parsed);
    if (invocation.resume && invocation.out === null) {
      throw new RangeError("--resume needs --out FILE (the run to resume is found next to it)");
    }
    out = invocation.out === null ? defaultOutPath() : userPath(invocation.out);
    await checkOutPath(out);
  } catch (error) {
    console.error(errorLine(error));
    return 2;
  }
  const checkpointDir = checkpointDirFor(out);

  const controller = new AbortController();
  let received: "SIGINT" | "SIGTERM" | null = null;
  const listeners = {
    SIGINT: () => onSignal("SIGINT"),
    SIGTERM: () => onSignal("SIGTERM"),
  } as const;
  const removeListeners = () => {
    for (const [name, listener] of Object.entries(listeners)) {
      Deno.removeSignalListener(name as Deno.Signal, listener);
    }
  };
  const onSignal = (name: "SIGINT" | "SIGTERM") => {
    received = name;
    // Without listeners the next signal has its default action: a second Ctrl-C quits at once,
    // even inside a long synchronous kernel where no listener could run.
    removeListeners();
    progress.clear();
    console.error(
      `\n${name}: stopping after the current step to write a checkpoint ` +
        `(press Ctrl-C again to quit now)`,
    );
    controller.abort(new Error(`interrupted by ${name}`));
  };
  for (const [name, listener] of Object.entries(listeners)) {
    Deno.addSignalListener(name as Deno.Signal, listener);
  }
  const progress = new Progress({
    isTerminal: Deno.stdout.isTerminal(),
    write: (text) => Deno.stdout.writeSync(new TextEncoder().encode(text)),
  });
  let stepsPerEpoch = 0;
  try {
    const result = await train(config, {
      checkpointDir,
      resume: invocation.resume,
      backend: invocation.backend,
      dataDir: invocation.dataDir === null ? null : userPath(invocation.dataDir),
      allowBackendChange: invocation.allowBackendChange,
      signal: controller.signal,
      onStart: (start) => {
        stepsPerEpoch = start.stepsPerEpoch;
        const env = start.environment;
        console.log(
          `backend ${env.backend}${env.adapter ? ` (adapter ${env.adapter})` : ""}, ` +
            `${config.dataset}: ${start.trainImages} train / ${start.validationImages} validation / ` +
            `${start.testImages} test images, ` +
            `${config.model} (${start.parameters} parameters), ${config.optimizer}, ` +
            `${start.stepsPerEpoch} steps per epoch`,
        );
        for (const warning of configWarnings(config, start.trainImages)) {
          console.error(`train: warning: ${warning}`);
        }
        if (start.resumedEpochs > 0) {
          console.log(`resumed from ${checkpointDir} after epoch ${start.resumedEpochs}`);
        }
      },
      onStep: (step) =>
        progress.bar(
          `epoch ${step.epoch}/${step.epochs}`,
          step.step,
          step.stepsPerEpoch,
          `loss ${step.loss.toFixed(4)} lr ${step.learningRate.toPrecision(3)}`,
        ),
      onHessian: (h) =>
        progress.bar(
          `epoch ${h.epoch}/${config.epochs} Hessian measures`,
          h.done,
          h.total,
          "Hessian-vector products",
        ),
      onEpoch: (record, run) => progress.line(epochLine(record, run.epochs)),
    });
    progress.clear();
    await writeRunResult(out, result);
    if (result.status === "failed") {
      const f = result.failure!;
      // Steps are counted 1-based over the whole run, as in failure.step and its message; the
      // step within the epoch is what the progress bar showed.
      const within = f.step === undefined || f.epoch === undefined
        ? ""
        : `, step ${f.step - (f.epoch - 1) * stepsPerEpoch} of ${stepsPerEpoch}`;
      console.error(
        `train: training diverged at step ${f.step} (epoch ${f.epoch}${within}): ${f.message}`,
      );
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
      const checkpoint = await readCheckpoint(checkpointDir).catch(() => null);
      const where = checkpoint
        ? `checkpoint ${checkpointDir} at epoch ${
          checkpoint.epoch + (checkpoint.partial ? 1 : 0)
        }, step ${checkpoint.step} (${
          checkpoint.partial
            ? `${checkpoint.partial.steps} steps into the epoch`
            : "the end of the epoch"
        })`
        : "no checkpoint written (interrupted before the first step)";
      console.error(`interrupted: ${where}; resume with:\n  ${resumeCommand(argv, out)}`);
      return received === "SIGTERM" ? 143 : 130;
    }
    console.error(errorLine(error));
    return 1;
  } finally {
    removeListeners();
  }
}

/** An error as the one line every command prints: `train: <message>`. */
function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `train: ${message.replace(/^train: /, "")}`;
}

/** The line printed after each epoch. */
function epochLine(record: EpochRecord, epochs: number): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const validation = record.validationAccuracy !== undefined
    ? `, validation loss ${record.validationLoss!.toFixed(4)} accuracy ${
      pct(record.validationAccuracy)
    }`
    : "";
  const hessian = record.hessian
    ? `, Hessian trace ${record.hessian.trace.toPrecision(4)} frobenius ${
      record.hessian.frobenius.toPrecision(4)
    } top eigenvalue ${record.hessian.topEigenvalue.toPrecision(4)}${
      record.hessianSeconds !== undefined ? ` (${record.hessianSeconds.toFixed(1)} s)` : ""
    }`
    : "";
  const speed = record.imagesPerSecond ? `, ${Math.round(record.imagesPerSecond)} images/s` : "";
  return `epoch ${record.epoch}/${epochs}: train loss ${record.trainLoss.toFixed(4)} accuracy ${
    pct(record.trainAccuracy)
  }${validation}, test loss ${record.testLoss.toFixed(4)} accuracy ${pct(record.testAccuracy)}, ${
    record.seconds.toFixed(1)
  } s${speed}${hessian}`;
}

/**
 * The command that resumes an interrupted run: the same flags, with `--resume --out OUT` (any
 * `--resume`/`--out` given are replaced), each argument quoted for a POSIX shell when needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resumeCommand } from "./cli.ts";
 * assert.equal(
 *   resumeCommand(["--optimizer", "sam", "--out=a b.json"], "a b.json"),
 *   "deno task train --optimizer sam --resume --out 'a b.json'",
 * );
 * ```
 */
export function resumeCommand(argv: readonly string[], out: string): string {
  const kept: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === "--resume" || a.startsWith("--out=") || a.startsWith("--resume=")) continue;
    if (a === "--out") {
      k++; // and its value
      continue;
    }
    kept.push(a);
  }
  const quote = (a: string) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
  return ["deno", "task", "train", ...kept, "--resume", "--out", out].map(quote).join(" ");
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

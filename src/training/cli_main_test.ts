/**
 * `deno task train`'s `main()` in-process, on small real Fashion-MNIST runs, with its console and
 * stdout captured: the lines a user reads (the start line, one line per epoch, the closing line,
 * the warnings, the divergence report) must say what the JSON result says, figure for figure.
 * `cli_test.ts` runs the command as a process for exit codes, signals and resumes; this file pins
 * the text, cheaply (no process start, no TF.js initialization per run).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createModel } from "../models/mod.ts";
import { readCheckpoint } from "./checkpoint.ts";
import { checkpointDirFor, main, resumeCommand } from "./cli.ts";
import type { EpochRecord, RunResult } from "./result.ts";

interface Captured {
  code: number;
  /** console.log lines. */
  log: string[];
  /** console.error lines. */
  error: string[];
  /** What went to stdout directly (the progress sink: epoch lines when not on a terminal). */
  stdout: string;
}

/**
 * Runs `main(argv)` with console.log, console.error and Deno.stdout.writeSync captured;
 * `terminal` makes stdout claim to be a TTY (progress bars drawn), `onWrite` sees each write.
 */
async function captured(
  argv: string[],
  { terminal = false, onWrite, onTerminalCheck }: {
    terminal?: boolean;
    onWrite?: (text: string) => void;
    onTerminalCheck?: () => void;
  } = {},
): Promise<Captured> {
  const log: string[] = [];
  const error: string[] = [];
  let stdout = "";
  const original = {
    log: console.log,
    error: console.error,
    write: Deno.stdout.writeSync,
    isTerminal: Deno.stdout.isTerminal,
  };
  console.log = (...args: unknown[]) => log.push(args.join(" "));
  console.error = (...args: unknown[]) => error.push(args.join(" "));
  const stream = Deno.stdout as {
    writeSync: (b: Uint8Array) => number;
    isTerminal: () => boolean;
  };
  stream.isTerminal = () => {
    onTerminalCheck?.();
    return terminal;
  };
  stream.writeSync = (bytes: Uint8Array) => {
    const text = new TextDecoder().decode(bytes);
    stdout += text;
    onWrite?.(text);
    return bytes.length;
  };
  try {
    const code = await main(argv);
    return { code, log, error, stdout };
  } finally {
    console.log = original.log;
    console.error = original.error;
    stream.writeSync = original.write;
    stream.isTerminal = original.isTerminal;
  }
}

const dir = await Deno.makeTempDir({ prefix: "usam-cli-main-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const COMMON = ["--backend", "wasm", "--dataset", "fashion-mnist", "--seed", "0"];

// 80 images, a quarter held out: 60 train in 3 steps of 20; Hessian measures after epoch 2.
const measuredOut = join(dir, "measured.json");
const measured = await captured([
  ...COMMON,
  "--train-limit",
  "80",
  "--validation-fraction",
  "0.25",
  "--test-limit",
  "40",
  "--epochs",
  "2",
  "--batch-size",
  "20",
  "--hessian-every",
  "2",
  "--hessian-subset",
  "16",
  "--hessian-samples",
  "2",
  "--out",
  measuredOut,
]);
const measuredResult: RunResult = JSON.parse(await Deno.readTextFile(measuredOut));

// lr 1e8 diverges; a batch larger than the 100 images warns and makes one step per epoch.
const divergedOut = join(dir, "diverged.json");
const diverged = await captured([
  ...COMMON,
  "--train-limit",
  "100",
  "--test-limit",
  "20",
  "--epochs",
  "3",
  "--batch-size",
  "200",
  "--lr",
  "1e8",
  "--out",
  divergedOut,
]);
const divergedResult: RunResult = JSON.parse(await Deno.readTextFile(divergedOut));

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/** The epoch line as the README describes it, rebuilt from the JSON record. */
function expectedEpochLine(r: EpochRecord, epochs: number): string {
  let line = `epoch ${r.epoch}/${epochs}: train loss ${r.trainLoss.toFixed(4)} accuracy ${
    pct(r.trainAccuracy)
  }`;
  if (r.validationAccuracy !== undefined) {
    line += `, validation loss ${r.validationLoss!.toFixed(4)} accuracy ${
      pct(r.validationAccuracy)
    }`;
  }
  line += `, test loss ${r.testLoss.toFixed(4)} accuracy ${pct(r.testAccuracy)}, ` +
    `${r.seconds.toFixed(1)} s, ${Math.round(r.imagesPerSecond!)} images/s`;
  if (r.hessian) {
    line += `, Hessian trace ${r.hessian.trace.toPrecision(4)} frobenius ${
      r.hessian.frobenius.toPrecision(4)
    } top eigenvalue ${r.hessian.topEigenvalue.toPrecision(4)} (${r.hessianSeconds!.toFixed(1)} s)`;
  }
  return line;
}

Deno.test("train's start line names the backend, the data counts, the model, the optimizer and the steps", () => {
  assert.equal(measured.code, 0, measured.error.join("\n"));
  const env = measuredResult.environment;
  assert.ok(env.adapter, "wasm names its adapter");
  const model = createModel("mlp", { inputShape: [28, 28, 1], numClasses: 10 });
  const parameters = model.countParams();
  model.dispose();
  assert.equal(
    measured.log[0],
    `backend wasm (adapter ${env.adapter}), fashion-mnist: 60 train / 20 validation / 40 test ` +
      `images, mlp (${parameters} parameters), sgd, 3 steps per epoch`,
  );
  assert.equal(measuredResult.counts?.train, 60);
  assert.deepEqual(measured.error, [], "no warnings for this run");
});

Deno.test("train prints one line per epoch with the JSON's figures (validation, Hessian, speed)", () => {
  const lines = measured.stdout.split("\n").filter((l) => l.startsWith("epoch "));
  assert.equal(measuredResult.status, "completed");
  assert.equal(measuredResult.epochs.length, 2);
  assert.ok(measuredResult.epochs[1].hessian, "epoch 2 measured");
  assert.deepEqual(lines, measuredResult.epochs.map((r) => expectedEpochLine(r, 2)));
});

Deno.test("train's closing line gives the final test figures, the training time and the result path", () => {
  const final = measuredResult.final!;
  assert.equal(
    measured.log.at(-1),
    `done: test accuracy ${pct(final.testAccuracy)}, test loss ${final.testLoss.toFixed(4)}, ` +
      `${final.seconds.toFixed(1)} s training; wrote ${measuredOut}`,
  );
  assert.equal(measured.log.length, 2, measured.log.join("\n"));
});

Deno.test("a diverged run exits 1, warns once about the batch, and names the step over the run and within its epoch", () => {
  assert.equal(diverged.code, 1);
  assert.equal(divergedResult.status, "failed");
  const f = divergedResult.failure!;
  assert.deepEqual(diverged.error.slice(0, 1), [
    "train: warning: --batch-size 200 is larger than the 100 training images: every step takes " +
    "the whole set (one step per epoch)",
  ]);
  // One step per epoch: step s of the run is step 1 of epoch s.
  assert.equal(f.step, f.epoch);
  assert.deepEqual(diverged.error.slice(1), [
    `train: training diverged at step ${f.step} (epoch ${f.epoch}, step 1 of 1): ${f.message}`,
    `wrote ${divergedOut} (status "failed")`,
  ]);
  assert.match(diverged.log[0], /100 train \/ 0 validation \/ 20 test images.*1 steps per epoch$/);
});

Deno.test("bad flags exit 2 with one line naming the flag, before any work", async () => {
  const bad = await captured(["--lr", "-1"]);
  assert.equal(bad.code, 2);
  assert.deepEqual(bad.error, ["train: --lr must be a positive number, got -1"]);
  assert.deepEqual(bad.log, []);
  const resume = await captured(["--resume"]);
  assert.equal(resume.code, 2);
  assert.deepEqual(resume.error, [
    "train: --resume needs --out FILE (the run to resume is found next to it)",
  ]);
  const help = await captured(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.log.join("\n"), /--validation-fraction/);
});

Deno.test("on a terminal, train draws a bar per epoch with the step's loss and learning rate, and one for the Hessian", async () => {
  const out = join(dir, "bars.json");
  const run = await captured([
    ...COMMON,
    "--train-limit",
    "40",
    "--test-limit",
    "20",
    "--epochs",
    "2",
    "--batch-size",
    "20",
    "--hessian-every",
    "2",
    "--hessian-subset",
    "8",
    "--hessian-samples",
    "2",
    "--out",
    out,
  ], { terminal: true });
  assert.equal(run.code, 0, run.error.join("\n"));
  // The last step of each epoch is always drawn (done = total).
  for (const epoch of [1, 2]) {
    assert.match(
      run.stdout,
      new RegExp(`\\repoch ${epoch}/2 [█░]{30} 2/2 loss \\d+\\.\\d{4} lr 0\\.0\\d+`),
    );
  }
  assert.match(
    run.stdout,
    /\repoch 2\/2 Hessian measures [█░]{30} \d+\/\d+ Hessian-vector products/,
  );
});

Deno.test("a --data-dir that is not a folder fails the run, naming it (it is not ignored)", async () => {
  const file = join(dir, "not-a-folder");
  await Deno.writeTextFile(file, "");
  const run = await captured([
    ...COMMON,
    "--data-dir",
    file,
    "--train-limit",
    "20",
    "--out",
    join(dir, "nofolder.json"),
  ]);
  assert.equal(run.code, 1);
  assert.ok(run.error.some((l) => l.includes(file) && /folder/.test(l)), run.error.join("\n"));
});

Deno.test("SIGTERM mid-run: train checkpoints, names the checkpoint's epoch and step, prints the resume command, exits 143", async () => {
  const out = join(dir, "interrupted.json");
  const argv = [
    ...COMMON,
    "--train-limit",
    "400",
    "--test-limit",
    "20",
    "--epochs",
    "2",
    "--batch-size",
    "20",
    "--out",
    out,
  ];
  let sent = false;
  const run = await captured(argv, {
    terminal: true,
    // The first bar is drawn after step 1, while main's listeners are installed: the signal
    // reaches them, not the default action (20 steps per epoch remain to see it in). SIGTERM,
    // not SIGINT: `deno test` takes SIGINT for itself and stops the tests.
    onWrite: (text) => {
      if (!sent && text.includes("epoch 1/2 ")) {
        sent = true;
        Deno.kill(Deno.pid, "SIGTERM");
      }
    },
  });
  assert.ok(sent);
  assert.equal(run.code, 143, run.error.join("\n"));
  const checkpoint = (await readCheckpoint(checkpointDirFor(out)))!;
  assert.ok(checkpoint.partial, "a mid-epoch checkpoint");
  assert.equal(checkpoint.epoch, 0);
  const steps = checkpoint.partial.steps;
  assert.ok(steps >= 1 && steps < 20, `stopped after step ${steps}`);
  assert.deepEqual(
    run.error.slice(-2),
    [
      "\nSIGTERM: stopping after the current step to write a checkpoint (press Ctrl-C again to quit now)",
      `interrupted: checkpoint ${checkpointDirFor(out)} at epoch 1, step ${checkpoint.step} ` +
      `(${steps} steps into the epoch); resume with:\n  ${resumeCommand(argv, out)}`,
    ],
  );
});

Deno.test("SIGTERM before the first step: no checkpoint, and train says so; the last run's listeners are gone", async () => {
  const out = join(dir, "early.json");
  // A data folder no run of this process has read (the files are those of the system package,
  // linked in), so train() really reads and checks them instead of taking them from its cache.
  const data = join(dir, "early-data");
  await Deno.mkdir(join(data, "fashion-mnist"), { recursive: true });
  for await (const file of Deno.readDir("/usr/share/datasets/fashion-mnist")) {
    await Deno.symlink(
      join("/usr/share/datasets/fashion-mnist", file.name),
      join(data, "fashion-mnist", file.name),
    );
  }
  const argv = [
    ...COMMON,
    "--data-dir",
    data,
    "--train-limit",
    "40",
    "--test-limit",
    "20",
    "--out",
    out,
  ];
  // main asks whether stdout is a terminal after installing its listeners and before train()
  // starts loading: a signal sent there is seen during the loading, before any step.
  const run = await captured(argv, { onTerminalCheck: () => Deno.kill(Deno.pid, "SIGTERM") });
  assert.equal(run.code, 143);
  // Exactly these lines: a listener left from the previous test's run would print its own.
  assert.deepEqual(run.error, [
    "\nSIGTERM: stopping after the current step to write a checkpoint (press Ctrl-C again to quit now)",
    "interrupted: no checkpoint written (interrupted before the first step); resume with:\n  " +
    resumeCommand(argv, out),
  ]);
  assert.equal(await readCheckpoint(checkpointDirFor(out)), null);
});

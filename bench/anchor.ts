/**
 * The side-by-side benchmark of issue 9: usam against PyTorch on the same machine, in one run.
 *
 * `deno task bench:anchor [--quick] [--backend auto] [--threads 2] [--windows 5]
 * [--window-seconds 0.5] [--warmup 3] [--warmup-seconds 1] [ROW ...]`
 *
 * For each row (paper MLP, LeNet-5 `cnn`, ResNet-18 ×1/16 on 28×28×1, ResNet-18 ×1/4 on 32×32×3;
 * each with SGD and SAM; and the MLP with Trace-SAM, whose perturbation is a Gaussian draw of every
 * weight on each side; batch 128, random data) it runs the usam step in a child Deno process and
 * then the PyTorch mirror (`bench/torch_anchor.py`, Debian's python3-torch at /usr/bin/python3, 2
 * threads) in a child Python process, and prints images/s of both, their ratio, and the peak RSS
 * of each process. One process per row and side, so that a peak RSS belongs to one row. The two
 * sides' trainable and non-trainable parameter counts are asserted equal: the mirror is exact.
 *
 * When `/usr/bin/python3 -c "import torch"` fails, it prints `apt-get install python3-torch` and
 * measures usam alone. It never exits non-zero for a slow row: the targets are read off the table.
 *
 * Both sides time steps the same way (bench/step_timing.ts, mirrored in torch_anchor.py): a warm-up,
 * then `--windows` timed windows of about `--window-seconds` each; a row shows the median window's
 * images/s and the spread (slowest and fastest windows, relative to the median), so a row whose
 * windows disagree reads as untrustworthy at once. The two processes of a row live side by side
 * and the parent asks each for one window at a time, alternating (usam, PyTorch, PyTorch, usam,
 * ...), so that a change in the machine's load falls on both sides' windows alike instead of on
 * whichever side ran second. `--threads N` runs both sides on N threads
 * (PyTorch: `torch.set_num_threads`; usam: `USAM_NATIVE_THREADS` for OpenBLAS and oneDNN); without
 * it PyTorch runs the 2 and usam its own default (`USAM_NATIVE_THREADS` when set). Why
 * threads matter: with 2 threads on 2 cores and another job on one of them, a PyTorch
 * MLP step measured 1.4 to 270 ms from step to step (every OpenMP barrier waits for the
 * descheduled thread), so the old median of 10 single steps swung 3k to 70k images/s between
 * runs; at 1 thread the same steps were 1.35 to 1.5 ms. The 1-minute load average before and after
 * the run is printed: figures taken on a loaded machine are noisy, say so when reporting them.
 * Both children inherit the environment, so `OMP_WAIT_POLICY=PASSIVE` applies to both (measured
 * here under load: a 2-thread PyTorch MLP step's median 26 ms with the default, 4.9 ms passive,
 * 1.5 ms on 1 thread); the header prints it.
 * `--quick`: 3 windows of 0.2 s after 0.3 s of warm-up.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import {
  summarizeWindows,
  timeWindow,
  warmUp,
  type WindowOptions,
  type WindowTiming,
} from "./step_timing.ts";

/** The rows of the table: the model, its input shape, the optimizer. */
const ROWS = {
  "mlp-sgd": { label: "paper MLP, SGD", model: "mlp", inputShape: [28, 28, 1], optimizer: "sgd" },
  "mlp-sam": { label: "paper MLP, SAM", model: "mlp", inputShape: [28, 28, 1], optimizer: "sam" },
  // Not in the table: the SAM-family method whose perturbation is a host Gaussian draw of
  // every weight, so both sides' draw costs are in one step (the floor target's worst case).
  "mlp-trace-sam": {
    label: "paper MLP, Trace-SAM",
    model: "mlp",
    inputShape: [28, 28, 1],
    optimizer: "trace-sam",
  },
  "cnn-sgd": {
    label: "LeNet-5 (cnn), SGD",
    model: "cnn",
    inputShape: [28, 28, 1],
    optimizer: "sgd",
  },
  "cnn-sam": {
    label: "LeNet-5 (cnn), SAM",
    model: "cnn",
    inputShape: [28, 28, 1],
    optimizer: "sam",
  },
  "resnet16-sgd": {
    label: "ResNet-18 x1/16, 28x28x1, SGD",
    model: "resnet16",
    inputShape: [28, 28, 1],
    optimizer: "sgd",
  },
  "resnet16-sam": {
    label: "ResNet-18 x1/16, 28x28x1, SAM",
    model: "resnet16",
    inputShape: [28, 28, 1],
    optimizer: "sam",
  },
  "resnet4-sgd": {
    label: "ResNet-18 x1/4, 32x32x3, SGD",
    model: "resnet4",
    inputShape: [32, 32, 3],
    optimizer: "sgd",
  },
  "resnet4-sam": {
    label: "ResNet-18 x1/4, 32x32x3, SAM",
    model: "resnet4",
    inputShape: [32, 32, 3],
    optimizer: "sam",
  },
} as const;

type RowName = keyof typeof ROWS;

/** What each side's child process prints as its last line. */
interface RowMeasurement extends WindowTiming {
  row: string;
  trainableParameters: number;
  nonTrainableParameters: number;
  peakRssMiB: number;
  backend?: string;
}

/** Debian's python3 with python3-torch; `USAM_ANCHOR_PYTHON` picks another (or none, to try the fallback). */
const PYTHON = Deno.env.get("USAM_ANCHOR_PYTHON") || "/usr/bin/python3";
const TORCH_SCRIPT = fileURLToPath(new URL("./torch_anchor.py", import.meta.url));

/** Peak resident set size of this process (VmHWM), in MiB. */
function peakRssMiB(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match === null ? NaN : Number(match[1]) / 1024;
}

/** The child side: times usam training steps of one row (bench/step_timing.ts). */
async function measureUsamRow(
  row: RowName,
  backendName: string,
  timing: Omit<WindowOptions, "now">,
): Promise<RowMeasurement> {
  const { batchSize } = timing;
  const { initBackend, softmaxCrossEntropyMean } = await import("../src/backends/mod.ts");
  const { createModel } = await import("../src/models/mod.ts");
  const { createOptimizer } = await import("../src/optimizers/mod.ts");
  const { Random } = await import("../src/math/random.ts");
  const spec = ROWS[row];
  const choice = await initBackend(backendName as Parameters<typeof initBackend>[0]);
  const inputShape = [...spec.inputShape] as [number, number, number];
  const model = spec.model === "mlp" || spec.model === "cnn"
    ? createModel(spec.model, { inputShape, numClasses: 10, seed: 0 })
    : createModel("resnet", {
      inputShape,
      numClasses: 10,
      seed: 0,
      widthMultiplier: spec.model === "resnet16" ? 1 / 16 : 1 / 4,
    });
  const rng = new Random(0);
  const size = inputShape[0] * inputShape[1] * inputShape[2];
  const xs = tf.tensor(Float32Array.from(rng.gaussianVector(batchSize * size)), [
    batchSize,
    ...inputShape,
  ]);
  const labels = Int32Array.from({ length: batchSize }, () => rng.integer(10));
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), 10));
  // The PyTorch mirror uses the same settings: lr 1e-3, momentum 0.9, weight decay 5e-4, SAM rho
  // 0.05, Trace-SAM rho 0.01, lambda 1, one sample.
  const optimizer = createOptimizer(
    spec.optimizer,
    spec.optimizer === "sam"
      ? { lr: 1e-3, rho: 0.05 }
      : spec.optimizer === "trace-sam"
      ? { lr: 1e-3, rho: 0.01, lambda: 1, samples: 1 }
      : { lr: 1e-3 },
  );
  const loss = () =>
    // train.ts's training loss (one fused kernel on native).
    tf.tidy(() => softmaxCrossEntropyMean(ys, model.apply(xs, { training: true }) as tf.Tensor));
  const step = () => {
    const cost = optimizer.minimize(loss, true);
    cost?.dataSync(); // wait for the backend to finish the step
    cost?.dispose();
  };
  // Served: after the warm-up, one window per "window" line on stdin (the parent alternates them
  // with PyTorch's), until "done".
  const found = warmUp(step, timing);
  console.log(JSON.stringify({ ready: true }));
  const rates: number[] = [];
  for await (const line of stdinLines()) {
    if (line.trim() === "done") break;
    rates.push(timeWindow(step, found.stepsPerWindow, batchSize));
    console.log(JSON.stringify({ rate: rates[rates.length - 1] }));
  }
  const measured = summarizeWindows(rates, batchSize, found);
  const trainable = model.trainableWeights.reduce(
    (n, w) => n + w.shape.reduce((p: number, d) => p * (d ?? 1), 1),
    0,
  );
  const nonTrainable = model.nonTrainableWeights.reduce(
    (n, w) => n + w.shape.reduce((p: number, d) => p * (d ?? 1), 1),
    0,
  );
  return {
    row,
    ...measured,
    trainableParameters: trainable,
    nonTrainableParameters: nonTrainable,
    peakRssMiB: peakRssMiB(),
    backend: choice.description,
  };
}

/** The lines of a byte stream, as they come. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let at: number;
    while ((at = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
    }
  }
  if (buffered !== "") yield buffered;
}

function stdinLines(): AsyncGenerator<string> {
  return lines(Deno.stdin.readable);
}

/**
 * One side's measuring process, served a window at a time: it warms up and says `{"ready": true}`,
 * times one window for each "window" line (answering `{"rate": ...}`), and on "done" prints its
 * RowMeasurement and exits. JSON lines only count (TF.js prints a banner on stdout).
 */
class ServedChild {
  readonly #process: Deno.ChildProcess;
  readonly #lines: AsyncGenerator<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stderr: Promise<string>;

  constructor(command: string, args: string[], env: Record<string, string>) {
    this.#process = new Deno.Command(command, {
      args,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#lines = lines(this.#process.stdout);
    this.#stdin = this.#process.stdin.getWriter();
    this.#stderr = new Response(this.#process.stderr).text();
  }

  /** The next JSON line, or an error naming the exit status and the end of stderr. */
  async next(): Promise<Record<string, unknown> | { error: string }> {
    for (;;) {
      const { value, done } = await this.#lines.next();
      if (done) {
        const status = await this.#process.status;
        // The error's own line (not the stack under it) when there is one, else the last lines.
        // deno-lint-ignore no-control-regex
        const stderr = (await this.#stderr).replace(/\x1b\[[0-9;]*m/g, "").trim().split("\n");
        const reason = stderr.find((line) => /error/i.test(line)) ?? stderr.slice(-3).join(" | ");
        return { error: `exit ${status.code}: ${reason.trim()}` };
      }
      if (!value.startsWith("{")) continue;
      try {
        return JSON.parse(value);
      } catch {
        return { error: `unparsable output: ${value}` };
      }
    }
  }

  async send(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Sends "done" and returns the final measurement (or the error), the process ended. */
  async finish(): Promise<RowMeasurement | { error: string }> {
    try {
      await this.send("done");
      await this.#stdin.close();
    } catch {
      // the process is gone already: next() says why
    }
    const result = await this.next();
    await this.#process.status;
    return result as RowMeasurement | { error: string };
  }

  /** Ends the process (after an error on the other side). */
  async abandon(): Promise<void> {
    try {
      await this.#stdin.close();
    } catch {
      // closed already
    }
    await this.#process.status;
  }
}

async function torchAvailable(): Promise<boolean> {
  try {
    const probe = await new Deno.Command(PYTHON, {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "null",
    }).output();
    return probe.success;
  } catch {
    return false; // no /usr/bin/python3 at all
  }
}

function format(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/** The 1-minute load average (NaN where /proc/loadavg is missing). */
function loadAverage(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return NaN;
  }
}

/** "−12/+5%": the slowest and fastest windows relative to the median. */
function spread(m: WindowTiming): string {
  const low = 100 * (m.minImagesPerSecond / m.imagesPerSecond - 1);
  const high = 100 * (m.maxImagesPerSecond / m.imagesPerSecond - 1);
  return `${low.toFixed(0)}/+${high.toFixed(0)}%`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      quick: { type: "boolean", default: false },
      backend: { type: "string", default: "auto" },
      warmup: { type: "string" },
      "warmup-seconds": { type: "string" },
      windows: { type: "string" },
      "window-seconds": { type: "string" },
      "batch-size": { type: "string", default: "128" },
      threads: { type: "string" },
      child: { type: "string" },
    },
  });
  const timing = {
    batchSize: Number(values["batch-size"]),
    warmupSteps: Number(values.warmup ?? 3),
    warmupSeconds: Number(values["warmup-seconds"] ?? (values.quick ? 0.3 : 1)),
    windows: Number(values.windows ?? (values.quick ? 3 : 5)),
    windowSeconds: Number(values["window-seconds"] ?? (values.quick ? 0.2 : 0.5)),
  };
  // PyTorch's threads: the 2 unless --threads; usam's: --threads, else USAM_NATIVE_THREADS
  // or the native path's own default (OpenBLAS on every core, oneDNN on one: native.ts says why).
  const threads = Number(values.threads ?? 2);
  const usamThreads = values.threads ?? Deno.env.get("USAM_NATIVE_THREADS");
  for (
    const [name, value] of [
      ["batch-size", timing.batchSize],
      ["warmup", timing.warmupSteps],
      ["windows", timing.windows],
      ["threads", threads],
    ] as const
  ) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`anchor: --${name} must be a positive integer, got ${value}`);
    }
  }
  for (
    const [name, value] of [
      ["warmup-seconds", timing.warmupSeconds],
      ["window-seconds", timing.windowSeconds],
    ] as const
  ) {
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`anchor: --${name} must be a positive number of seconds, got ${value}`);
    }
  }
  if (values.child !== undefined) {
    if (!Object.hasOwn(ROWS, values.child)) {
      throw new RangeError(`anchor: --child must be a row name, got ${values.child}`);
    }
    const result = await measureUsamRow(values.child as RowName, values.backend, timing);
    console.log(JSON.stringify(result));
    return;
  }
  const rows = (positionals.length > 0 ? positionals : Object.keys(ROWS)) as RowName[];
  for (const row of rows) {
    if (!Object.hasOwn(ROWS, row)) {
      throw new RangeError(
        `anchor: unknown row ${JSON.stringify(row)} (known: ${Object.keys(ROWS).join(", ")})`,
      );
    }
  }
  const withTorch = await torchAvailable();
  if (!withTorch) {
    console.log(
      `PyTorch not found (${PYTHON} -c "import torch" failed): apt-get install python3-torch. ` +
        `Measuring usam alone.`,
    );
  }
  const self = fileURLToPath(import.meta.url);
  const common = [
    "--batch-size",
    String(timing.batchSize),
    "--warmup",
    String(timing.warmupSteps),
    "--warmup-seconds",
    String(timing.warmupSeconds),
    "--windows",
    String(timing.windows),
    "--window-seconds",
    String(timing.windowSeconds),
  ];
  const loadBefore = loadAverage();
  const lines = [
    `batch ${timing.batchSize}, random data; each side: at least ${timing.warmupSteps} warm-up ` +
    `steps and ${timing.warmupSeconds} s, then the median of ${timing.windows} windows of about ` +
    `${timing.windowSeconds} s (spread: slowest/fastest window against it); ` +
    `PyTorch: ${PYTHON}, ${threads} threads; usam: USAM_NATIVE_THREADS=${
      usamThreads ?? "(unset: OpenBLAS every core, oneDNN convolutions on 1 or every core by size)"
    }; OMP_WAIT_POLICY=${
      Deno.env.get("OMP_WAIT_POLICY") ??
        "(unset: PyTorch's OpenMP default, passive for usam's oneDNN)"
    }`,
    "| row | usam images/s | usam spread | PyTorch images/s | PyTorch spread | ratio | " +
    "usam peak RSS MiB | PyTorch peak RSS MiB | RSS ratio |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  let backendLine = "";
  for (const row of rows) {
    const usamChild = new ServedChild(
      Deno.execPath(),
      ["run", "-A", self, "--child", row, "--backend", values.backend, ...common],
      usamThreads === undefined ? {} : { USAM_NATIVE_THREADS: usamThreads },
    );
    // Warm-ups one after the other, then the timed windows alternate between the sides (in turn
    // first), so that both sides' windows see the same load of a shared machine.
    let usamReady = await usamChild.next();
    const torchChild = withTorch
      ? new ServedChild(PYTHON, [
        TORCH_SCRIPT,
        "--row",
        row,
        "--threads",
        String(threads),
        "--serve",
        ...common,
      ], {})
      : undefined;
    let torchReady = torchChild === undefined ? undefined : await torchChild.next();
    for (let w = 0; w < timing.windows; w++) {
      const order = w % 2 === 0 ? ["usam", "torch"] : ["torch", "usam"];
      for (const side of order) {
        if (side === "usam" && !("error" in usamReady)) {
          await usamChild.send("window");
          const answer = await usamChild.next();
          if ("error" in answer) usamReady = answer;
        } else if (
          side === "torch" && torchChild !== undefined && torchReady !== undefined &&
          !("error" in torchReady)
        ) {
          await torchChild.send("window");
          const answer = await torchChild.next();
          if ("error" in answer) torchReady = answer;
        }
      }
    }
    const usam = "error" in usamReady
      ? (await usamChild.abandon(), usamReady as { error: string })
      : await usamChild.finish();
    const torch = torchChild === undefined || torchReady === undefined
      ? undefined
      : "error" in torchReady
      ? (await torchChild.abandon(), torchReady as { error: string })
      : await torchChild.finish();
    if ("error" in usam) {
      lines.push(`| ${ROWS[row].label} | failed: ${usam.error} | | | | | | | |`);
      console.log(lines[lines.length - 1]);
      continue;
    }
    backendLine ||= usam.backend ?? "";
    let torchCells = ["—", "—", "—", "—", "—"];
    if (torch !== undefined && "error" in torch) {
      torchCells = [`failed: ${torch.error}`, "", "", "", ""];
    } else if (torch !== undefined) {
      // The mirror must be the same network, or the ratio means nothing.
      assert.equal(
        torch.trainableParameters,
        usam.trainableParameters,
        `${row}: PyTorch has ${torch.trainableParameters} trainable parameters, usam ` +
          `${usam.trainableParameters}`,
      );
      assert.equal(
        torch.nonTrainableParameters,
        usam.nonTrainableParameters,
        `${row}: non-trainable (BatchNorm running statistics) counts differ`,
      );
      torchCells = [
        format(torch.imagesPerSecond),
        spread(torch),
        format(usam.imagesPerSecond / torch.imagesPerSecond, 2),
        format(torch.peakRssMiB),
        format(usam.peakRssMiB / torch.peakRssMiB, 2),
      ];
    }
    lines.push(
      `| ${ROWS[row].label} | ${format(usam.imagesPerSecond)} | ${spread(usam)} | ` +
        `${torchCells[0]} | ${torchCells[1]} | ${torchCells[2]} | ${format(usam.peakRssMiB)} | ` +
        `${torchCells[3]} | ${torchCells[4]} |`,
    );
    console.log(lines[lines.length - 1]);
  }
  console.log(`\nusam backend: ${backendLine}`);
  console.log(`1-minute load average: ${loadBefore} before, ${loadAverage()} after`);
  console.log(lines.join("\n"));
}

if (import.meta.main) await main();

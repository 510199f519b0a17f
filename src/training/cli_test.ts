import assert from "node:assert/strict";
import { join } from "node:path";
import { readCheckpoint } from "./checkpoint.ts";
import { checkpointDirFor, defaultOutPath, resumeCommand } from "./cli.ts";
import type { RunResult } from "./result.ts";

const CLI = new URL("./cli.ts", import.meta.url).pathname;
const PAUSE_FIXTURE = new URL("./pause_fixture.ts", import.meta.url).pathname;

function command(args: string[], env: Record<string, string> = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  });
}

async function run(args: string[], env: Record<string, string> = {}) {
  const output = await command(args, env).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "usam-cli-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// Small runs on the real Fashion-MNIST, wasm backend, so every process computes bitwise alike.
const SMALL = [
  "--backend",
  "wasm",
  "--optimizer",
  "trace-sam",
  "--train-limit",
  "1280",
  "--test-limit",
  "200",
  "--batch-size",
  "64",
  "--seed",
  "3",
];

Deno.test("result paths: default name and checkpoint folder", () => {
  const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  assert.equal(defaultOutPath(when, 7), "results/runs/train-20260102T030405.678Z-7.json");
  // Two processes started in the same millisecond get two files.
  assert.notEqual(defaultOutPath(when, 7), defaultOutPath(when, 8));
  assert.equal(checkpointDirFor("x/run.json"), "x/run.checkpoint");
  assert.equal(checkpointDirFor("x/run"), "x/run.checkpoint");
});

Deno.test("--help prints every flag with defaults and exits 0; bad flags exit 2 naming the flag", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0, help.stderr);
  for (const flag of ["--optimizer", "--hessian-every", "--resume", "--train-limit", "--out"]) {
    assert.ok(help.stdout.includes(flag), `--help lacks ${flag}`);
  }
  assert.match(help.stdout, /--epochs <value>.*\(default: 10\)/);
  const bad = await run(["--lr", "fast"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--lr.*fast/);
  const resumeWithoutOut = await run(["--resume"]);
  assert.equal(resumeWithoutOut.code, 2);
  assert.match(resumeWithoutOut.stderr, /--resume needs --out/);
});

Deno.test("a run killed with SIGKILL after epoch 1 resumes to the same final weights", async () => {
  await withTempDir(async (dir) => {
    const killedOut = join(dir, "killed.json");
    const killedCheckpoint = checkpointDirFor(killedOut);
    const epochs = ["--epochs", "3"];
    // The run to be killed is the real command, made to stop for good once it has printed epoch
    // 1's line (pause_fixture.ts), which comes after epoch 1's checkpoint is on disk. The kill on
    // that line is then deterministic: no scheduling lets the run reach a later checkpoint or
    // its result file first (a kill on a file-watcher event raced two epochs against one event
    // dispatch, and lost on a loaded machine).
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", PAUSE_FIXTURE, "1", ...SMALL, ...epochs, "--out", killedOut],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    await stdout.seen(/^epoch 1\/3:/m); // also resolves if the run ended without printing it
    assert.match(stdout.text, /^epoch 1\/3:/m, `the run ended before epoch 1: ${stderr.text}`);
    child.kill("SIGKILL");
    const status = await child.status;
    await Promise.all([stdout.done, stderr.done]);
    assert.equal(status.signal, "SIGKILL");
    const interrupted = await readCheckpoint(killedCheckpoint);
    assert.ok(interrupted, "a checkpoint after epoch 1");
    assert.equal(interrupted.epoch, 1);
    assert.equal(
      interrupted.partial,
      undefined,
      "the end-of-epoch checkpoint, not a mid-epoch one",
    );
    assert.equal(await exists(killedOut), false, "no result file for a killed run");

    const resumed = await run([...SMALL, ...epochs, "--out", killedOut, "--resume"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`resumed .* after epoch ${interrupted.epoch}`));
    const wholeOut = join(dir, "whole.json");
    const whole = await run([...SMALL, ...epochs, "--out", wholeOut]);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(whole.stdout, /backend wasm/);

    const a = (await readCheckpoint(checkpointDirFor(wholeOut)))!;
    const b = (await readCheckpoint(killedCheckpoint))!;
    assert.equal(a.epoch, 3);
    assert.equal(b.epoch, 3);
    for (const part of ["model", "optimizer"] as const) {
      assert.equal(b[part].length, a[part].length);
      a[part].forEach((t, i) => {
        assert.deepEqual(b[part][i].data, t.data, `${part} ${t.name} differs after resume`);
      });
    }
    const resultA: RunResult = JSON.parse(await Deno.readTextFile(wholeOut));
    const resultB: RunResult = JSON.parse(await Deno.readTextFile(killedOut));
    assert.equal(resultB.status, "completed");
    assert.equal(resultB.final!.testAccuracy, resultA.final!.testAccuracy);
    assert.deepEqual(
      resultB.epochs.map((e) => e.trainLoss),
      resultA.epochs.map((e) => e.trainLoss),
    );
  });
});

Deno.test("a diverging run exits 1 and its JSON says failed, with the step", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "diverged.json");
    const diverged = await run([...SMALL, "--epochs", "1", "--lr", "1e8", "--out", out]);
    assert.equal(diverged.code, 1);
    assert.match(
      diverged.stderr,
      /^train: training diverged at step \d+ \(epoch 1, step \d+ of 20\)/m,
    );
    const result: RunResult = JSON.parse(await Deno.readTextFile(out));
    assert.equal(result.status, "failed");
    assert.equal(result.failure!.epoch, 1);
    assert.ok(result.failure!.step! >= 1);
    assert.equal(result.config.lr, 1e8);
    assert.equal(result.environment.backend, "wasm");
    // The penalty optimizers' advice names λ/ρ² (trace-sam: 1 / 0.01² = 10000).
    assert.match(result.failure!.message, /λ\/ρ² = 10000 .*a larger --rho or a smaller --lambda/);
  });
});

Deno.test("every step number of a divergence counts alike: 1-based over the run", async () => {
  await withTempDir(async (dir) => {
    // SGD at lr 1e8: the optimizer itself meets the non-finite loss (it counts from 0 inside).
    const out = join(dir, "sgd.json");
    const args = ["--backend", "wasm", "--train-limit", "640", "--test-limit", "100"];
    const diverged = await run([...args, "--batch-size", "64", "--lr", "1e8", "--out", out]);
    assert.equal(diverged.code, 1, diverged.stderr);
    const result: RunResult = JSON.parse(await Deno.readTextFile(out));
    const step = result.failure!.step!;
    const line = diverged.stderr.split("\n").find((l) => l.includes("diverged"))!;
    assert.match(line, /sgd: non-finite loss at step \d+/);
    const counts = [...line.matchAll(/step (\d+)/g)].map((m) => Number(m[1]));
    // "at step N (epoch 1, step N of 10): sgd: non-finite loss at step N: ..." in epoch 1.
    assert.equal(counts.length, 3, line);
    assert.deepEqual(counts, [step, step, step], line);
    assert.match(line, /of 10\)/);
  });
});

Deno.test("an unusable --out and a useless Hessian setting fail before training, exit 2", async () => {
  await withTempDir(async (dir) => {
    const folder = await run(["--backend", "wasm", "--out", dir]);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /^train: --out .* is a folder; give a file path/m);
    assert.equal(folder.stdout, "", "nothing started");
    const proc = await run(["--backend", "wasm", "--out", "/proc/usam/run.json"]);
    assert.equal(proc.code, 2);
    assert.match(proc.stderr, /^train: --out \/proc\/usam\/run.json cannot be written/m);
    assert.equal(proc.stdout, "");
    const hessian = await run(["--hessian-every", "1", "--hessian-samples", "1"]);
    assert.equal(hessian.code, 2);
    assert.match(hessian.stderr, /^train: --hessian-samples must be an integer >= 2/m);
    const dataset = await run(["--dataset", "imagenet"]);
    assert.equal(dataset.code, 2);
    assert.match(dataset.stderr, /^train: --dataset must be one of/m);
    const rho = await run(["--optimizer", "sgd", "--rho", "5"]);
    assert.equal(rho.code, 2);
    assert.match(rho.stderr, /^train: --rho has no effect with --optimizer sgd/m);
    const lr = await run(["--lr", "-1"]);
    assert.equal(lr.code, 2);
    assert.match(lr.stderr, /^train: --lr must be a positive number, got -1$/m);
  });
});

Deno.test("a relative --out is relative to INIT_CWD; an oversized batch is warned once", async () => {
  await withTempDir(async (dir) => {
    const args = [
      "--backend",
      "wasm",
      "--train-limit",
      "200",
      "--test-limit",
      "100",
      "--epochs",
      "1",
    ];
    const done = await run([...args, "--batch-size", "5000", "--out", "sub/run.json"], {
      INIT_CWD: dir,
    });
    assert.equal(done.code, 0, done.stderr);
    const result: RunResult = JSON.parse(await Deno.readTextFile(join(dir, "sub", "run.json")));
    assert.equal(result.status, "completed");
    const warnings = done.stderr.match(/train: warning: --batch-size 5000 is larger than the 200/g);
    assert.equal(warnings?.length, 1, done.stderr);
    assert.equal(result.epochs[0].gradientEvaluations, 1, "one full-batch step");
  });
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Collects a stream's text, resolving `seen(pattern)` when the text first matches. */
function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const w of waiters.filter((w) => w.pattern.test(text))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    for (const w of waiters) w.resolve(); // ended without a match: the caller's assertions say so
  })();
  return {
    get text() {
      return text;
    },
    done,
    seen: (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        if (pattern.test(text)) resolve();
        else waiters.push({ pattern, resolve });
      }),
  };
}

/** Starts a 2-epoch run of 20 steps each, sends `signal` once training starts, and waits. */
async function interruptedRun(out: string, signal: "SIGINT" | "SIGTERM") {
  const child = command([...SMALL, "--epochs", "2", "--out", out]).spawn();
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  // Printed by onStart, just before the first step.
  await stdout.seen(/steps per epoch/);
  child.kill(signal);
  const status = await child.status;
  await Promise.all([stdout.done, stderr.done]);
  return { status, stdout: stdout.text, stderr: stderr.text };
}

Deno.test("SIGINT mid-epoch stops after the current step, checkpoints it and prints the resume command", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "stopped.json");
    const stopped = await interruptedRun(out, "SIGINT");
    assert.equal(stopped.status.code, 130, stopped.stderr);
    // Not after the epoch: no epoch line, and the checkpoint is inside epoch 1.
    assert.doesNotMatch(stopped.stdout, /epoch 1\/2:/);
    const checkpoint = (await readCheckpoint(checkpointDirFor(out)))!;
    assert.equal(checkpoint.epoch, 0);
    assert.ok(
      checkpoint.partial && checkpoint.partial.steps < 20,
      `partial ${JSON.stringify(checkpoint.partial)}`,
    );
    assert.match(stopped.stderr, /SIGINT: stopping after the current step/);
    const printed = stopped.stderr.match(/resume with:\n {2}deno task train (.*)\n/);
    assert.ok(printed, stopped.stderr);
    assert.match(printed[1], /--resume --out /);
    assert.ok(printed[1].includes(out));

    // The printed command (its flags; no spaces in these paths) resumes to the uninterrupted run.
    const resumed = await run(printed[1].split(" "));
    assert.equal(resumed.code, 0, resumed.stderr);
    const wholeOut = join(dir, "whole.json");
    const whole = await run([...SMALL, "--epochs", "2", "--out", wholeOut]);
    assert.equal(whole.code, 0, whole.stderr);
    const figures = async (path: string) =>
      (JSON.parse(await Deno.readTextFile(path)) as RunResult).epochs.map((e) => [
        e.trainLoss,
        e.trainAccuracy,
        e.testLoss,
        e.testAccuracy,
        e.gradientEvaluations,
      ]);
    assert.deepEqual(await figures(out), await figures(wholeOut));
  });
});

Deno.test("SIGTERM does the same and exits 143", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "terminated.json");
    const stopped = await interruptedRun(out, "SIGTERM");
    assert.equal(stopped.status.code, 143, stopped.stderr);
    assert.match(stopped.stderr, /resume with:\n {2}deno task train .*--resume --out /);
    const checkpoint = (await readCheckpoint(checkpointDirFor(out)))!;
    assert.ok(checkpoint.partial && checkpoint.partial.steps < 20, "stopped inside epoch 1");
  });
});

Deno.test("resumeCommand replaces --resume and --out and quotes for the shell", () => {
  assert.equal(
    resumeCommand(["--lr", "0.1", "--out", "old.json", "--resume"], "new dir/r.json"),
    "deno task train --lr 0.1 --resume --out 'new dir/r.json'",
  );
  assert.equal(
    resumeCommand(["--note=it's"], "r.json"),
    `deno task train '--note=it'\\''s' --resume --out r.json`,
  );
});

// util-linux `script` runs the command on a pseudo-terminal, so the CLI draws its progress bars.
const HAS_SCRIPT = (() => {
  try {
    return Deno.statSync("/usr/bin/script").isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "on a terminal the Hessian measures show a progress bar; their time is recorded apart",
  ignore: !HAS_SCRIPT,
  fn: async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, "hessian.json");
      const flags = [
        "--backend",
        "wasm",
        "--train-limit",
        "320",
        "--test-limit",
        "100",
        "--batch-size",
        "64",
        "--epochs",
        "1",
        "--hessian-every",
        "1",
        "--hessian-subset",
        "64",
        "--hessian-samples",
        "4",
        "--out",
        out,
      ];
      const line = [Deno.execPath(), "run", "-A", CLI, ...flags].join(" ");
      const output = await new Deno.Command("/usr/bin/script", {
        args: ["-qec", line, "/dev/null"],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const text = new TextDecoder().decode(output.stdout);
      assert.equal(output.code, 0, text);
      // The bar is redrawn in place; its last state is the full count (4 probes, 4 Lanczos steps
      // and the residual's product).
      assert.match(text, /\repoch 1\/1 Hessian measures [█░]+ 9\/9 Hessian-vector products/);
      const result = JSON.parse(await Deno.readTextFile(out)) as RunResult;
      const [epoch] = result.epochs;
      assert.ok(epoch.hessianSeconds! > 0, `hessianSeconds ${epoch.hessianSeconds}`);
      assert.equal(epoch.backend, "wasm");
      assert.match(text, new RegExp(`\\(${epoch.hessianSeconds!.toFixed(1)} s\\)`));
    });
  },
});

/**
 * `deno task regress`: reruns the `ci` preset with {@link runGrid} (resuming from `--out`),
 * compares it with `results/baseline.json` by the rule of `src/report/regression.ts`, appends one
 * line to `results/history.jsonl`, and exits 1 naming every failing cell. `--update` rewrites the
 * baseline. `bench/regress.ts` is the command-line entry.
 *
 * Before anything runs, the baseline's schema is checked (exit 2 naming the field) and so is every
 * run's config and every option (`--backend nonsense` is refused like in `compare`). A check never
 * passes with zero comparisons or with a NaN threshold or figure.
 *
 * @module
 */
import { userPaths } from "../training/out_path.ts";
import { join } from "node:path";
import { BACKEND_NAMES } from "../backends/init.ts";
import type { ComparisonSummary } from "../report/aggregate.ts";
import { headlineTable } from "../report/markdown.ts";
import {
  type Baseline,
  buildBaseline,
  checkRegression,
  type RegressionCheck,
} from "../report/regression.ts";
import { writeJsonAtomic } from "../report/results_dir.ts";
import { machineDescription, sourceCommit } from "../training/environment.ts";
import {
  defaultsOf,
  optionsHelp,
  type OptionTable,
  parseOptions,
  validateOptions,
} from "../training/options.ts";
import { readBaseline } from "./baseline.ts";
import { collectRuns, describeProblems } from "./collect.ts";
import type { CommandIo } from "./compare_command.ts";
import { checkGrid, type GridDeclaration } from "./grid.ts";
import { ciGrid } from "./presets/ci.ts";
import { writeGridReport } from "./report.ts";
import { planGrid, runGrid } from "./run_grid.ts";
import { sabotageGrid } from "./sabotage.ts";
import { gridTrainFunction } from "./train_function.ts";
import { runWorkers } from "./workers.ts";

/**
 * The options of `deno task regress`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REGRESS_OPTIONS } from "./regress_command.ts";
 * assert.equal(REGRESS_OPTIONS.baseline.default, "results/baseline.json");
 * ```
 */
export const REGRESS_OPTIONS = {
  update: {
    kind: "boolean",
    default: false,
    help: "write the baseline from this run instead of checking against it",
  },
  out: {
    kind: "string",
    default: null,
    nullable: true,
    help: "result folder",
    shownDefault: "results/runs/regress-<commit>",
  },
  backend: { kind: "string", default: "auto", choices: BACKEND_NAMES, help: "TF.js backend" },
  dataDir: { kind: "string", default: null, nullable: true, help: "dataset folder" },
  jobs: {
    kind: "integer",
    default: 1,
    range: { expected: "an integer >= 1", test: (v) => v >= 1 },
    help: "worker processes in parallel (one core each)",
  },
  baseline: { kind: "string", default: "results/baseline.json", help: "the baseline file" },
  history: { kind: "string", default: "results/history.jsonl", help: "the history file" },
  noHistory: { kind: "boolean", default: false, help: "do not append to the history" },
  sabotage: {
    kind: "string",
    default: null,
    nullable: true,
    hidden: true,
    help: "test hook: damage an optimizer (sam-perturbation)",
  },
} satisfies OptionTable;

const USAGE = `Usage: deno task regress [--update] [options]

Reruns the ci preset (resuming from --out when it holds results), compares it with the baseline
and appends one line to the history. Fails (exit 1) naming each cell whose mean test accuracy
fell below baseline − max(k × SE of the difference, floor), or whose cost ratio to SGD grew by
more than 10%. The rule's k, floor and tolerance are stored in the baseline, whose schema is
checked before anything runs (exit 2 naming the bad field).`;

/** One line of `results/history.jsonl`. */
export interface HistoryLine {
  date: string;
  commit: string | null;
  machine: string;
  preset: string;
  /** "check" or "update". */
  mode: string;
  /** Present only for a deliberately damaged run (the test hook). */
  sabotage?: string;
  passed: boolean;
  failures: string[];
  wallSeconds: number;
  runs: number;
  /** "dataset/model/setting method" → mean test accuracy. */
  accuracy: Record<string, number>;
  /** "model method" → [gradient ratio, seconds ratio]. */
  costs: Record<string, [number | null, number | null]>;
}

/**
 * The history line of a check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyLine } from "./regress_command.ts";
 * const empty = {
 *   alpha: 0.05, grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [],
 *   correction: "holm-bonferroni" as const, comparisons: [],
 * };
 * const line = historyLine(empty, [], { commit: null, machine: "m", preset: "ci", mode: "check", wallSeconds: 1 });
 * assert.equal(line.runs, 0);
 * ```
 */
export function historyLine(
  summary: ComparisonSummary,
  checks: RegressionCheck[],
  meta: {
    commit: string | null;
    machine: string;
    preset: string;
    mode: string;
    wallSeconds: number;
    sabotage?: string;
  },
): HistoryLine {
  const accuracy: Record<string, number> = {};
  for (const c of summary.cells) {
    for (const m of c.methods) {
      if (m.accuracy) {
        accuracy[`${c.dataset}/${c.model}/${c.setting} ${m.method}`] = Number(
          m.accuracy.mean.toFixed(5),
        );
      }
    }
  }
  const costs: HistoryLine["costs"] = {};
  const round = (v: number | null) => (v === null ? null : Number(v.toFixed(4)));
  for (const c of summary.costs) {
    costs[`${c.model} ${c.method}`] = [round(c.gradientRatio), round(c.secondsRatio)];
  }
  const failures = checks.filter((c) => !c.passed).map((c) => c.message);
  return {
    date: new Date().toISOString(),
    commit: meta.commit,
    machine: meta.machine,
    preset: meta.preset,
    mode: meta.mode,
    ...(meta.sabotage ? { sabotage: meta.sabotage } : {}),
    passed: failures.length === 0,
    failures,
    wallSeconds: Math.round(meta.wallSeconds),
    runs: summary.runs,
    accuracy,
    costs,
  };
}

/**
 * The checks that cannot be trusted: none at all, or a check whose threshold or figure is not a
 * finite number (a NaN threshold makes `current >= threshold` false for a pass and true for
 * nothing, depending on how it is written). Returns the reasons; empty when the checks can stand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { untrustworthyChecks } from "./regress_command.ts";
 * assert.match(untrustworthyChecks([])[0], /zero checks/);
 * ```
 */
export function untrustworthyChecks(checks: readonly RegressionCheck[]): string[] {
  if (checks.length === 0) return ["zero checks were made: nothing was compared"];
  return checks.filter((c) =>
    c.kind !== "missing" &&
    ![c.baseline, c.threshold, c.current].every((v) => typeof v === "number" && Number.isFinite(v))
  ).map((c) =>
    `${c.where}: ${c.kind} check has a non-finite figure (baseline ${c.baseline}, current ${c.current}, threshold ${c.threshold})`
  );
}

/** Injectable pieces for tests. */
export interface RegressIo extends CommandIo {
  grid?: GridDeclaration;
}

/**
 * Puts the native kernels on one thread for a regression run unless the environment already
 * chooses (`USAM_NATIVE_THREADS` or `USAM_DNNL_THREADS`): sets `USAM_NATIVE_THREADS=1` through
 * `set` and returns the line that says so, else null. Why: the cost checks compare each method's
 * time with SGD's, and with 2 BLAS threads on a loaded 2-core machine those ratios measured the
 * scheduler. Measured 2026-12-01 on the development VM with two other jobs on the cores (ci
 * grid, MLP, 3 seeds): ASAM 4.8–5.9× SGD in CPU time (6.8–8.5× wall) with the default threads,
 * 1.8–2.3× on one thread, against 2.5× on the idle machine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pinKernelThreads } from "./regress_command.ts";
 * const env: Record<string, string> = {};
 * assert.match(pinKernelThreads((n) => env[n], (n, v) => env[n] = v)!, /USAM_NATIVE_THREADS=1/);
 * assert.equal(env.USAM_NATIVE_THREADS, "1");
 * const chosen: Record<string, string> = { USAM_DNNL_THREADS: "2" };
 * assert.equal(pinKernelThreads((n) => chosen[n], (n, v) => chosen[n] = v), null);
 * assert.equal(chosen.USAM_NATIVE_THREADS, undefined);
 * ```
 */
export function pinKernelThreads(
  get: (name: string) => string | undefined,
  set: (name: string, value: string) => void,
): string | null {
  if (["USAM_NATIVE_THREADS", "USAM_DNNL_THREADS"].some((n) => (get(n) ?? "") !== "")) return null;
  set("USAM_NATIVE_THREADS", "1");
  return "native kernels on one thread (USAM_NATIVE_THREADS=1), so that the cost ratios " +
    "measure the methods and not the scheduler; set it to choose";
}

/**
 * `deno task regress` without `Deno.exit`; returns the exit code (0 pass, 1 regression or
 * incomplete run, 2 bad usage, a bad baseline or a bad grid).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { regressMain } from "./regress_command.ts";
 * const errors: string[] = [];
 * assert.equal(await regressMain(["--backend", "nonsense"], { stderr: (t) => errors.push(t) }), 2);
 * assert.match(errors.join(""), /--backend must be one of/);
 * ```
 */
export async function regressMain(argv: readonly string[], io: RegressIo = {}): Promise<number> {
  const encode = (t: string) => new TextEncoder().encode(t);
  const stdout = io.stdout ?? ((t: string) => Deno.stdout.writeSync(encode(t)));
  const stderr = io.stderr ?? ((t: string) => Deno.stderr.writeSync(encode(t)));
  let o: Record<string, unknown>;
  let baseline: Baseline | null = null;
  let grid: GridDeclaration;
  try {
    const parsed = parseOptions("regress", [REGRESS_OPTIONS], argv);
    if (parsed.help) {
      stdout(optionsHelp(USAGE, [REGRESS_OPTIONS]));
      return 0;
    }
    // Paths the user gave are relative to where they ran the command (`deno task` changes folder).
    o = {
      ...defaultsOf<Record<string, unknown>>(REGRESS_OPTIONS),
      ...userPaths(parsed.given, ["out", "dataDir", "baseline", "history"]),
    };
    validateOptions(REGRESS_OPTIONS, o, "regress");
    if (o.update && o.sabotage !== null) {
      throw new RangeError("--update with --sabotage would write a damaged baseline; refused");
    }
    if (o.jobs !== 1 && io.grid) throw new RangeError("--jobs must be 1 for an injected grid");
    if (!o.update) {
      try {
        baseline = await readBaseline(o.baseline as string);
      } catch (error) {
        throw new RangeError(
          `${(error as Error).message}${
            /cannot read/.test((error as Error).message) ? "; create it with --update" : ""
          }`,
        );
      }
    }
    grid = io.grid ?? ciGrid();
    if (o.sabotage !== null) grid = sabotageGrid(grid, o.sabotage as string);
    checkGrid(grid);
  } catch (error) {
    stderr(`regress: ${(error as Error).message.replace(/^regress: /, "")}\n`);
    return 2;
  }
  const commit = await sourceCommit();
  const machine = machineDescription();
  const sabotage = o.sabotage as string | null;
  const out = (o.out as string | null) ??
    join(
      "results",
      "runs",
      `regress-${commit?.slice(0, 12) ?? "nocommit"}${sabotage ? "-sabotaged" : ""}`,
    );
  stdout(`regress: grid "${grid.name}" → ${out}\n`);
  const pinned = pinKernelThreads((name) => Deno.env.get(name), (name, v) => Deno.env.set(name, v));
  if (pinned !== null) stdout(`regress: ${pinned}\n`);
  const started = performance.now();
  const crashed: { id: string; message: string }[] = [];
  if ((o.jobs as number) > 1) {
    const workerArgs = [
      "--preset",
      "ci",
      "--out",
      out,
      "--backend",
      o.backend as string,
      ...(sabotage ? ["--sabotage", sabotage] : []),
      ...(o.dataDir ? ["--data-dir", o.dataDir as string] : []),
    ];
    await runWorkers(workerArgs, o.jobs as number, stdout);
  } else {
    const outcome = await runGrid({
      grid,
      outDir: out,
      train: io.train ??
        gridTrainFunction({ backend: o.backend as string, dataDir: o.dataDir as string | null }),
      progress: { isTerminal: io.isTerminal ?? Deno.stdout.isTerminal(), write: stdout },
    });
    crashed.push(...(outcome.tuning?.crashed ?? []), ...(outcome.final?.crashed ?? []));
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const plan = await planGrid(grid, [out]);
  const collection = await collectRuns([out], [...plan.tuningRuns, ...(plan.finalRuns ?? [])]);
  for (const line of describeProblems(collection)) stderr(`${line}\n`);
  for (const c of crashed) stderr(`crashed ${c.id}: ${c.message}\n`);
  const records = collection.runs.map((e) => e.record).filter((r) => r.run.phase !== "tuning");
  const written = await writeGridReport(records, join(out, "report"), {
    title: `Regression check: ${grid.name}`,
    tuning: plan.tuning,
  });
  stdout(`\n${headlineTable(written.summary)}\n\nreport: ${written.markdownPath}\n`);
  const meta = {
    commit,
    machine,
    preset: grid.name,
    wallSeconds,
    ...(sabotage ? { sabotage } : {}),
  };
  const incomplete = collection.missing.length > 0 || plan.finalRuns === null;
  if (o.update) {
    if (incomplete) {
      stderr(`regress: ${collection.missing.length} runs missing; the baseline is not written\n`);
      return 1;
    }
    const next = buildBaseline(written.summary, { preset: grid.name, commit, machine });
    await writeJsonAtomic(o.baseline as string, next);
    if (!o.noHistory) {
      await appendLine(
        o.history as string,
        historyLine(written.summary, [], { ...meta, mode: "update" }),
      );
    }
    stdout(
      `baseline written: ${o.baseline} (${next.accuracy.length} accuracies, ${next.costs.length} cost ratios)\n`,
    );
    return 0;
  }
  const checks = checkRegression(baseline!, written.summary);
  const untrusted = untrustworthyChecks(checks);
  const failed = checks.filter((c) => !c.passed);
  if (!o.noHistory) {
    const line = historyLine(written.summary, checks, { ...meta, mode: "check" });
    if (untrusted.length > 0) {
      line.passed = false;
      line.failures.push(...untrusted);
    }
    await appendLine(o.history as string, line);
  }
  stdout(
    `\n${checks.length - failed.length}/${checks.length} checks passed (baseline ${
      baseline!.commit?.slice(0, 12) ?? "?"
    } on ${baseline!.machine})\n`,
  );
  for (const c of failed) stderr(`REGRESSION ${c.message}\n`);
  for (const reason of untrusted) stderr(`regress: cannot pass: ${reason}\n`);
  return failed.length > 0 || untrusted.length > 0 || incomplete ? 1 : 0;
}

async function appendLine(path: string, value: unknown): Promise<void> {
  // One write of one line in append mode: concurrent appenders cannot interleave inside it.
  await Deno.writeTextFile(path, JSON.stringify(value) + "\n", { append: true, create: true });
}

if (import.meta.main) {
  Deno.exit(await regressMain(Deno.args));
}

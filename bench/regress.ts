/**
 * `deno task regress`: reruns the `ci` preset, compares it with `results/baseline.json` by the
 * rule of `src/report/regression.ts` (accuracy below baseline mean − max(k·SE, floor), or a cost
 * ratio to SGD more than 10% above the baseline's), appends one line to `results/history.jsonl`,
 * and exits 1 naming every failing cell and its figures. `--update` rewrites the baseline.
 *
 * ```
 * deno task regress [--update] [--out DIR] [--backend NAME] [--data-dir DIR]
 *                   [--baseline FILE] [--history FILE] [--no-history]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { writeReport } from "../src/report/write_report.ts";
import { headlineTable } from "../src/report/markdown.ts";
import { writeJsonAtomic } from "../src/report/results_dir.ts";
import {
  type Baseline,
  buildBaseline,
  checkRegression,
  type RegressionCheck,
} from "../src/report/regression.ts";
import type { ComparisonSummary } from "../src/report/aggregate.ts";
import { collectRuns, describeProblems } from "./compare/collect.ts";
import { gitCommit, machineDescription } from "./compare/environment.ts";
import { expandGrid, type GridDeclaration } from "./compare/grid.ts";
import { runPending, type TrainFunction } from "./compare/runner.ts";
import { sabotageGrid } from "./compare/sabotage.ts";
import { runWorkers } from "./compare/workers.ts";
import { trainFunction } from "./compare.ts";
import { ciGrid } from "./presets/ci.ts";

const HELP = `Usage: deno task regress [--update] [options]

Reruns the ci preset (resuming from --out when it holds results), compares it with the baseline
and appends one line to the history. Fails (exit 1) naming each cell whose mean test accuracy
fell below baseline − max(k × SE of the difference, floor), or whose cost ratio to SGD grew by
more than 10%. The rule's k, floor and tolerance are stored in the baseline.

  --update            write the baseline from this run instead of checking against it
  --out DIR           result folder (default: results/runs/regress-<commit>)
  --backend NAME      auto | wasm | webgpu | tensorflow | cpu (default: auto)
  --data-dir DIR      dataset folder
  --jobs N            N worker processes in parallel (one core each)
  --baseline FILE     default: results/baseline.json
  --history FILE      default: results/history.jsonl
  --no-history        do not append to the history
  -h, --help          this text
`;

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
 * import { historyLine } from "./regress.ts";
 * const empty = { alpha: 0.05, grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] };
 * const line = historyLine(empty, [], { commit: null, machine: "m", preset: "ci", mode: "check", wallSeconds: 1 });
 * console.assert(line.passed && line.runs === 0);
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

/** Injectable pieces for tests. */
export interface RegressIo {
  train?: TrainFunction;
  grid?: GridDeclaration;
  stdout?: (t: string) => void;
  stderr?: (t: string) => void;
  isTerminal?: boolean;
}

/**
 * `deno task regress` without `Deno.exit`; returns the exit code (0 pass, 1 regression or
 * incomplete run, 2 bad usage or no baseline).
 *
 * @example
 * ```ts ignore
 * import { regressMain } from "./regress.ts";
 * const code = await regressMain([]);
 * ```
 */
export async function regressMain(argv: readonly string[], io: RegressIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => Deno.stdout.writeSync(new TextEncoder().encode(t)));
  const stderr = io.stderr ?? ((t: string) => Deno.stderr.writeSync(new TextEncoder().encode(t)));
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        update: { type: "boolean" },
        out: { type: "string" },
        backend: { type: "string" },
        "data-dir": { type: "string" },
        baseline: { type: "string" },
        history: { type: "string" },
        "no-history": { type: "boolean" },
        sabotage: { type: "string" },
        jobs: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    stderr(`regress: ${(error as Error).message} (see --help)\n`);
    return 2;
  }
  if (values.help) {
    stdout(HELP);
    return 0;
  }
  if (values.update && values.sabotage) {
    stderr("regress: --update with --sabotage would write a damaged baseline; refused\n");
    return 2;
  }
  const baselinePath = values.baseline ?? join("results", "baseline.json");
  const historyPath = values.history ?? join("results", "history.jsonl");
  let baseline: Baseline | null = null;
  if (!values.update) {
    try {
      baseline = JSON.parse(await Deno.readTextFile(baselinePath));
    } catch (error) {
      stderr(
        `regress: cannot read the baseline ${baselinePath} (${
          (error as Error).message
        }); create it with --update\n`,
      );
      return 2;
    }
  }
  let grid = io.grid ?? ciGrid();
  try {
    if (values.sabotage !== undefined) grid = sabotageGrid(grid, values.sabotage);
  } catch (error) {
    stderr(`${(error as Error).message}\n`);
    return 2;
  }
  const commit = await gitCommit();
  const machine = machineDescription();
  const out = values.out ??
    join(
      "results",
      "runs",
      `regress-${commit?.slice(0, 12) ?? "nocommit"}${values.sabotage ? "-sabotaged" : ""}`,
    );
  const runs = expandGrid(grid);
  stdout(`regress: ${runs.length} runs of "${grid.name}" → ${out}\n`);
  const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || (jobs > 1 && io.grid)) {
    stderr(
      `regress: --jobs must be an integer >= 1 (and 1 for an injected grid), got ${values.jobs}\n`,
    );
    return 2;
  }
  const started = performance.now();
  const crashed: { id: string; message: string }[] = [];
  if (jobs > 1) {
    const workerArgs = [
      "--preset",
      "ci",
      "--out",
      out,
      ...(values.sabotage ? ["--sabotage", values.sabotage] : []),
      ...(values.backend ? ["--backend", values.backend] : []),
      ...(values["data-dir"] ? ["--data-dir", values["data-dir"]] : []),
    ];
    await runWorkers(workerArgs, jobs, stdout);
  } else {
    const outcome = await runPending({
      outDir: out,
      runs,
      train: io.train ?? trainFunction(values.backend ?? "auto", values["data-dir"] ?? null),
      progress: { isTerminal: io.isTerminal ?? Deno.stdout.isTerminal(), write: stdout },
    });
    crashed.push(...outcome.crashed);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const collection = await collectRuns([out], runs);
  for (const line of describeProblems(collection)) stderr(`${line}\n`);
  for (const c of crashed) stderr(`crashed ${c.id}: ${c.message}\n`);
  const written = await writeReport(collection.runs.map((e) => e.record), join(out, "report"), {
    title: `Regression check: ${grid.name}`,
  });
  stdout(`\n${headlineTable(written.summary)}\n\nreport: ${written.markdownPath}\n`);
  const meta = {
    commit,
    machine,
    preset: grid.name,
    wallSeconds,
    ...(values.sabotage ? { sabotage: values.sabotage } : {}),
  };
  if (values.update) {
    if (collection.missing.length > 0) {
      stderr(`regress: ${collection.missing.length} runs missing; the baseline is not written\n`);
      return 1;
    }
    const next = buildBaseline(written.summary, { preset: grid.name, commit, machine });
    await writeJsonAtomic(baselinePath, next);
    if (!values["no-history"]) {
      await appendLine(historyPath, historyLine(written.summary, [], { ...meta, mode: "update" }));
    }
    stdout(
      `baseline written: ${baselinePath} (${next.accuracy.length} accuracies, ${next.costs.length} cost ratios)\n`,
    );
    return 0;
  }
  const checks = checkRegression(baseline!, written.summary);
  const failed = checks.filter((c) => !c.passed);
  if (!values["no-history"]) {
    await appendLine(historyPath, historyLine(written.summary, checks, { ...meta, mode: "check" }));
  }
  stdout(
    `\n${checks.length - failed.length}/${checks.length} checks passed (baseline ${
      baseline!.commit?.slice(0, 12) ?? "?"
    } on ${baseline!.machine})\n`,
  );
  for (const c of failed) stderr(`REGRESSION ${c.message}\n`);
  return failed.length > 0 || collection.missing.length > 0 ? 1 : 0;
}

async function appendLine(path: string, value: unknown): Promise<void> {
  // One write of one line in append mode: concurrent appenders cannot interleave inside it.
  await Deno.writeTextFile(path, JSON.stringify(value) + "\n", { append: true, create: true });
}

if (import.meta.main) {
  Deno.exit(await regressMain(Deno.args));
}

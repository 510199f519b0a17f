/**
 * `deno task compare`: runs a comparison grid (a preset or the user's file) with {@link runGrid},
 * one JSON result per run in `--out`, resumable, lockable and shardable, then writes the report
 * into `<out>/report`. `bench/compare.ts` is the command-line entry; this module is the command.
 *
 * Exit codes: 0 done, 1 some runs crashed or are missing, 2 bad usage or an invalid grid (every
 * run's config is checked before the first starts), 130 interrupted by SIGINT (143 by SIGTERM):
 * the first signal stops after the current step, a second Ctrl-C quits at once.
 *
 * @module
 */
import { userPaths } from "../training/out_path.ts";
import { join } from "node:path";
import { headlineTable } from "../report/markdown.ts";
import { BACKEND_NAMES } from "../backends/init.ts";
import {
  defaultsOf,
  optionsHelp,
  type OptionTable,
  parseOptions,
  validateOptions,
} from "../training/options.ts";
import { collectRuns, describeProblems } from "./collect.ts";
import {
  checkGrid,
  describeRun,
  type GridDeclaration,
  parseShard,
  selectShard,
  type Shard,
} from "./grid.ts";
import { loadGridFile, PRESET_NAMES, presetGrid } from "./presets/mod.ts";
import { writeGridReport } from "./report.ts";
import { planGrid, runGrid } from "./run_grid.ts";
import type { TrainFunction } from "./runner.ts";
import { sabotageGrid } from "./sabotage.ts";
import { gridTrainFunction } from "./train_function.ts";
import { runWorkers } from "./workers.ts";

/**
 * The options of `deno task compare`: which grid (the experiment), and how this process runs it
 * (the invocation: out, backend, data folder, jobs, shard). Only the grid determines run ids.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMPARE_OPTIONS } from "./compare_command.ts";
 * assert.equal(COMPARE_OPTIONS.jobs.default, 1);
 * ```
 */
export const COMPARE_OPTIONS = {
  preset: {
    kind: "string",
    default: null,
    nullable: true,
    choices: PRESET_NAMES,
    help:
      "ci (Fashion-MNIST subsets, minutes), cpu (full data, overnight), paper (GPU only), study and its parts (results/study/PLAN.md), study-demo",
    shownDefault: "none; give --preset or --grid",
  },
  grid: {
    kind: "string",
    default: null,
    nullable: true,
    help: "your own grid (.json, or .ts/.js whose default export is the grid)",
  },
  out: {
    kind: "string",
    default: null,
    nullable: true,
    help: "result folder",
    shownDefault: "results/runs/<grid name>",
  },
  shard: {
    kind: "string",
    default: null,
    nullable: true,
    help: "run only shard i/n (1-based round-robin); combine folders with deno task merge",
    shownDefault: "1/1",
  },
  backend: {
    kind: "string",
    default: "auto",
    choices: BACKEND_NAMES,
    help: "TF.js backend; not part of a run's id",
  },
  dataDir: {
    kind: "string",
    default: null,
    nullable: true,
    help: "dataset folder",
    shownDefault: "$USAM_DATA, the cache, /usr/share/datasets",
  },
  jobs: {
    kind: "integer",
    default: 1,
    range: { expected: "an integer >= 1", test: (v) => v >= 1 },
    help: "worker processes sharing --out (one core each; runs are locked, never duplicated)",
  },
  retryFailed: { kind: "boolean", default: false, help: "redo runs whose result says failed" },
  allowBackendChange: {
    kind: "boolean",
    default: false,
    help: "resume a run's checkpoint written on another backend (refused otherwise)",
  },
  tuningOnly: {
    kind: "boolean",
    default: false,
    help: "run only the tuning runs (of this shard), then stop; the final runs come later",
  },
  list: { kind: "boolean", default: false, help: "print the runs with their status and exit" },
  report: {
    kind: "string",
    default: null,
    nullable: true,
    help: "where the report goes",
    shownDefault: "<out>/report",
  },
  noReport: { kind: "boolean", default: false, help: "do not write the report" },
  sabotage: {
    kind: "string",
    default: null,
    nullable: true,
    hidden: true,
    help: "test hook: damage an optimizer (sam-perturbation)",
  },
} satisfies OptionTable;

const USAGE = `Usage: deno task compare (--preset NAME | --grid FILE) [options]

Runs every run of the grid that has no result in --out yet (one JSON file per run, written
atomically, each run checkpointed every epoch and locked while it runs; rerun the same command to
resume, or start several on one --out to share the work), then writes <out>/report/. A grid with a
tuning block runs its tuning runs first, selects per cell and method on validation accuracy, then
runs the final seeds with the selected values.`;

/** Parsed `deno task compare` options. */
export interface CompareArgs {
  help: boolean;
  grid: GridDeclaration;
  out: string;
  shard: Shard;
  backend: string;
  dataDir: string | null;
  jobs: number;
  retryFailed: boolean;
  allowBackendChange: boolean;
  /** Run only the tuning runs (see `RunGridOptions.tuningOnly`). */
  tuningOnly: boolean;
  list: boolean;
  report: boolean;
  /** Where the report goes; null means `<out>/report`. */
  reportDir: string | null;
}

/**
 * Parses the flags with {@link COMPARE_OPTIONS}, loads the grid and checks every run's config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCompareArgs } from "./compare_command.ts";
 * const args = await parseCompareArgs(["--preset", "ci", "--shard", "2/3"]);
 * assert.equal(args.grid.name, "ci");
 * assert.equal(args.shard.index, 2);
 * assert.equal(args.out, "results/runs/ci");
 * ```
 */
export async function parseCompareArgs(argv: readonly string[]): Promise<CompareArgs> {
  const { given, help } = parseOptions("compare", [COMPARE_OPTIONS], argv);
  if (help) return { help: true } as CompareArgs;
  // Paths the user gave are relative to where they ran the command (`deno task` changes folder).
  const o = {
    ...defaultsOf<Record<string, unknown>>(COMPARE_OPTIONS),
    ...userPaths(given, ["out", "grid", "report", "dataDir"]),
  };
  validateOptions(COMPARE_OPTIONS, o, "compare");
  if ((o.preset === null) === (o.grid === null)) {
    throw new RangeError(
      `compare: give exactly one of --preset or --grid, got preset=${
        JSON.stringify(o.preset)
      } grid=${JSON.stringify(o.grid)}`,
    );
  }
  let grid = o.preset !== null
    ? presetGrid(o.preset as string)
    : await loadGridFile(o.grid as string);
  if (o.sabotage !== null) grid = sabotageGrid(grid, o.sabotage as string);
  checkGrid(grid);
  return {
    help: false,
    grid,
    out: (o.out as string | null) ?? join("results", "runs", grid.name),
    reportDir: o.report as string | null,
    jobs: o.jobs as number,
    shard: o.shard !== null ? parseShard(o.shard as string) : { index: 1, count: 1 },
    backend: o.backend as string,
    dataDir: o.dataDir as string | null,
    retryFailed: o.retryFailed as boolean,
    allowBackendChange: o.allowBackendChange as boolean,
    tuningOnly: o.tuningOnly as boolean,
    list: o.list as boolean,
    report: !(o.noReport as boolean),
  };
}

/** Where a command writes, and the training function (injectable for tests). */
export interface CommandIo {
  train?: TrainFunction;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  isTerminal?: boolean;
}

function streams(io: CommandIo) {
  const encode = (t: string) => new TextEncoder().encode(t);
  return {
    stdout: io.stdout ?? ((t: string) => Deno.stdout.writeSync(encode(t))),
    stderr: io.stderr ?? ((t: string) => Deno.stderr.writeSync(encode(t))),
  };
}

/**
 * `deno task compare` without `Deno.exit`: returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareMain } from "./compare_command.ts";
 * const errors: string[] = [];
 * assert.equal(await compareMain(["--preset", "ci", "--backend", "cuda"], { stderr: (t) => errors.push(t) }), 2);
 * assert.match(errors.join(""), /--backend must be one of/);
 * ```
 */
export async function compareMain(argv: readonly string[], io: CommandIo = {}): Promise<number> {
  const { stdout, stderr } = streams(io);
  let args: CompareArgs;
  try {
    args = await parseCompareArgs(argv);
  } catch (error) {
    stderr(`compare: ${(error as Error).message.replace(/^compare: /, "")}\n`);
    return 2;
  }
  if (args.help) {
    stdout(optionsHelp(USAGE, [COMPARE_OPTIONS]));
    return 0;
  }
  const shardText = args.shard.count > 1 ? ` shard ${args.shard.index}/${args.shard.count}` : "";
  if (args.list) return await list(args, stdout, shardText);
  stdout(`grid "${args.grid.name}"${shardText} → ${args.out} (backend ${args.backend})\n`);
  if (args.jobs > 1) {
    const childArgs = argv.filter((a, k) =>
      a !== "--jobs" && argv[k - 1] !== "--jobs" && !a.startsWith("--jobs=")
    );
    const started = performance.now();
    const codes = await runWorkers(childArgs, args.jobs, stdout);
    stdout(
      `workers exited with ${codes.join(", ")} after ${
        ((performance.now() - started) / 1000).toFixed(0)
      } s\n`,
    );
    return await finish(args, { stdout, stderr }, codes.some((c) => c !== 0));
  }
  const controller = new AbortController();
  let received: Deno.Signal | null = null;
  const signals = ["SIGINT", "SIGTERM"] as const;
  const onInterrupt = (name: Deno.Signal) => {
    received = name;
    // With no listener left the next signal has its default action, so a second Ctrl-C quits at
    // once, even inside a long step where no listener could run (a listener calling Deno.exit
    // waited for the step, or for the end of the epoch).
    removeListeners();
    stderr(
      `\ninterrupted (${name}): stopping after the current step; its checkpoint is kept and a ` +
        `rerun of this command resumes it (press Ctrl-C again to quit now)\n`,
    );
    controller.abort(new Error(`interrupted by ${name}`));
  };
  const listeners = signals.map((name) => [name, () => onInterrupt(name)] as const);
  const removeListeners = () => {
    for (const [name, listener] of listeners) Deno.removeSignalListener(name, listener);
  };
  for (const [name, listener] of listeners) Deno.addSignalListener(name, listener);
  let outcome;
  try {
    outcome = await runGrid({
      grid: args.grid,
      outDir: args.out,
      shard: args.shard,
      train: io.train ?? gridTrainFunction({
        backend: args.backend,
        dataDir: args.dataDir,
        allowBackendChange: args.allowBackendChange,
      }),
      retryFailed: args.retryFailed,
      tuningOnly: args.tuningOnly,
      signal: controller.signal,
      progress: { isTerminal: io.isTerminal ?? Deno.stdout.isTerminal(), write: stdout },
      log: (line) => stdout(`${line}\n`),
    });
  } finally {
    removeListeners();
  }
  const crashed = [...(outcome.tuning?.crashed ?? []), ...(outcome.final?.crashed ?? [])];
  for (const phase of [outcome.tuning, outcome.final]) {
    if (!phase) continue;
    stdout(
      `done: ${phase.completed} completed, ${phase.failed} failed, ${phase.crashed.length} crashed, ` +
        `${phase.skipped} already there, ${phase.byOthers} by other workers, in ${
          phase.seconds.toFixed(0)
        } s\n`,
    );
  }
  for (const c of crashed) stderr(`crashed ${c.id}: ${c.message}\n`);
  if (controller.signal.aborted) return received === "SIGTERM" ? 143 : 130;
  if (outcome.incomplete) stderr(`compare: ${outcome.incomplete}\n`);
  return await finish(args, { stdout, stderr }, crashed.length > 0 || outcome.incomplete !== null);
}

async function list(args: CompareArgs, stdout: (t: string) => void, shardText: string) {
  const plan = await planGrid(args.grid, [args.out]);
  const all = [...plan.tuningRuns, ...(plan.finalRuns ?? [])];
  const runs = [
    ...selectShard(plan.tuningRuns, args.shard),
    ...selectShard(plan.finalRuns ?? [], args.shard),
  ];
  const found = await collectRuns([args.out], all);
  const done = new Map(found.runs.map((e) => [e.record.run.id, e.record.status]));
  for (const r of runs) {
    stdout(`${r.id}  ${(done.get(r.id) ?? "pending").padEnd(9)}  ${describeRun(r)}\n`);
  }
  if (plan.finalRuns === null) {
    stdout(
      `the final runs are listed once the ${plan.missingTuning.length} missing tuning runs are done\n`,
    );
  }
  stdout(
    `${runs.length} runs in grid "${args.grid.name}"${shardText}; ${done.size} have results in ${args.out}\n`,
  );
  return 0;
}

/** Lists what is wrong in the folder, writes the report, and decides the exit code. */
async function finish(
  args: CompareArgs,
  { stdout, stderr }: { stdout: (t: string) => void; stderr: (t: string) => void },
  failed: boolean,
): Promise<number> {
  const plan = await planGrid(args.grid, [args.out]);
  const finals = plan.finalRuns ?? [];
  // With --tuning-only the final runs are not this command's work: they are not "missing".
  const expected = args.tuningOnly ? plan.tuningRuns : [...plan.tuningRuns, ...finals];
  const collection = await collectRuns([args.out], expected);
  for (const line of describeProblems(collection)) stderr(`${line}\n`);
  const records = collection.runs.map((e) => e.record).filter((r) => r.run.phase !== "tuning");
  if (args.report && records.length > 0) {
    const reportDir = args.reportDir ?? join(args.out, "report");
    const written = await writeGridReport(records, reportDir, {
      title: `Comparison: ${args.grid.name}`,
      tuning: plan.tuning,
    });
    stdout(
      `\n${
        headlineTable(written.summary)
      }\n\nreport: ${written.markdownPath} (+ report.json, tuning.json, ${written.chartPaths.length} charts)\n`,
    );
  }
  const mine = new Set(
    [
      ...selectShard(plan.tuningRuns, args.shard),
      ...(args.tuningOnly ? [] : selectShard(finals, args.shard)),
    ].map((r) => r.id),
  );
  const shardMissing = collection.missing.filter((r) => mine.has(r.id));
  if (args.tuningOnly) return failed || shardMissing.length > 0 ? 1 : 0;
  return failed || shardMissing.length > 0 || plan.finalRuns === null ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await compareMain(Deno.args));
}

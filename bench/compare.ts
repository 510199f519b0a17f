/**
 * `deno task compare`: runs a comparison grid (a preset or the user's file), one JSON result per
 * run in `--out`, resumable and shardable, then writes the report (Markdown, JSON, SVG charts)
 * into `<out>/report`.
 *
 * ```
 * deno task compare --preset ci|cpu|paper | --grid FILE [--out DIR] [--shard i/n]
 *                   [--backend auto|wasm|webgpu|tensorflow|cpu] [--data-dir DIR]
 *                   [--retry-failed] [--list] [--report DIR | --no-report]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { writeReport } from "../src/report/write_report.ts";
import { headlineTable } from "../src/report/markdown.ts";
import { collectRuns, describeProblems } from "./compare/collect.ts";
import {
  expandGrid,
  type GridDeclaration,
  type GridFlags,
  parseShard,
  type RunSpec,
  selectShard,
} from "./compare/grid.ts";
import { runWorkers } from "./compare/workers.ts";
import { runPending, type TrainFunction } from "./compare/runner.ts";
import { sabotageGrid } from "./compare/sabotage.ts";
import { loadGridFile, presetGrid } from "./presets/mod.ts";

const HELP = `Usage: deno task compare (--preset ci|cpu|paper | --grid FILE) [options]

Runs every run of the grid that has no result in --out yet (one JSON file per run, written
atomically; rerun the same command to resume), then writes <out>/report/.

  --preset NAME       ci (Fashion-MNIST subsets, ~10 min on 2 cores), cpu (full data,
                      overnight), paper (ResNet-18 on CIFAR-10/100 and SVHN, GPU only)
  --grid FILE         your own grid (.json, or .ts/.js whose default export is the grid)
  --out DIR           result folder (default: results/runs/<grid name>, git-ignored)
  --shard i/n         run only shard i of n (1-based, deterministic round-robin); combine the
                      shards' folders with deno task merge
  --backend NAME      auto | wasm | webgpu | tensorflow | cpu (default: auto); not part of a run's id
  --data-dir DIR      dataset folder (default: $USAM_DATA, the cache, /usr/share/datasets)
  --jobs N            run N worker processes in parallel on this machine (one core each)
  --retry-failed      redo runs whose stored result says "failed" (e.g. diverged)
  --list              print the runs of this shard with their status and exit
  --report DIR        where the report goes (default: <out>/report)
  --no-report         do not write the report
  -h, --help          this text
`;

/** Parsed `deno task compare` flags. */
export interface CompareArgs {
  help: boolean;
  grid: GridDeclaration;
  out: string;
  shard: { index: number; count: number };
  backend: string;
  dataDir: string | null;
  retryFailed: boolean;
  list: boolean;
  report: boolean;
  /** Where the report goes; null means `<out>/report`. */
  reportDir: string | null;
  /** Worker processes to run in parallel (each takes every jobs-th run). */
  jobs: number;
  /** Set in a worker process: which slice of the run list it takes. */
  worker: { index: number; count: number } | null;
}

/**
 * Parses the flags (strict: unknown flags are errors naming the flag) and loads the grid.
 *
 * @example
 * ```ts
 * import { parseCompareArgs } from "./compare.ts";
 * const args = await parseCompareArgs(["--preset", "ci", "--shard", "2/3"]);
 * console.assert(args.grid.name === "ci" && args.shard.index === 2 && args.out === "results/runs/ci");
 * ```
 */
export async function parseCompareArgs(argv: readonly string[]): Promise<CompareArgs> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        preset: { type: "string" },
        grid: { type: "string" },
        out: { type: "string" },
        shard: { type: "string" },
        backend: { type: "string" },
        "data-dir": { type: "string" },
        "retry-failed": { type: "boolean" },
        list: { type: "boolean" },
        "no-report": { type: "boolean" },
        report: { type: "string" },
        sabotage: { type: "string" },
        jobs: { type: "string" },
        worker: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new RangeError(`compare: ${(error as Error).message} (see --help)`);
  }
  if (values.help) {
    return { help: true } as CompareArgs;
  }
  if ((values.preset === undefined) === (values.grid === undefined)) {
    throw new RangeError(
      `compare: give exactly one of --preset or --grid, got preset=${
        JSON.stringify(values.preset)
      } grid=${JSON.stringify(values.grid)}`,
    );
  }
  let grid = values.preset !== undefined
    ? presetGrid(values.preset)
    : await loadGridFile(values.grid!);
  if (values.sabotage !== undefined) grid = sabotageGrid(grid, values.sabotage);
  const backends = ["auto", "wasm", "webgpu", "tensorflow", "cpu"];
  const backend = values.backend ?? "auto";
  if (!backends.includes(backend)) {
    throw new RangeError(
      `--backend must be one of ${backends.join(", ")}, got ${JSON.stringify(backend)}`,
    );
  }
  return {
    help: false,
    grid,
    out: values.out ?? join("results", "runs", grid.name),
    reportDir: values.report ?? null,
    jobs: parseJobs(values.jobs),
    worker: values.worker !== undefined ? parseShard(values.worker) : null,
    shard: values.shard !== undefined ? parseShard(values.shard) : { index: 1, count: 1 },
    backend,
    dataDir: values["data-dir"] ?? null,
    retryFailed: values["retry-failed"] ?? false,
    list: values.list ?? false,
    report: !(values["no-report"] ?? false),
  };
}

function parseJobs(text: string | undefined): number {
  if (text === undefined) return 1;
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new RangeError(`--jobs must be an integer >= 1, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/**
 * The real training function: `train` from `src/training/train.ts` with the grid's flags over the
 * defaults, plus the backend and data folder of this invocation.
 *
 * @example
 * ```ts ignore
 * import { trainFunction } from "./compare.ts";
 * const result = await trainFunction("wasm", null)({ epochs: 1, trainLimit: 500, testLimit: 200 });
 * ```
 */
export function trainFunction(backend: string, dataDir: string | null): TrainFunction {
  return async (flags: GridFlags, signal?: AbortSignal) => {
    const { train } = await import("../src/training/train.ts");
    const { makeTrainConfig } = await import("../src/training/config.ts");
    const config = makeTrainConfig({
      ...flags,
      backend: backend as "auto",
      ...(dataDir !== null ? { dataDir } : {}),
    });
    return await train(config, { signal }) as unknown as Awaited<ReturnType<TrainFunction>>;
  };
}

/** Where the CLI writes (injectable for tests). */
export interface CompareIo {
  train?: TrainFunction;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  isTerminal?: boolean;
}

/**
 * `deno task compare` without `Deno.exit`: returns the exit code (0 done, 1 some runs crashed or
 * are missing, 2 bad usage).
 *
 * @example
 * ```ts ignore
 * import { compareMain } from "./compare.ts";
 * const code = await compareMain(["--preset", "ci", "--list"]);
 * ```
 */
export async function compareMain(argv: readonly string[], io: CompareIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => Deno.stdout.writeSync(new TextEncoder().encode(t)));
  const stderr = io.stderr ?? ((t: string) => Deno.stderr.writeSync(new TextEncoder().encode(t)));
  let args: CompareArgs;
  try {
    args = await parseCompareArgs(argv);
  } catch (error) {
    stderr(`${(error as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    stdout(HELP);
    return 0;
  }
  const all = expandGrid(args.grid);
  const shardRuns = selectShard(all, args.shard);
  const runs = args.worker ? selectShard(shardRuns, args.worker) : shardRuns;
  const shardText = args.shard.count > 1 ? ` shard ${args.shard.index}/${args.shard.count}` : "";
  if (args.list) {
    const found = await collectRuns([args.out], runs);
    const done = new Map(found.runs.map((e) => [e.record.run.id, e.record.status]));
    for (const r of runs) {
      stdout(
        `${r.id}  ${
          (done.get(r.id) ?? "pending").padEnd(9)
        }  ${r.dataset}/${r.model}/${r.setting} ${r.method} seed ${r.seed}\n`,
      );
    }
    stdout(
      `${runs.length} runs in grid "${args.grid.name}"${shardText}; ${done.size} have results in ${args.out}\n`,
    );
    return 0;
  }
  stdout(
    `grid "${args.grid.name}"${shardText}: ${runs.length} of ${all.length} runs → ${args.out} (backend ${args.backend})\n`,
  );
  if (args.jobs > 1 && !args.worker) {
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
    return await finish(args, all, runs, { stdout, stderr }, codes.some((c) => c !== 0));
  }
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) Deno.exit(130);
    stderr("\ninterrupted: stopping after the current step (press Ctrl-C again to quit now)\n");
    controller.abort(new Error("interrupted"));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  let outcome;
  try {
    outcome = await runPending({
      outDir: args.out,
      runs,
      train: io.train ?? trainFunction(args.backend, args.dataDir),
      retryFailed: args.retryFailed,
      signal: controller.signal,
      progress: { isTerminal: io.isTerminal ?? Deno.stdout.isTerminal(), write: stdout },
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  stdout(
    `done: ${outcome.completed} completed, ${outcome.failed} failed, ${outcome.crashed.length} crashed, ` +
      `${outcome.skipped} already there, in ${outcome.seconds.toFixed(0)} s\n`,
  );
  for (const c of outcome.crashed) stderr(`crashed ${c.id}: ${c.message}\n`);
  if (controller.signal.aborted) return 130;
  if (args.worker) return outcome.crashed.length > 0 ? 1 : 0;
  return await finish(args, all, runs, { stdout, stderr }, outcome.crashed.length > 0);
}

/** Lists what is wrong in the folder, writes the report, and decides the exit code. */
async function finish(
  args: CompareArgs,
  all: RunSpec[],
  runs: RunSpec[],
  { stdout, stderr }: { stdout: (t: string) => void; stderr: (t: string) => void },
  crashed: boolean,
): Promise<number> {
  const collection = await collectRuns([args.out], all);
  for (const line of describeProblems(collection)) stderr(`${line}\n`);
  if (args.report && collection.runs.length > 0) {
    const reportDir = args.reportDir ?? join(args.out, "report");
    const written = await writeReport(collection.runs.map((e) => e.record), reportDir, {
      title: `Comparison: ${args.grid.name}`,
    });
    stdout(
      `\n${
        headlineTable(written.summary)
      }\n\nreport: ${written.markdownPath} (+ report.json, ${written.chartPaths.length} charts)\n`,
    );
  }
  const shardMissing = collection.missing.filter((r) => runs.some((s) => s.id === r.id));
  return crashed || shardMissing.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await compareMain(Deno.args));
}

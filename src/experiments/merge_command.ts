/**
 * `deno task merge DIR... [--out DIR] [--preset NAME | --grid FILE] [--allow-incomplete]`:
 * combines the result folders of a sharded comparison, reports runs that are missing (against the
 * grid, when given or when every result names the same preset) or duplicated, copies one result
 * per run into `--out` and writes the report there. `bench/merge.ts` is the command-line entry.
 *
 * Exit code: 0 when complete and clean, 1 when runs are missing, duplicated with different results,
 * or unreadable (unless `--allow-incomplete`), 2 on bad usage.
 *
 * @module
 */
import { userPath, userPaths } from "../training/out_path.ts";
import { basename, join } from "node:path";
import { headlineTable } from "../report/markdown.ts";
import { writeTextAtomic } from "../report/results_dir.ts";
import {
  defaultsOf,
  optionsHelp,
  type OptionTable,
  parseOptions,
  validateOptions,
} from "../training/options.ts";
import { collectRuns, describeProblems } from "./collect.ts";
import type { CommandIo } from "./compare_command.ts";
import { checkGrid, type GridDeclaration, type RunSpec } from "./grid.ts";
import { loadGridFile, PRESET_NAMES, presetGrid } from "./presets/mod.ts";
import { writeGridReport } from "./report.ts";
import { type GridPlan, planGrid } from "./run_grid.ts";

/**
 * The options of `deno task merge` (the result folders are positional).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MERGE_OPTIONS } from "./merge_command.ts";
 * assert.equal(MERGE_OPTIONS.allowIncomplete.default, false);
 * ```
 */
export const MERGE_OPTIONS = {
  out: { kind: "string", default: "results/merged", help: "merged result folder" },
  preset: {
    kind: "string",
    default: null,
    nullable: true,
    choices: PRESET_NAMES,
    help: "check completeness against this preset",
    shownDefault: "the preset every result names, if any",
  },
  grid: {
    kind: "string",
    default: null,
    nullable: true,
    help: "check completeness against this grid file",
  },
  allowIncomplete: {
    kind: "boolean",
    default: false,
    help: "exit 0 even when runs are missing or unreadable",
  },
} satisfies OptionTable;

const USAGE = `Usage: deno task merge DIR... [options]

Combines the result folders of a sharded comparison (deno task compare --shard i/n --out DIR),
reports missing and duplicated runs, copies one result per run into --out and writes the report
into <out>/report.

  DIR...              the result folders to combine (at least one)

Exit codes: 0 merged and complete, 1 runs missing or unreadable (unless --allow-incomplete),
2 bad usage.`;

/**
 * `deno task merge` without `Deno.exit`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeMain } from "./merge_command.ts";
 * const errors: string[] = [];
 * assert.equal(await mergeMain([], { stderr: (t) => errors.push(t) }), 2);
 * assert.match(errors.join(""), /at least one result folder/);
 * ```
 */
export async function mergeMain(argv: readonly string[], io: CommandIo = {}): Promise<number> {
  const encode = (t: string) => new TextEncoder().encode(t);
  const stdout = io.stdout ?? ((t: string) => Deno.stdout.writeSync(encode(t)));
  const stderr = io.stderr ?? ((t: string) => Deno.stderr.writeSync(encode(t)));
  let o: Record<string, unknown>;
  let dirs: string[];
  let grid: GridDeclaration | null = null;
  try {
    const parsed = parseOptions("merge", [MERGE_OPTIONS], argv, { positionals: true });
    if (parsed.help) {
      stdout(optionsHelp(USAGE, [MERGE_OPTIONS]));
      return 0;
    }
    // Paths the user gave are relative to where they ran the command (`deno task` changes folder).
    o = {
      ...defaultsOf<Record<string, unknown>>(MERGE_OPTIONS),
      ...userPaths(parsed.given, ["out", "grid"]),
    };
    validateOptions(MERGE_OPTIONS, o, "merge");
    dirs = parsed.positionals.map((dir) => userPath(dir));
    if (dirs.length === 0) throw new RangeError("give at least one result folder (DIR...)");
    if (o.preset !== null && o.grid !== null) {
      throw new RangeError("give at most one of --preset and --grid");
    }
    if (o.preset !== null) grid = presetGrid(o.preset as string);
    if (o.grid !== null) grid = await loadGridFile(o.grid as string);
    if (grid) checkGrid(grid);
    for (const dir of dirs) {
      let isDirectory = false;
      try {
        isDirectory = (await Deno.stat(dir)).isDirectory;
      } catch (error) {
        throw new RangeError(
          `result folder ${JSON.stringify(dir)} cannot be read (${(error as Error).message})`,
        );
      }
      if (!isDirectory) {
        throw new RangeError(`result folder ${JSON.stringify(dir)} is not a folder`);
      }
    }
  } catch (error) {
    stderr(`merge: ${(error as Error).message.replace(/^merge: /, "")}\n`);
    return 2;
  }
  const out = o.out as string;
  let plan: GridPlan | null = null;
  if (!grid) {
    // Infer the grid when every result names the same preset.
    const names = [...new Set((await collectRuns(dirs)).runs.map((e) => e.record.run.grid))];
    if (names.length === 1 && (PRESET_NAMES as readonly string[]).includes(names[0])) {
      grid = presetGrid(names[0]);
      stdout(`checking completeness against preset "${names[0]}"\n`);
    } else {
      stdout("no --preset/--grid given: missing runs cannot be detected, only duplicates\n");
    }
  }
  let expected: RunSpec[] | undefined;
  if (grid) {
    plan = await planGrid(grid, dirs);
    expected = [...plan.tuningRuns, ...(plan.finalRuns ?? [])];
    if (plan.finalRuns === null) {
      stderr(
        `merge: ${plan.missingTuning.length} tuning run(s) missing: the final runs cannot be named\n`,
      );
    }
  }
  const collection = await collectRuns(dirs, expected);
  stdout(`${collection.runs.length} runs from ${dirs.length} folder(s)\n`);
  for (const line of describeProblems(collection)) stderr(`${line}\n`);
  await Deno.mkdir(out, { recursive: true });
  for (const { path } of collection.runs) {
    const target = join(out, basename(path));
    if (target !== path) await writeTextAtomic(target, await Deno.readTextFile(path));
  }
  const finals = collection.runs.map((e) => e.record).filter((r) => r.run.phase !== "tuning");
  if (finals.length > 0) {
    const names = [...new Set(finals.map((r) => r.run.grid))].join(", ");
    const written = await writeGridReport(finals, join(out, "report"), {
      title: `Comparison: ${names} (merged)`,
      tuning: plan?.tuning ?? null,
    });
    stdout(`\n${headlineTable(written.summary)}\n\nreport: ${written.markdownPath}\n`);
  }
  const broken = collection.missing.length > 0 || collection.unreadable.length > 0 ||
    collection.duplicates.some((d) => !d.identical) || plan?.finalRuns === null;
  return broken && !o.allowIncomplete ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await mergeMain(Deno.args));
}

/**
 * `deno task merge DIR... [--out DIR] [--preset NAME | --grid FILE] [--allow-incomplete]`:
 * combines the result folders of a sharded comparison, reports runs that are missing (against the
 * grid, when given or when every result names the same preset) or duplicated, copies one result
 * per run into `--out` and writes the report there.
 *
 * Exit code: 0 when complete and clean, 1 when runs are missing, duplicated with different results,
 * or unreadable (unless `--allow-incomplete`), 2 on bad usage.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { basename, join } from "node:path";
import { writeReport } from "../src/report/write_report.ts";
import { headlineTable } from "../src/report/markdown.ts";
import { writeTextAtomic } from "../src/report/results_dir.ts";
import { collectRuns, describeProblems } from "./compare/collect.ts";
import { expandGrid, type RunSpec } from "./compare/grid.ts";
import { loadGridFile, PRESET_NAMES, presetGrid } from "./presets/mod.ts";

const HELP =
  `Usage: deno task merge DIR... [--out DIR] [--preset NAME | --grid FILE] [--allow-incomplete]

Combines the result folders of a sharded comparison (deno task compare --shard i/n --out DIR),
reports missing and duplicated runs, copies one result per run into --out (default:
results/merged) and writes the report into <out>/report.
`;

/**
 * `deno task merge` without `Deno.exit`; returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { mergeMain } from "./merge.ts";
 * const code = await mergeMain(["shard1", "shard2", "--out", "merged", "--preset", "ci"]);
 * ```
 */
export async function mergeMain(
  argv: readonly string[],
  io: { stdout?: (t: string) => void; stderr?: (t: string) => void } = {},
): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => Deno.stdout.writeSync(new TextEncoder().encode(t)));
  const stderr = io.stderr ?? ((t: string) => Deno.stderr.writeSync(new TextEncoder().encode(t)));
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        preset: { type: "string" },
        grid: { type: "string" },
        "allow-incomplete": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    stderr(`merge: ${(error as Error).message} (see --help)\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    stdout(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    stderr("merge: give at least one result folder (DIR...)\n");
    return 2;
  }
  const out = values.out ?? join("results", "merged");
  let grid: RunSpec[] | undefined;
  try {
    if (values.preset !== undefined && values.grid !== undefined) {
      throw new RangeError("merge: give at most one of --preset and --grid");
    }
    if (values.preset !== undefined) grid = expandGrid(presetGrid(values.preset));
    if (values.grid !== undefined) grid = expandGrid(await loadGridFile(values.grid));
  } catch (error) {
    stderr(`${(error as Error).message}\n`);
    return 2;
  }
  for (const dir of positionals) {
    try {
      if (!(await Deno.stat(dir)).isDirectory) throw new Error("not a folder");
    } catch (error) {
      stderr(
        `merge: result folder ${JSON.stringify(dir)} cannot be read (${
          (error as Error).message
        })\n`,
      );
      return 2;
    }
  }
  let collection = await collectRuns(positionals, grid);
  if (!grid) {
    // Infer the grid when every result names the same preset.
    const names = [...new Set(collection.runs.map((e) => e.record.run.grid))];
    if (names.length === 1 && (PRESET_NAMES as readonly string[]).includes(names[0])) {
      grid = expandGrid(presetGrid(names[0]));
      collection = await collectRuns(positionals, grid);
      stdout(`checking completeness against preset "${names[0]}" (${grid.length} runs)\n`);
    } else {
      stdout("no --preset/--grid given: missing runs cannot be detected, only duplicates\n");
    }
  }
  stdout(`${collection.runs.length} runs from ${positionals.length} folder(s)\n`);
  const problems = describeProblems(collection);
  for (const line of problems) stderr(`${line}\n`);
  await Deno.mkdir(out, { recursive: true });
  for (const { path } of collection.runs) {
    const target = join(out, basename(path));
    if (target !== path) await writeTextAtomic(target, await Deno.readTextFile(path));
  }
  if (collection.runs.length > 0) {
    const names = [...new Set(collection.runs.map((e) => e.record.run.grid))].join(", ");
    const written = await writeReport(collection.runs.map((e) => e.record), join(out, "report"), {
      title: `Comparison: ${names} (merged)`,
    });
    stdout(`\n${headlineTable(written.summary)}\n\nreport: ${written.markdownPath}\n`);
  }
  const broken = collection.missing.length > 0 || collection.unreadable.length > 0 ||
    collection.duplicates.some((d) => !d.identical);
  return broken && !values["allow-incomplete"] ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await mergeMain(Deno.args));
}

/**
 * Collects the results of a grid from one or more folders (the shards of `--shard i/n`): one
 * record per run id, with duplicates (the same run in several files), missing runs (in the grid,
 * in no folder), foreign results (not in the grid), unreadable and temporary files all listed.
 *
 * @module
 */
import type { RunRecord } from "../training/result.ts";
import { scanResults, type UnreadableFile } from "../report/results_dir.ts";
import type { RunSpec } from "./grid.ts";

/** The same run id found in more than one file. */
export interface Duplicate {
  id: string;
  paths: string[];
  /** True when every copy has the same status and final test accuracy (a rerun of a shard). */
  identical: boolean;
}

/** What {@link collectRuns} found. */
export interface Collection {
  /** One record per run id (the first file in folder order), with its path; in grid order when a grid is given. */
  runs: { path: string; record: RunRecord }[];
  duplicates: Duplicate[];
  /** Grid runs without a result; empty when no grid was given. */
  missing: RunSpec[];
  /** Results whose id is not in the grid; empty when no grid was given. */
  foreign: { path: string; record: RunRecord }[];
  unreadable: UnreadableFile[];
  temporary: string[];
}

/**
 * Scans `dirs` and matches the results against `grid` (when given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectRuns } from "./collect.ts";
 * const dir = Deno.makeTempDirSync();
 * const empty = await collectRuns([dir]);
 * assert.equal(empty.runs.length, 0);
 * assert.equal(empty.missing.length, 0);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function collectRuns(
  dirs: readonly string[],
  grid?: readonly RunSpec[],
): Promise<Collection> {
  if (!Array.isArray(dirs) || dirs.length === 0) {
    throw new RangeError(
      `collectRuns: dirs must name at least one folder, got ${JSON.stringify(dirs)}`,
    );
  }
  const scan = await scanResults(dirs);
  const byId = new Map<string, { path: string; record: RunRecord }[]>();
  for (const entry of scan.runs) {
    const list = byId.get(entry.record.run.id) ?? [];
    list.push(entry);
    byId.set(entry.record.run.id, list);
  }
  const fingerprint = (r: RunRecord) => JSON.stringify([r.status, r.final?.testAccuracy ?? null]);
  const duplicates: Duplicate[] = [...byId.entries()].filter(([, list]) => list.length > 1).map((
    [id, list],
  ) => ({
    id,
    paths: list.map((e) => e.path),
    identical: list.every((e) => fingerprint(e.record) === fingerprint(list[0].record)),
  }));
  const unique = [...byId.values()].map((list) => list[0]);
  if (!grid) {
    return {
      runs: unique,
      duplicates,
      missing: [],
      foreign: [],
      unreadable: scan.unreadable,
      temporary: scan.temporary,
    };
  }
  const order = new Map(grid.map((r, k) => [r.id, k]));
  return {
    // In grid order, so that tables list cells and methods as the grid declares them.
    runs: unique.filter((e) => order.has(e.record.run.id))
      .sort((a, b) => order.get(a.record.run.id)! - order.get(b.record.run.id)!),
    duplicates,
    missing: grid.filter((r) => !byId.has(r.id)),
    foreign: unique.filter((e) => !order.has(e.record.run.id)),
    unreadable: scan.unreadable,
    temporary: scan.temporary,
  };
}

/**
 * Human-readable lines about what is wrong with a collection (empty when nothing is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeProblems } from "./collect.ts";
 * assert.equal(describeProblems({ runs: [], duplicates: [], missing: [], foreign: [], unreadable: [], temporary: [] }).length, 0);
 * ```
 */
export function describeProblems(c: Collection, maxListed = 10): string[] {
  const lines: string[] = [];
  const list = <T>(items: T[], show: (t: T) => string) => {
    for (const item of items.slice(0, maxListed)) lines.push(`  ${show(item)}`);
    if (items.length > maxListed) lines.push(`  ... and ${items.length - maxListed} more`);
  };
  if (c.missing.length) {
    lines.push(`${c.missing.length} run(s) missing:`);
    list(
      c.missing,
      (r) => `${r.dataset}/${r.model}/${r.setting} ${r.method} seed ${r.seed} (${r.id})`,
    );
  }
  if (c.duplicates.length) {
    lines.push(`${c.duplicates.length} run(s) duplicated (the first copy is used):`);
    list(
      c.duplicates,
      (d) =>
        `${d.id}${d.identical ? " (identical)" : " (DIFFERENT results)"}: ${d.paths.join(", ")}`,
    );
  }
  if (c.unreadable.length) {
    lines.push(`${c.unreadable.length} unreadable file(s) ignored:`);
    list(c.unreadable, (u) => `${u.path}: ${u.reason}`);
  }
  if (c.foreign.length) {
    lines.push(`${c.foreign.length} result(s) not in this grid ignored:`);
    list(c.foreign, (f) => f.path);
  }
  if (c.temporary.length) {
    lines.push(
      `${c.temporary.length} leftover temporary file(s) of interrupted writes ignored (safe to delete)`,
    );
  }
  return lines;
}

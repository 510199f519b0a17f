/**
 * The engine of `deno task verify`: runs properties with one seed, formats the table, and writes
 * `results/verify.json` atomically. Separate from the CLI (verify.ts) so that it can be tested
 * with stand-in properties.
 *
 * @module
 */
import type { Property, PropertyResult } from "./property.ts";
import { writeFileAtomic } from "../src/io/atomic.ts";

/** One table row: a property's result, its wall time, and whether it threw. */
export interface VerifyRow extends PropertyResult {
  id: number;
  name: string;
  seconds: number;
}

/** What verify.json holds. */
export interface VerifyReport {
  seed: number;
  passed: boolean;
  startedAt: string;
  seconds: number;
  deno: string;
  replay: string;
  properties: VerifyRow[];
}

/**
 * Runs each property with `seed`, one after the other. A property that throws is a failed row
 * whose detail is the error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runProperties } from "./verify_report.ts";
 * const report = await runProperties([{ id: 1, name: "ok", run: () =>
 *   ({ cases: 1, worstError: 0, tolerance: 1, passed: true, detail: "" }) }], 7);
 * assert(report.passed && report.seed === 7);
 * ```
 */
export async function runProperties(
  properties: readonly Property[],
  seed: number,
  onRow?: (row: VerifyRow) => void,
): Promise<VerifyReport> {
  if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`);
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const rows: VerifyRow[] = [];
  for (const property of properties) {
    const t0 = performance.now();
    let result: PropertyResult;
    try {
      result = await property.run(seed);
    } catch (error) {
      result = {
        cases: 0,
        worstError: Infinity,
        tolerance: NaN,
        passed: false,
        detail: `threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`,
      };
    }
    const row: VerifyRow = {
      id: property.id,
      name: property.name,
      ...result,
      // A row passes only if the property says so and its numbers agree (property.ts).
      passed: result.passed && result.worstError <= result.tolerance,
      seconds: (performance.now() - t0) / 1000,
    };
    rows.push(row);
    onRow?.(row);
  }
  return {
    seed,
    passed: rows.every((r) => r.passed),
    startedAt,
    seconds: (performance.now() - start) / 1000,
    deno: Deno.version.deno,
    replay: replayCommand(seed),
    properties: rows,
  };
}

/**
 * The command that reruns everything with this seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayCommand } from "./verify_report.ts";
 * assert(replayCommand(5).includes("--seed 5"));
 * ```
 */
export function replayCommand(seed: number): string {
  return `deno task verify --seed ${seed}   (or one property: USAM_SEED=${seed} deno test -A proofs/<name>_test.ts)`;
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v === 0) return "0";
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(3) : v.toExponential(2);
}

/**
 * The table: one row a property (id, name, cases, worst error, tolerance, result, seconds).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTable } from "./verify_report.ts";
 * const table = formatTable([{ id: 1, name: "demo", cases: 3, worstError: 0.5, tolerance: 1,
 *   passed: true, detail: "", seconds: 0.1 }]);
 * assert(table.includes("demo") && table.includes("pass"));
 * ```
 */
export function formatTable(rows: readonly VerifyRow[]): string {
  const header = ["#", "property", "cases", "worst error", "tolerance", "result", "seconds"];
  const body = rows.map((r) => [
    String(r.id),
    r.name,
    String(r.cases),
    formatNumber(r.worstError),
    formatNumber(r.tolerance),
    r.passed ? "pass" : "FAIL",
    r.seconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const numeric = new Set([0, 2, 3, 4, 6]);
  const line = (cells: string[]) =>
    cells.map((c, i) => numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join(
    "\n",
  );
}

/**
 * Writes the report as JSON via `path.tmp-<pid>-<random>` and a rename, so a reader never sees a
 * torn file. Non-finite numbers are written as strings ("Infinity", "NaN"), which JSON lacks.
 *
 * @example
 * ```ts ignore
 * import { writeReport } from "./verify_report.ts";
 * await writeReport("results/verify.json", report);
 * ```
 */
export async function writeReport(path: string, report: VerifyReport): Promise<void> {
  const json = JSON.stringify(
    report,
    (_key, value) => typeof value === "number" && !Number.isFinite(value) ? String(value) : value,
    2,
  );
  await writeFileAtomic(path, json + "\n");
}

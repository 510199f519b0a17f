/**
 * `deno task mutants [module]`: mutation testing with Stryker (`@stryker-mutator/core`, pinned
 * below, run by `npx` on Node; not part of CI, which never installs it). Modules: measures
 * (default), optimizers, training, settings, report, or `all`. Each writes
 * `results/runs/mutants/<module>.json` (mutation-testing-report schema) and prints Stryker's
 * table; this script then prints one line per module: killed, survived, timed out, and the score
 * (killed + timed out over all valid mutants). Environment: `USAM_MUTANTS_CONCURRENCY` sets the
 * worker count (default 1: the command runner starts a whole `deno test` per mutant);
 * `USAM_MUTANTS_FILES=a.ts,b.ts` narrows the mutated files; `USAM_MUTANTS_WITH_PROOFS=1` adds the
 * property tests to the measures run. Cost on a loaded 2-core machine: about 8 s per mutant per
 * worker for measures (1,050 mutants in all: hours), so narrow it while working.
 *
 * @module
 */

/** The pinned Stryker release (the 9.x line supports Node 20; 10.x needs Node 22). */
export const STRYKER_VERSION = "9.6.1";

/** The modules `stryker.config.mjs` knows, in the order `all` runs them. */
export const MUTANT_MODULES = ["measures", "optimizers", "training", "settings", "report"] as const;

/** Counts from a mutation-testing-report JSON (`files[*].mutants[*].status`). */
export interface MutantCounts {
  killed: number;
  survived: number;
  timeout: number;
  noCoverage: number;
  errors: number;
  /** (killed + timeout) / (killed + timeout + survived + noCoverage), in percent. */
  score: number;
}

/**
 * Tallies the mutants of a Stryker JSON report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countMutants } from "./mutants.ts";
 * const report = { files: { "a.ts": { mutants: [
 *   { status: "Killed" }, { status: "Killed" }, { status: "Survived" }, { status: "Timeout" },
 *   { status: "RuntimeError" },
 * ] } } };
 * const counts = countMutants(report);
 * assert.equal(counts.killed, 2);
 * assert.equal(counts.score, 75);
 * ```
 */
export function countMutants(
  report: { files: Record<string, { mutants: { status: string }[] }> },
): MutantCounts {
  const counts = { killed: 0, survived: 0, timeout: 0, noCoverage: 0, errors: 0 };
  for (const file of Object.values(report.files)) {
    for (const { status } of file.mutants) {
      if (status === "Killed") counts.killed++;
      else if (status === "Survived") counts.survived++;
      else if (status === "Timeout") counts.timeout++;
      else if (status === "NoCoverage") counts.noCoverage++;
      else counts.errors++; // CompileError, RuntimeError, Ignored, Pending: not in the score
    }
  }
  const valid = counts.killed + counts.timeout + counts.survived + counts.noCoverage;
  return { ...counts, score: valid === 0 ? 0 : (100 * (counts.killed + counts.timeout)) / valid };
}

if (import.meta.main) {
  const wanted = Deno.args[0] ?? "measures";
  const modules = wanted === "all" ? [...MUTANT_MODULES] : [wanted];
  for (const module of modules) {
    if (!(MUTANT_MODULES as readonly string[]).includes(module)) {
      console.error(`module must be one of ${MUTANT_MODULES.join(", ")}, all; got ${module}`);
      Deno.exit(2);
    }
  }
  const root = new URL("..", import.meta.url).pathname;
  const lines: string[] = [];
  let failed = false;
  for (const module of modules) {
    const status = await new Deno.Command("npx", {
      args: ["--yes", `@stryker-mutator/core@${STRYKER_VERSION}`, "run", "stryker.config.mjs"],
      cwd: root,
      env: { USAM_MUTANTS_MODULE: module },
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    if (!status.success) {
      failed = true;
      lines.push(`${module}: stryker exited with ${status.code}`);
      continue;
    }
    const report = JSON.parse(
      await Deno.readTextFile(`${root}/results/runs/mutants/${module}.json`),
    );
    const c = countMutants(report);
    lines.push(
      `${module}: ${c.killed} killed, ${c.timeout} timed out, ${c.survived} survived, ` +
        `${c.noCoverage} without coverage, ${c.errors} errors; score ${c.score.toFixed(1)}%`,
    );
  }
  console.log(lines.join("\n"));
  Deno.exit(failed ? 1 : 0);
}

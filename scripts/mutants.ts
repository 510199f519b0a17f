/**
 * `deno task mutants [module[:scope] ...]`: mutation testing with Stryker
 * (`@stryker-mutator/core`, pinned below, run by `npx` on Node; not part of CI, which never
 * installs it). Modules: measures (default), optimizers, training, settings, report, or `all`.
 * Each module is a list of scopes (`scripts/mutant_scopes.json`: source files and the fastest
 * test files that exercise them); `module` runs its scopes one after another (measures and
 * training: only their first scope, `all`, unless a scope is named), `module:scope` runs one.
 * Each scope writes `results/runs/mutants/<module>.<scope>.json` (mutation-testing-report schema)
 * and prints Stryker's table; this script then prints one line per scope and a module total:
 * killed, timed out, survived, without coverage, errors, and the score (killed + timed out over
 * all valid mutants). Environment: `USAM_MUTANTS_CONCURRENCY` sets the worker count (default 1:
 * the command runner starts a whole `deno test` per mutant); `USAM_MUTANTS_FILES=a.ts,b.ts`
 * narrows the mutated files and `USAM_MUTANTS_TESTS=a_test.ts,...` replaces the test files;
 * `USAM_MUTANTS_WITH_PROOFS=1` adds the property tests to measures:all. Cost on a loaded 2-core
 * machine: 0.3 to 2 s per mutant for the unit-test scopes, about 8 s for measures:all (1,050
 * mutants: hours), tens of seconds for anything that trains.
 *
 * @module
 */

/** The pinned Stryker release (the 9.x line supports Node 20; 10.x needs Node 22). */
export const STRYKER_VERSION = "9.6.1";

/** The modules `scripts/mutant_scopes.json` defines, in the order `all` runs them. */
export const MUTANT_MODULES = ["measures", "optimizers", "training", "settings", "report"] as const;

/** One Stryker run: source files and the test files each of their mutants runs. */
export interface MutantScope {
  name: string;
  mutate: string[];
  tests: string[];
  /** Property tests added with `USAM_MUTANTS_WITH_PROOFS=1`. */
  proofs?: string[];
  /** Stryker's `timeoutMS` for this scope (default 60,000). */
  timeoutMS?: number;
}

/** The scopes that running `module` alone runs: every scope, except where an `all` comes first. */
const FIRST_ONLY = new Set(["measures", "optimizers", "training"]);

/**
 * Resolves command-line arguments to the (module, scope) runs they ask for, in order.
 *
 * @throws RangeError naming the argument for an unknown module or scope.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectScopes } from "./mutants.ts";
 * const table = {
 *   report: [{ name: "stats", mutate: [], tests: [] }, { name: "charts", mutate: [], tests: [] }],
 *   training: [{ name: "all", mutate: [], tests: [] }, { name: "parts", mutate: [], tests: [] }],
 * };
 * assert.deepEqual(selectScopes(["report"], table), [["report", "stats"], ["report", "charts"]]);
 * assert.deepEqual(selectScopes(["training"], table), [["training", "all"]]);
 * assert.deepEqual(selectScopes(["training:parts"], table), [["training", "parts"]]);
 * assert.throws(() => selectScopes(["report:nope"], table), /scope.*nope/);
 * ```
 */
export function selectScopes(
  args: readonly string[],
  table: Record<string, MutantScope[]>,
): [string, string][] {
  const wanted = args.length === 0 ? ["measures"] : args;
  const runs: [string, string][] = [];
  for (const arg of wanted) {
    const [module, scope] = arg.split(":");
    const modules = module === "all" ? Object.keys(table) : [module];
    for (const name of modules) {
      const scopes = table[name];
      if (scopes === undefined) {
        throw new RangeError(
          `module must be one of ${Object.keys(table).join(", ")}, all; got ${JSON.stringify(arg)}`,
        );
      }
      if (scope !== undefined) {
        if (!scopes.some((s) => s.name === scope)) {
          throw new RangeError(
            `scope of ${name} must be one of ${scopes.map((s) => s.name).join(", ")}; got ${
              JSON.stringify(scope)
            }`,
          );
        }
        runs.push([name, scope]);
      } else {
        const chosen = FIRST_ONLY.has(name) ? scopes.slice(0, 1) : scopes;
        for (const s of chosen) runs.push([name, s.name]);
      }
    }
  }
  return runs;
}

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

/**
 * Adds up the counts of several scopes (the score is recomputed from the sums).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumCounts } from "./mutants.ts";
 * const a = { killed: 8, survived: 2, timeout: 0, noCoverage: 0, errors: 0, score: 80 };
 * const b = { killed: 9, survived: 0, timeout: 1, noCoverage: 0, errors: 1, score: 100 };
 * assert.equal(sumCounts([a, b]).score, 90);
 * ```
 */
export function sumCounts(parts: readonly MutantCounts[]): MutantCounts {
  const total = { killed: 0, survived: 0, timeout: 0, noCoverage: 0, errors: 0 };
  for (const p of parts) {
    total.killed += p.killed;
    total.survived += p.survived;
    total.timeout += p.timeout;
    total.noCoverage += p.noCoverage;
    total.errors += p.errors;
  }
  const valid = total.killed + total.timeout + total.survived + total.noCoverage;
  return { ...total, score: valid === 0 ? 0 : (100 * (total.killed + total.timeout)) / valid };
}

function countLine(label: string, c: MutantCounts): string {
  return `${label}: ${c.killed} killed, ${c.timeout} timed out, ${c.survived} survived, ` +
    `${c.noCoverage} without coverage, ${c.errors} errors; score ${c.score.toFixed(1)}%`;
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname;
  const table: Record<string, MutantScope[]> = JSON.parse(
    await Deno.readTextFile(`${root}/scripts/mutant_scopes.json`),
  );
  let runs: [string, string][];
  try {
    runs = selectScopes(Deno.args, table);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
  const lines: string[] = [];
  const byModule = new Map<string, MutantCounts[]>();
  let failed = false;
  for (const [module, scope] of runs) {
    const status = await new Deno.Command("npx", {
      args: ["--yes", `@stryker-mutator/core@${STRYKER_VERSION}`, "run", "stryker.config.mjs"],
      cwd: root,
      env: { USAM_MUTANTS_MODULE: module, USAM_MUTANTS_SCOPE: scope },
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    if (!status.success) {
      failed = true;
      lines.push(`${module}:${scope}: stryker exited with ${status.code}`);
      continue;
    }
    const report = JSON.parse(
      await Deno.readTextFile(`${root}/results/runs/mutants/${module}.${scope}.json`),
    );
    const counts = countMutants(report);
    byModule.set(module, [...(byModule.get(module) ?? []), counts]);
    lines.push(countLine(`${module}:${scope}`, counts));
  }
  for (const [module, parts] of byModule) {
    if (parts.length > 1) lines.push(countLine(`${module} (all scopes run)`, sumCounts(parts)));
  }
  console.log(lines.join("\n"));
  Deno.exit(failed ? 1 : 0);
}

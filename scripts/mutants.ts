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
 * mutants: hours), tens of seconds for anything that trains (training:loop, train.ts: 499 mutants;
 * a 150-mutant sample took 30 minutes, 0.7 s for a mutant its first test file kills, 40 s for a
 * survivor).
 *
 * Cheaper questions, for the scopes too slow to run whole (training:loop):
 * - `USAM_MUTANTS_LIST=1`: a census. Stryker's test command is `true`, so every mutant "survives"
 *   at once; the report (`<module>.<scope>.list.json`) lists every mutant with its place and
 *   mutator, and this script prints the count per file. Nothing is tested.
 * - `USAM_MUTANTS_SAMPLE=N` (`USAM_MUTANTS_SEED`, default 1): a census, then a uniform random
 *   sample of N of its mutants (seeded, so reproducible: {@link sampleMutants}), then a run that
 *   tests exactly those. Stryker's `mutate` ranges cannot select single mutants (a range takes
 *   every mutant inside it, and several mutants share one place), so the run instruments the
 *   whole scope and its test command runs the tests only for the sampled mutant ids
 *   (`USAM_MUTANTS_ONLY`, {@link gatedCommand}); the others exit at once. The ids of two runs of
 *   the same files and config agree; this script checks that every sampled id names the same
 *   mutant (place, mutator, replacement) in both, keeps only the sampled mutants in the report,
 *   and prints the score with a Wilson 95% interval ({@link wilsonInterval}).
 * - `USAM_MUTANTS_RETEST=report.json`: the same, for the mutants that report did not kill
 *   (survived or without coverage), found by place, mutator and replacement in a fresh census:
 *   the "after" figure once tests were added. Its report is `<module>.<scope>.retest.json`.
 *
 * @module
 */

import { createHash } from "node:crypto";

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

/** A place in a source file, as the mutation-testing-report schema gives it (1-based). */
export interface ReportPosition {
  line: number;
  column: number;
}

/** One mutant of a mutation-testing-report JSON (the fields this script reads). */
export interface ReportMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: ReportPosition; end: ReportPosition };
}

/** A mutation-testing-report JSON (the fields this script reads; the rest is kept as is). */
export interface MutantReport {
  files: Record<string, { mutants: ReportMutant[] } & Record<string, unknown>>;
}

/** A mutant with its file and its {@link mutantKey}. */
export interface ListedMutant {
  file: string;
  key: string;
  mutant: ReportMutant;
}

/**
 * What names a mutant across runs: file, place, mutator and replacement (ids are only numbers in
 * instrumentation order, which another file set or config renumbers).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mutantKey } from "./mutants.ts";
 * const m = {
 *   id: "7", mutatorName: "BooleanLiteral", replacement: "false", status: "Survived",
 *   location: { start: { line: 3, column: 5 }, end: { line: 3, column: 9 } },
 * };
 * assert.equal(mutantKey("a.ts", m), "a.ts:3:5-3:9 BooleanLiteral false");
 * ```
 */
export function mutantKey(file: string, mutant: ReportMutant): string {
  const { start, end } = mutant.location;
  return `${file}:${start.line}:${start.column}-${end.line}:${end.column} ${mutant.mutatorName} ` +
    (mutant.replacement ?? "");
}

/**
 * Every mutant of a report, sorted by file and id (the order a census lists them in).
 *
 * @throws RangeError naming the mutant when two mutants share an id or a key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listMutants } from "./mutants.ts";
 * const at = (line: number) => ({ start: { line, column: 1 }, end: { line, column: 4 } });
 * const report = { files: { "b.ts": { mutants: [
 *   { id: "10", mutatorName: "X", replacement: "y", status: "Killed", location: at(2) },
 *   { id: "9", mutatorName: "X", replacement: "y", status: "Killed", location: at(1) },
 * ] } } };
 * assert.deepEqual(listMutants(report).map((m) => m.mutant.id), ["9", "10"]);
 * ```
 */
export function listMutants(report: MutantReport): ListedMutant[] {
  const listed: ListedMutant[] = [];
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const mutant of mutants) {
      const key = mutantKey(file, mutant);
      if (ids.has(mutant.id)) throw new RangeError(`mutant id ${mutant.id} appears twice (${key})`);
      if (keys.has(key)) throw new RangeError(`mutant ${key} appears twice`);
      ids.add(mutant.id);
      keys.add(key);
      listed.push({ file, key, mutant });
    }
  }
  return listed.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : Number(a.mutant.id) - Number(b.mutant.id)
  );
}

/**
 * A uniform random sample of `n` distinct mutants (all of them when `n` is at least their count),
 * reproducible from `seed`: the `n` mutants whose SHA-256 of `seed:key` is smallest. A hash of the
 * key, not a position in a list, so the sample depends only on which mutants there are (not on the
 * order a report lists them in), and a mutant's chance does not depend on its neighbours. (Not
 * `Random(seed).permutation`: a freshly seeded xoroshiro128+ draws its first uniform close to 1
 * for every small seed, so its Fisher–Yates never moves the last element into a short prefix.)
 * Returned in key order.
 *
 * @throws RangeError naming `n` or `seed` when either is not a non-negative integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sampleMutants } from "./mutants.ts";
 * const mutants = Array.from({ length: 50 }, (_, i) => ({ file: "a.ts", key: `k${i}`, mutant: {
 *   id: String(i), mutatorName: "X", status: "Survived",
 *   location: { start: { line: i + 1, column: 1 }, end: { line: i + 1, column: 2 } },
 * } }));
 * const sample = sampleMutants(mutants, 10, 1);
 * assert.equal(sample.length, 10);
 * assert.equal(new Set(sample.map((m) => m.key)).size, 10);
 * assert.deepEqual(sampleMutants([...mutants].reverse(), 10, 1), sample);
 * assert.throws(() => sampleMutants(mutants, -1, 1), /n must be/);
 * ```
 */
export function sampleMutants(
  mutants: readonly ListedMutant[],
  n: number,
  seed: number,
): ListedMutant[] {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`sampleMutants: n must be a non-negative integer, got ${n}`);
  }
  if (!Number.isInteger(seed) || seed < 0) {
    throw new RangeError(`sampleMutants: seed must be a non-negative integer, got ${seed}`);
  }
  const byKey = (
    a: { key: string },
    b: { key: string },
  ) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const ranked = mutants.map((m) => ({
    m,
    key: m.key,
    rank: createHash("sha256").update(`${seed}:${m.key}`).digest("hex"),
  })).sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : byKey(a, b)));
  return ranked.slice(0, n).map((r) => r.m).sort(byKey);
}

/**
 * The shell command that runs `command` only for the mutants `ids` (and for Stryker's dry run,
 * which sets no active mutant) and exits 0 at once for every other mutant. Stryker's command
 * runner names the active mutant in `__STRYKER_ACTIVE_MUTANT__` and runs the command with
 * `/bin/sh`. The untested mutants then read "survived": {@link restrictReport} drops them.
 *
 * @throws RangeError naming an id that is not a decimal number (it would be a shell pattern).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatedCommand } from "./mutants.ts";
 * const gated = gatedCommand("deno test a_test.ts", ["3", "12"]);
 * const run = (mutant?: string) =>
 *   new TextDecoder().decode(new Deno.Command("sh", {
 *     args: ["-c", gated.replace("deno test a_test.ts", "echo tested")],
 *     env: mutant === undefined ? {} : { __STRYKER_ACTIVE_MUTANT__: mutant },
 *     clearEnv: true,
 *   }).outputSync().stdout).trim();
 * assert.equal(run("12"), "tested");
 * assert.equal(run("2"), "");
 * assert.equal(run(), "tested");
 * ```
 */
export function gatedCommand(command: string, ids: readonly string[]): string {
  for (const id of ids) {
    if (!/^\d+$/.test(id)) throw new RangeError(`gatedCommand: ids must be decimal, got ${id}`);
  }
  return `case ",$\{__STRYKER_ACTIVE_MUTANT__:-dry}," in ,dry,|${
    ids.map((id) => `,${id},`).join("|") || ",none,"
  }) ${command} ;; *) exit 0 ;; esac`;
}

/**
 * Checks that every mutant of `wanted` has the same key under the same id in `report`, then
 * returns a copy of `report` that holds only those mutants (the others were not tested).
 *
 * @throws RangeError naming the first wanted mutant that the report lacks or numbers otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listMutants, restrictReport } from "./mutants.ts";
 * const at = (line: number) => ({ start: { line, column: 1 }, end: { line, column: 4 } });
 * const report = { files: { "a.ts": { mutants: [
 *   { id: "0", mutatorName: "X", replacement: "y", status: "Killed", location: at(1) },
 *   { id: "1", mutatorName: "X", replacement: "y", status: "Survived", location: at(2) },
 * ] } } };
 * const [first] = listMutants(report);
 * assert.deepEqual(restrictReport(report, [first]).files["a.ts"].mutants.map((m) => m.id), ["0"]);
 * const moved = { ...first, key: "a.ts:9:1-9:4 X y" };
 * assert.throws(() => restrictReport(report, [moved]), /a.ts:9:1-9:4/);
 * ```
 */
export function restrictReport<R extends MutantReport>(
  report: R,
  wanted: readonly ListedMutant[],
): R {
  const byId = new Map(listMutants(report).map((m) => [m.mutant.id, m]));
  for (const w of wanted) {
    const found = byId.get(w.mutant.id);
    if (found?.key !== w.key) {
      throw new RangeError(
        `mutant ${w.mutant.id} (${w.key}) is ${found ? found.key : "absent"} in this run's report`,
      );
    }
  }
  const keep = new Set(wanted.map((w) => w.mutant.id));
  const files: MutantReport["files"] = {};
  for (const [file, entry] of Object.entries(report.files)) {
    files[file] = { ...entry, mutants: entry.mutants.filter((m) => keep.has(m.id)) };
  }
  return { ...report, files };
}

/** The normal quantile for a two-sided 95% interval (Φ⁻¹(0.975)). */
const Z95 = 1.959963984540054;

/**
 * The Wilson score interval for a binomial proportion `k / n` (default 95%): the interval of p
 * whose normal test does not reject k successes in n trials. Unlike the Wald interval it stays
 * inside [0, 1] and keeps close to its coverage near 0 and 1, where mutation scores sit.
 *
 * @throws RangeError naming `k` or `n` unless 0 ≤ k ≤ n are integers and n > 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wilsonInterval } from "./mutants.ts";
 * // 90 of 100: (0.8256, 0.9448), from p̂ = 0.9, z = 1.96 by hand.
 * const [low, high] = wilsonInterval(90, 100);
 * assert.ok(Math.abs(low - 0.8256) < 1e-4 && Math.abs(high - 0.9448) < 1e-4);
 * // All of 10: the upper end is 1 in exact arithmetic, within rounding here; the lower 0.7225.
 * const [all, top] = wilsonInterval(10, 10);
 * assert.ok(Math.abs(top - 1) < 1e-12 && Math.abs(all - 0.7225) < 1e-4);
 * ```
 */
export function wilsonInterval(k: number, n: number, z = Z95): [number, number] {
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`wilsonInterval: n must be a positive integer, got ${n}`);
  }
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(`wilsonInterval: k must be an integer in [0, n], got ${k}`);
  }
  const p = k / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

function countLine(label: string, c: MutantCounts): string {
  return `${label}: ${c.killed} killed, ${c.timeout} timed out, ${c.survived} survived, ` +
    `${c.noCoverage} without coverage, ${c.errors} errors; score ${c.score.toFixed(1)}%`;
}

/** What a `deno task mutants` run does to each scope, from its environment. */
export type MutantsMode =
  | { kind: "full" }
  | { kind: "list" }
  | { kind: "sample"; n: number; seed: number }
  | { kind: "retest"; report: string };

/**
 * Reads the mode from `USAM_MUTANTS_LIST`, `USAM_MUTANTS_SAMPLE` (with `USAM_MUTANTS_SEED`) and
 * `USAM_MUTANTS_RETEST` (see the module documentation); a full run when none is set.
 *
 * @throws RangeError naming the variable and its value for a malformed value or two modes at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mutantsMode } from "./mutants.ts";
 * assert.deepEqual(mutantsMode({}), { kind: "full" });
 * assert.deepEqual(mutantsMode({ USAM_MUTANTS_SAMPLE: "150" }), { kind: "sample", n: 150, seed: 1 });
 * assert.deepEqual(mutantsMode({ USAM_MUTANTS_SAMPLE: "5", USAM_MUTANTS_SEED: "9" }), {
 *   kind: "sample",
 *   n: 5,
 *   seed: 9,
 * });
 * assert.throws(() => mutantsMode({ USAM_MUTANTS_SAMPLE: "1.5" }), /USAM_MUTANTS_SAMPLE.*1\.5/);
 * assert.throws(() => mutantsMode({ USAM_MUTANTS_LIST: "1", USAM_MUTANTS_SAMPLE: "5" }), /one of/);
 * ```
 */
export function mutantsMode(env: Record<string, string | undefined>): MutantsMode {
  const set = ["USAM_MUTANTS_LIST", "USAM_MUTANTS_SAMPLE", "USAM_MUTANTS_RETEST"].filter((name) =>
    env[name] !== undefined && env[name] !== ""
  );
  if (set.length > 1) {
    throw new RangeError(`set at most one of ${set.join(", ")}`);
  }
  const count = (name: string, value: string, least: number): number => {
    if (!/^\d+$/.test(value) || Number(value) < least) {
      throw new RangeError(`${name} must be an integer >= ${least}, got ${JSON.stringify(value)}`);
    }
    return Number(value);
  };
  if (set[0] === "USAM_MUTANTS_LIST") {
    if (env.USAM_MUTANTS_LIST !== "1") {
      throw new RangeError(
        `USAM_MUTANTS_LIST must be 1, got ${JSON.stringify(env.USAM_MUTANTS_LIST)}`,
      );
    }
    return { kind: "list" };
  }
  if (set[0] === "USAM_MUTANTS_SAMPLE") {
    return {
      kind: "sample",
      n: count("USAM_MUTANTS_SAMPLE", env.USAM_MUTANTS_SAMPLE!, 1),
      seed: count("USAM_MUTANTS_SEED", env.USAM_MUTANTS_SEED ?? "1", 0),
    };
  }
  if (set[0] === "USAM_MUTANTS_RETEST") return { kind: "retest", report: env.USAM_MUTANTS_RETEST! };
  return { kind: "full" };
}

/** The statuses that count against the score (the mutants a retest runs again). */
const NOT_KILLED = new Set(["Survived", "NoCoverage"]);

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname;
  const out = `${root}/results/runs/mutants`;
  const table: Record<string, MutantScope[]> = JSON.parse(
    await Deno.readTextFile(`${root}/scripts/mutant_scopes.json`),
  );
  let runs: [string, string][];
  let mode: MutantsMode;
  try {
    runs = selectScopes(Deno.args, table);
    mode = mutantsMode(Deno.env.toObject());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(2);
  }
  const stryker = async (env: Record<string, string>): Promise<number> =>
    (await new Deno.Command("npx", {
      args: ["--yes", `@stryker-mutator/core@${STRYKER_VERSION}`, "run", "stryker.config.mjs"],
      cwd: root,
      // The mode's own variables stay with this script: the config reads only these.
      env: { USAM_MUTANTS_LIST: "", USAM_MUTANTS_ONLY: "", USAM_MUTANTS_REPORT: "", ...env },
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status).code;
  const readReport = async (path: string): Promise<MutantReport> =>
    JSON.parse(await Deno.readTextFile(path));
  const lines: string[] = [];
  const byModule = new Map<string, MutantCounts[]>();
  let failed = false;
  for (const [module, scope] of runs) {
    const base = { USAM_MUTANTS_MODULE: module, USAM_MUTANTS_SCOPE: scope };
    const label = `${module}:${scope}`;
    let report: MutantReport;
    let tag = "";
    if (mode.kind === "full") {
      const code = await stryker(base);
      if (code !== 0) {
        failed = true;
        lines.push(`${label}: stryker exited with ${code}`);
        continue;
      }
      report = await readReport(`${out}/${module}.${scope}.json`);
    } else {
      const listPath = `${out}/${module}.${scope}.list.json`;
      const code = await stryker({
        ...base,
        USAM_MUTANTS_LIST: "1",
        USAM_MUTANTS_REPORT: listPath,
      });
      if (code !== 0) {
        failed = true;
        lines.push(`${label}: the census (stryker) exited with ${code}`);
        continue;
      }
      const census = listMutants(await readReport(listPath));
      if (mode.kind === "list") {
        const perFile = new Map<string, number>();
        for (const m of census) perFile.set(m.file, (perFile.get(m.file) ?? 0) + 1);
        for (const [file, n] of perFile) lines.push(`${label}: ${file}: ${n} mutants`);
        lines.push(`${label}: ${census.length} mutants (census: nothing tested; ${listPath})`);
        continue;
      }
      let chosen: ListedMutant[];
      let reportPath = `${out}/${module}.${scope}.json`;
      if (mode.kind === "sample") {
        chosen = sampleMutants(census, mode.n, mode.seed);
        tag = ` (sample of ${chosen.length} of ${census.length}, seed ${mode.seed})`;
      } else {
        const before = listMutants(await readReport(mode.report));
        const again = new Set(
          before.filter((m) => NOT_KILLED.has(m.mutant.status)).map((m) => m.key),
        );
        chosen = census.filter((m) => again.has(m.key));
        const gone = again.size - chosen.length;
        tag = ` (retest of ${again.size} not killed in ${mode.report}` +
          (gone > 0 ? `; ${gone} no longer exist` : "") + ")";
        reportPath = `${out}/${module}.${scope}.retest.json`;
      }
      if (chosen.length === 0) {
        lines.push(`${label}${tag}: nothing to test`);
        continue;
      }
      const code2 = await stryker({
        ...base,
        USAM_MUTANTS_ONLY: chosen.map((m) => m.mutant.id).join(","),
        USAM_MUTANTS_REPORT: reportPath,
      });
      if (code2 !== 0) {
        failed = true;
        lines.push(`${label}: stryker exited with ${code2}`);
        continue;
      }
      try {
        report = restrictReport(await readReport(reportPath), chosen);
      } catch (error) {
        failed = true;
        lines.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      await Deno.writeTextFile(reportPath, JSON.stringify(report));
      for (const m of listMutants(report)) {
        if (NOT_KILLED.has(m.mutant.status)) lines.push(`${label}: ${m.mutant.status}: ${m.key}`);
      }
    }
    const counts = countMutants(report);
    byModule.set(module, [...(byModule.get(module) ?? []), counts]);
    lines.push(countLine(`${label}${tag}`, counts));
    const valid = counts.killed + counts.timeout + counts.survived + counts.noCoverage;
    if (mode.kind === "sample" && valid > 0) {
      const [low, high] = wilsonInterval(counts.killed + counts.timeout, valid);
      lines.push(
        `${label}: Wilson 95% interval of the score ${(100 * low).toFixed(1)}% to ` +
          `${(100 * high).toFixed(1)}%`,
      );
    }
  }
  for (const [module, parts] of byModule) {
    if (parts.length > 1) lines.push(countLine(`${module} (all scopes run)`, sumCounts(parts)));
  }
  console.log(lines.join("\n"));
  Deno.exit(failed ? 1 : 0);
}

/**
 * The statistics behind the answers of the study's five questions (issue 11), computed per model
 * from the complete cells only: a cell is complete when every method of the grid has a completed
 * final run on every final seed, so every test is paired by seed on the same seeds.
 *
 * 1. Frob-SAM against SGD and SAM: final ‖H‖_F and final test accuracy.
 * 2. The winner of the 10%-data and 20%-noise cells (best mean against the runner-up), and
 *    Frob-SAM / Det-SAM against SAM there.
 * 3. The ranking on clean data, each adjacent gap tested.
 * 4. Cost per point of accuracy over SGD: training seconds and gradient evaluations per run.
 * 5. The paper's claims, each judged consistent / not shown / contradicted from the tests above.
 *
 * The Holm–Bonferroni family is every distinct paired test the answers rely on (one per cell,
 * measure and pair of methods, whichever question asks for it), over every complete cell of every
 * model: a test asked by two questions is corrected once. Tuning runs never enter.
 *
 * @module
 */
import type { RunRecord } from "../training/result.ts";
import type { GridDeclaration } from "./grid.ts";
import { holmBonferroni, type PairedResult, pairedTest, summarize } from "../report/stats.ts";

/** What an answer's test compares: final test accuracy or the final ‖H‖_F. */
export type AnswerMeasure = "testAccuracy" | "frobenius";

/** One cell: dataset, model and setting. */
export interface CellKey {
  dataset: string;
  model: string;
  setting: string;
}

/** One paired test of the answers' family: `method` − `against` by seed, in one cell. */
export interface AnswerTest extends CellKey {
  measure: AnswerMeasure;
  method: string;
  against: string;
  seeds: number[];
  meanMethod: number;
  meanAgainst: number;
  paired: PairedResult;
  /** paired.difference / meanAgainst. */
  relativeDifference: number;
  /** Holm-adjusted over the whole family ({@link StudyAnswers.tests}); null without p. */
  pHolm: number | null;
  /** pHolm < alpha. */
  significant: boolean;
}

/**
 * The paired test of `method` − `against` in one cell, on `seeds` (values `a` and `b` in seed
 * order), before the family's correction (`pHolm` null, `significant` false).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerTest } from "./study_answers.ts";
 * const cell = { dataset: "d", model: "mlp", setting: "clean" };
 * const t = answerTest(cell, "frobenius", "frob-sam", "sgd", [0, 1], [5, 8], [10, 12]);
 * assert.equal(t.paired.difference, -4.5);
 * assert.equal(t.relativeDifference, -4.5 / 11);
 * assert.equal(t.pHolm, null);
 * ```
 */
export function answerTest(
  cell: CellKey,
  measure: AnswerMeasure,
  method: string,
  against: string,
  seeds: number[],
  a: number[],
  b: number[],
): AnswerTest {
  const paired = pairedTest(a, b);
  const meanAgainst = summarize(b).mean;
  return {
    dataset: cell.dataset,
    model: cell.model,
    setting: cell.setting,
    measure,
    method,
    against,
    seeds,
    meanMethod: summarize(a).mean,
    meanAgainst,
    paired,
    relativeDifference: paired.difference / meanAgainst,
    pHolm: null,
    significant: false,
  };
}

/** A method's mean final test accuracy in a cell, with the half width of its 95% t interval. */
export interface RankedMethod {
  method: string;
  mean: number;
  ci95HalfWidth: number | null;
}

/** Question 1 in one cell: Frob-SAM against SGD and SAM, on ‖H‖_F and on test accuracy. */
export interface FrobeniusAnswer extends CellKey {
  frobeniusVsSgd: AnswerTest | null;
  frobeniusVsSam: AnswerTest | null;
  accuracyVsSgd: AnswerTest;
  accuracyVsSam: AnswerTest;
}

/** Question 2 in one cell: the winner, and Frob-SAM / Det-SAM against SAM. */
export interface WinnerAnswer extends CellKey {
  ranking: RankedMethod[];
  /** Best mean against the runner-up (method = best). */
  bestVsRunnerUp: AnswerTest;
  frobVsSam: AnswerTest;
  detVsSam: AnswerTest;
}

/** Question 3 in one cell: the ranking by mean, with each adjacent gap (higher − lower). */
export interface RankingAnswer extends CellKey {
  ranking: RankedMethod[];
  gaps: AnswerTest[];
}

/** Question 4 for one method in one cell. */
export interface CostAnswer extends CellKey {
  method: string;
  /** Mean over seeds of the training seconds of a run (Hessian measures and evaluation excluded). */
  secondsPerRun: number;
  /** Mean over seeds of the gradient evaluations of a run. */
  gradientEvaluationsPerRun: number;
  /** Test accuracy against SGD; null for SGD itself. */
  gain: AnswerTest | null;
  /** The gain's 95% interval lies above 0. */
  gained: boolean;
  /** (seconds − SGD's) per point of accuracy gained; null without a gain. */
  extraSecondsPerPoint: number | null;
  /** (gradient evaluations − SGD's) per point gained; null without a gain. */
  extraGradientEvaluationsPerPoint: number | null;
}

/** How the completed cells bear on one claim of the paper. */
export type Verdict = "consistent" | "not shown" | "contradicted";

/** One verdict: a claim, for one method in one cell (or the cell missing). */
export interface ClaimVerdict extends CellKey {
  claim: "competitive-on-clean" | "helps-limited-data-and-noise" | "keeps-frobenius-low";
  method: string;
  verdict: Verdict;
  /** The numbers behind it, or why there are none. */
  evidence: string;
}

/** A cell of the grid that is not complete, with its completed final runs. */
export interface MissingCell extends CellKey {
  done: number;
  expected: number;
}

/** Everything {@link studyAnswers} computes. */
export interface StudyAnswers {
  alpha: number;
  /** The Holm family, in words. */
  family: string;
  methods: string[];
  seeds: number[];
  complete: CellKey[];
  missing: MissingCell[];
  /** The whole family, Holm-adjusted together. */
  tests: AnswerTest[];
  frobenius: FrobeniusAnswer[];
  winners: WinnerAnswer[];
  rankings: RankingAnswer[];
  costs: CostAnswer[];
  claims: ClaimVerdict[];
}

/** The settings question 2 asks about, and the clean one of question 3. */
export const HARD_SETTINGS = ["10%-data", "20%-noise"] as const;
/** The clean setting's name. */
export const CLEAN_SETTING = "clean";

/** The family of {@link studyAnswers}, as the report states it. */
export const ANSWERS_FAMILY =
  "every distinct paired test the answers to questions 1–5 rely on (one per cell, measure and " +
  "pair of methods), over every complete cell of every model";

function finalFrobenius(record: RunRecord): number | null {
  for (let k = record.epochs.length - 1; k >= 0; k--) {
    const v = record.epochs[k].hessian?.frobenius;
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return null;
}

const cellId = (c: CellKey) => `${c.dataset}/${c.model}/${c.setting}`;
const pointsText = (v: number) => `${v >= 0 ? "+" : ""}${(100 * v).toFixed(2)}`;
const pText = (p: number | null) => (p === null ? "n/a" : p < 1e-4 ? "< 0.0001" : p.toFixed(4));

/**
 * A test's effect in words: difference (in points for accuracy), 95% interval, corrected p.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { effectText } from "./study_answers.ts";
 * const t = { measure: "testAccuracy", paired: { difference: 0.005, ci95: [0.001, 0.009] }, pHolm: 0.02 };
 * assert.equal(effectText(t as never), "+0.50 points [+0.10, +0.90], corrected p 0.0200");
 * ```
 */
export function effectText(t: AnswerTest): string {
  const ci = t.paired.ci95;
  if (t.measure === "testAccuracy") {
    return `${pointsText(t.paired.difference)} points [${
      ci ? ci.map(pointsText).join(", ") : "n/a"
    }], corrected p ${pText(t.pHolm)}`;
  }
  const f = (v: number) => v.toPrecision(3);
  return `${f(t.paired.difference)} (${Math.round(100 * t.relativeDifference) || 0}%) [${
    ci ? ci.map(f).join(", ") : "n/a"
  }], corrected p ${pText(t.pHolm)}`;
}

/**
 * The answers' statistics from the final runs of a grid (tuning runs are skipped), per complete
 * cell, Holm-corrected over {@link ANSWERS_FAMILY}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { studyAnswers } from "./study_answers.ts";
 * const grid = { name: "g", datasets: ["d"], models: ["mlp" as const], seeds: [0, 1, 2],
 *   settings: [{ name: "clean" }], optimizers: [{ optimizer: "sgd" as const }, { optimizer: "sam" as const }] };
 * const rec = (method: string, seed: number, acc: number) => ({ status: "completed", run: { dataset: "d",
 *   model: "mlp", setting: "clean", method, seed }, final: { testAccuracy: acc },
 *   epochs: [{ seconds: 2, gradientEvaluations: 10 }] });
 * const runs = [0, 1, 2].flatMap((s) => [rec("sgd", s, 0.8 + 0.01 * s), rec("sam", s, 0.85 + 0.01 * s)]);
 * const answers = studyAnswers(runs as never, grid);
 * assert.equal(answers.rankings[0].ranking[0].method, "sam");
 * assert.ok(Math.abs(answers.rankings[0].gaps[0].paired.difference - 0.05) < 1e-12);
 * assert.equal(studyAnswers(runs.slice(1) as never, grid).missing[0].done, 5);
 * ```
 */
export function studyAnswers(
  records: readonly RunRecord[],
  grid: GridDeclaration,
  alpha = 0.05,
): StudyAnswers {
  if (!(alpha > 0 && alpha < 1)) {
    throw new RangeError(`studyAnswers: alpha must be in (0, 1), got ${alpha}`);
  }
  const methods = grid.optimizers.map((o) => o.label ?? o.optimizer);
  const seeds = [...grid.seeds].sort((a, b) => a - b);
  const byCell = new Map<string, Map<string, Map<number, RunRecord>>>();
  for (const r of records) {
    if (r.run.phase === "tuning" || r.status !== "completed" || !r.final) continue;
    const id = cellId(r.run);
    const cell = byCell.get(id) ?? new Map<string, Map<number, RunRecord>>();
    const bySeed = cell.get(r.run.method) ?? new Map<number, RunRecord>();
    bySeed.set(r.run.seed, r);
    cell.set(r.run.method, bySeed);
    byCell.set(id, cell);
  }
  const complete: CellKey[] = [];
  const missing: MissingCell[] = [];
  for (const dataset of grid.datasets) {
    for (const model of grid.models) {
      for (const { name: setting } of grid.settings) {
        const key = { dataset, model, setting };
        const cell = byCell.get(cellId(key));
        const done = methods.reduce(
          (s, m) => s + seeds.filter((seed) => cell?.get(m)?.has(seed)).length,
          0,
        );
        if (done === methods.length * seeds.length) complete.push(key);
        else missing.push({ ...key, done, expected: methods.length * seeds.length });
      }
    }
  }
  const value = (c: CellKey, method: string, measure: AnswerMeasure): number[] | null => {
    const runs = seeds.map((s) => byCell.get(cellId(c))!.get(method)!.get(s)!);
    const values = runs.map((r) =>
      measure === "frobenius" ? finalFrobenius(r) : r.final!.testAccuracy
    );
    return values.every((v): v is number => v !== null) ? values : null;
  };
  const tests: AnswerTest[] = [];
  // One test per cell, measure and unordered pair; a second request returns the first, oriented.
  const request = (
    c: CellKey,
    measure: AnswerMeasure,
    method: string,
    against: string,
  ): AnswerTest | null => {
    const found = tests.find((t) =>
      cellId(t) === cellId(c) && t.measure === measure &&
      ((t.method === method && t.against === against) ||
        (t.method === against && t.against === method))
    );
    if (found) return found;
    const a = value(c, method, measure);
    const b = value(c, against, measure);
    if (!a || !b) return null;
    const test = answerTest(c, measure, method, against, seeds, a, b);
    tests.push(test);
    return test;
  };
  const ranking = (c: CellKey): RankedMethod[] =>
    methods.map((method) => {
      const s = summarize(value(c, method, "testAccuracy")!);
      return { method, mean: s.mean, ci95HalfWidth: s.ci95HalfWidth };
    }).sort((x, y) => y.mean - x.mean);
  const has = (m: string) => methods.includes(m);
  const frobenius: FrobeniusAnswer[] = [];
  const winners: WinnerAnswer[] = [];
  const rankings: RankingAnswer[] = [];
  const costRows: Omit<
    CostAnswer,
    "gained" | "extraSecondsPerPoint" | "extraGradientEvaluationsPerPoint"
  >[] = [];
  for (const c of complete) {
    if (has("frob-sam") && has("sgd") && has("sam")) {
      frobenius.push({
        ...c,
        frobeniusVsSgd: request(c, "frobenius", "frob-sam", "sgd"),
        frobeniusVsSam: request(c, "frobenius", "frob-sam", "sam"),
        accuracyVsSgd: request(c, "testAccuracy", "frob-sam", "sgd")!,
        accuracyVsSam: request(c, "testAccuracy", "frob-sam", "sam")!,
      });
    }
    const order = ranking(c);
    if ((HARD_SETTINGS as readonly string[]).includes(c.setting) && order.length >= 2) {
      if (has("frob-sam") && has("det-sam") && has("sam")) {
        winners.push({
          ...c,
          ranking: order,
          bestVsRunnerUp: request(c, "testAccuracy", order[0].method, order[1].method)!,
          frobVsSam: request(c, "testAccuracy", "frob-sam", "sam")!,
          detVsSam: request(c, "testAccuracy", "det-sam", "sam")!,
        });
      }
    }
    if (c.setting === CLEAN_SETTING) {
      rankings.push({
        ...c,
        ranking: order,
        gaps: order.slice(1).map((low, k) =>
          request(c, "testAccuracy", order[k].method, low.method)!
        ),
      });
    }
    // Question 5 asks Frob-SAM and Det-SAM against SAM in every cell.
    for (const method of ["frob-sam", "det-sam"]) {
      if (has(method) && has("sam")) request(c, "testAccuracy", method, "sam");
    }
    if (has("sgd")) {
      for (const method of methods) {
        const runs = seeds.map((s) => byCell.get(cellId(c))!.get(method)!.get(s)!);
        costRows.push({
          ...c,
          method,
          secondsPerRun: summarize(runs.map((r) => r.epochs.reduce((s, e) => s + e.seconds, 0)))
            .mean,
          gradientEvaluationsPerRun: summarize(
            runs.map((r) => r.epochs.reduce((s, e) => s + e.gradientEvaluations, 0)),
          ).mean,
          gain: method === "sgd" ? null : request(c, "testAccuracy", method, "sgd"),
        });
      }
    }
  }
  const adjusted = holmBonferroni(tests.map((t) => t.paired.p));
  tests.forEach((t, k) => {
    t.pHolm = adjusted[k];
    t.significant = t.pHolm !== null && t.pHolm < alpha;
  });
  // Each answer reads its tests from its own side, once the family's p are adjusted.
  const side = (t: AnswerTest | null, method: string) => (t ? fromSide(t, method) : null);
  const frobeniusAnswers = frobenius.map((f) => ({
    ...f,
    frobeniusVsSgd: side(f.frobeniusVsSgd, "frob-sam"),
    frobeniusVsSam: side(f.frobeniusVsSam, "frob-sam"),
    accuracyVsSgd: side(f.accuracyVsSgd, "frob-sam")!,
    accuracyVsSam: side(f.accuracyVsSam, "frob-sam")!,
  }));
  const winnerAnswers = winners.map((w) => ({
    ...w,
    bestVsRunnerUp: side(w.bestVsRunnerUp, w.ranking[0].method)!,
    frobVsSam: side(w.frobVsSam, "frob-sam")!,
    detVsSam: side(w.detVsSam, "det-sam")!,
  }));
  const rankingAnswers = rankings.map((r) => ({
    ...r,
    gaps: r.gaps.map((g, k) => side(g, r.ranking[k].method)!),
  }));
  const costs: CostAnswer[] = costRows.map((row) => {
    const sgd = costRows.find((r) => cellId(r) === cellId(row) && r.method === "sgd")!;
    const gain = side(row.gain, row.method);
    const gained = gain !== null && gain.paired.ci95 !== null && gain.paired.ci95[0] > 0;
    const points = gain ? 100 * gain.paired.difference : 0;
    return {
      ...row,
      gain,
      gained,
      extraSecondsPerPoint: gained ? (row.secondsPerRun - sgd.secondsPerRun) / points : null,
      extraGradientEvaluationsPerPoint: gained
        ? (row.gradientEvaluationsPerRun - sgd.gradientEvaluationsPerRun) / points
        : null,
    };
  });
  return {
    alpha,
    family: ANSWERS_FAMILY,
    methods,
    seeds,
    complete,
    missing,
    tests,
    frobenius: frobeniusAnswers,
    winners: winnerAnswers,
    rankings: rankingAnswers,
    costs,
    claims: claimVerdicts(grid, complete, missing, tests),
  };
}

/**
 * A test's difference and interval seen from `method` (the test may be stored the other way round).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oriented } from "./study_answers.ts";
 * const t = { method: "sam", against: "sgd", paired: { difference: 0.01, ci95: [0.005, 0.015] } };
 * assert.deepEqual(oriented(t as never, "sgd"), { difference: -0.01, ci95: [-0.015, -0.005] });
 * ```
 */
export function oriented(
  t: AnswerTest,
  method: string,
): { difference: number; ci95: [number, number] | null } {
  if (t.method === method) return { difference: t.paired.difference, ci95: t.paired.ci95 };
  if (t.against !== method) {
    throw new RangeError(
      `oriented: method must be ${t.method} or ${t.against}, got ${JSON.stringify(method)}`,
    );
  }
  const ci = t.paired.ci95;
  return { difference: -t.paired.difference, ci95: ci ? [-ci[1], -ci[0]] : null };
}

/**
 * The answer test `t` read from `method`'s side (difference, interval and means swapped when the
 * family stores it the other way round).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromSide } from "./study_answers.ts";
 * const t = { method: "sam", against: "sgd", meanMethod: 2, meanAgainst: 1, paired: { difference: 1, ci95: [0.5, 1.5] } };
 * const s = fromSide(t as never, "sgd");
 * assert.equal(s.paired.difference, -1);
 * assert.equal(s.relativeDifference, -0.5);
 * ```
 */
export function fromSide(t: AnswerTest, method: string): AnswerTest {
  if (t.method === method) return t;
  const o = oriented(t, method);
  return {
    ...t,
    method,
    against: t.method,
    meanMethod: t.meanAgainst,
    meanAgainst: t.meanMethod,
    paired: { ...t.paired, difference: o.difference, ci95: o.ci95 },
    relativeDifference: o.difference / t.meanMethod,
  };
}

function claimVerdicts(
  grid: GridDeclaration,
  complete: readonly CellKey[],
  missing: readonly MissingCell[],
  tests: readonly AnswerTest[],
): ClaimVerdict[] {
  const out: ClaimVerdict[] = [];
  const name = (m: string) => (m === "frob-sam" ? "Frob-SAM" : m === "det-sam" ? "Det-SAM" : m);
  const absent = (c: CellKey) => {
    const m = missing.find((x) => cellId(x) === cellId(c));
    return m ? `cell incomplete (${m.done}/${m.expected} final runs)` : "cell not in the grid";
  };
  const find = (c: CellKey, measure: AnswerMeasure, method: string, against: string) => {
    const t = tests.find((x) =>
      cellId(x) === cellId(c) && x.measure === measure &&
      ((x.method === method && x.against === against) ||
        (x.method === against && x.against === method))
    );
    return t ? fromSide(t, method) : null;
  };
  const isComplete = (c: CellKey) => complete.some((x) => cellId(x) === cellId(c));
  for (const dataset of grid.datasets) {
    for (const model of grid.models) {
      for (const { name: setting } of grid.settings) {
        const c = { dataset, model, setting };
        const claim: ClaimVerdict["claim"] = setting === CLEAN_SETTING
          ? "competitive-on-clean"
          : "helps-limited-data-and-noise";
        for (const method of ["frob-sam", "det-sam"]) {
          const t = isComplete(c) ? find(c, "testAccuracy", method, "sam") : null;
          if (!t) {
            out.push({ ...c, claim, method, verdict: "not shown", evidence: absent(c) });
            continue;
          }
          const worse = t.significant && t.paired.difference < 0;
          const better = t.significant && t.paired.difference > 0;
          out.push({
            ...c,
            claim,
            method,
            // Competitive: not significantly worse than SAM. Helps: significantly better.
            verdict: claim === "competitive-on-clean"
              ? (worse ? "contradicted" : "consistent")
              : (better ? "consistent" : worse ? "contradicted" : "not shown"),
            evidence: `test accuracy ${name(method)} − SAM ${effectText(t)}`,
          });
        }
        const pair = ["sgd", "sam"].map((against) =>
          isComplete(c) ? find(c, "frobenius", "frob-sam", against) : null
        );
        if (pair.some((t) => t === null)) {
          out.push({
            ...c,
            claim: "keeps-frobenius-low",
            method: "frob-sam",
            verdict: "not shown",
            evidence: isComplete(c) ? "no final ‖H‖_F recorded" : absent(c),
          });
          continue;
        }
        const lower = pair.every((t) => t!.significant && t!.paired.difference < 0);
        const higher = pair.some((t) => t!.significant && t!.paired.difference > 0);
        out.push({
          ...c,
          claim: "keeps-frobenius-low",
          method: "frob-sam",
          // Low: significantly below both SGD and SAM; contradicted when above either.
          verdict: lower ? "consistent" : higher ? "contradicted" : "not shown",
          evidence: pair.map((t, k) =>
            `‖H‖_F Frob-SAM − ${k === 0 ? "SGD" : "SAM"} ${effectText(t!)}`
          )
            .join("; "),
        });
      }
    }
  }
  return out;
}

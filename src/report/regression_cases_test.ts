/**
 * `buildBaseline` and `checkRegression` on summaries written by hand, so that each rule has a case
 * at its edge (issue 14: these kill the mutants of regression.ts the other tests let survive).
 * Figures are binary fractions, so the thresholds come out exact and a check at its threshold is
 * a real edge case.
 */
import assert from "node:assert/strict";
import type { ComparisonSummary } from "./aggregate.ts";
import { type Baseline, buildBaseline, checkRegression, DEFAULT_RULE } from "./regression.ts";

interface CellSpec {
  dataset?: string;
  model?: string;
  setting?: string;
  methods: [string, number | null, number | null][]; // name, mean, se (null: no results)
}

/** A summary with just the fields the baseline and the checks read. */
function summary(cells: CellSpec[], costs: ComparisonSummary["costs"] = []): ComparisonSummary {
  return {
    alpha: 0.05,
    correction: "holm-bonferroni",
    comparisons: [],
    grids: [],
    runs: 0,
    failedRuns: 0,
    environments: [],
    costs,
    cells: cells.map((c) => ({
      dataset: c.dataset ?? "fashion-mnist",
      model: c.model ?? "mlp",
      setting: c.setting ?? "clean",
      pairedSeeds: false,
      best: null,
      methods: c.methods.map(([method, mean, se]) => ({
        method,
        accuracy: mean === null
          ? null
          : { n: 3, mean, sd: se, se, ci95HalfWidth: null, ci95: null },
      })),
    })),
  } as unknown as ComparisonSummary;
}

const META = { preset: "ci", commit: "abc", machine: "test", createdAt: "2026-01-02T03:04:05Z" };

Deno.test("buildBaseline keeps methods with results, the given date and rule, else now and the default", () => {
  const s = summary([{ methods: [["sgd", 0.5, 0.25], ["sam", null, null]] }]);
  const given = { k: 1, floor: 0.5, costTolerance: 0.25, costK: 3 };
  const b = buildBaseline(s, { ...META, rule: given });
  assert.deepEqual(b.accuracy.map((a) => a.method), ["sgd"]);
  assert.equal(b.createdAt, META.createdAt);
  assert.deepEqual(b.rule, given);
  assert.notEqual(b.rule, given, "a copy, not the caller's object");
  const before = Date.now();
  const d = buildBaseline(s, { preset: "ci", commit: null, machine: "test" });
  assert.deepEqual(d.rule, DEFAULT_RULE);
  assert.match(d.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Date.parse(d.createdAt) >= before - 1000);
});

Deno.test("checkRegression refuses a bad baseline or rule, naming it", () => {
  const s = summary([]);
  // deno-lint-ignore no-explicit-any
  const loose = (v: unknown) => v as any;
  assert.throws(
    () => checkRegression(loose(undefined), s),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message === "checkRegression: baseline must be a Baseline object, got undefined",
  );
  const long = { note: "x".repeat(100) };
  assert.throws(
    () => checkRegression(loose(long), s),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message ===
        `checkRegression: baseline must be a Baseline object, got ${
          JSON.stringify(long).slice(0, 60)
        }`,
  );
  const base = buildBaseline(s, META);
  assert.throws(
    () => checkRegression({ ...base, rule: { ...base.rule, k: loose("3") } }, s),
    /^RangeError: checkRegression: rule\.k must be >= 0, got 3$/,
  );
  // Zero is allowed for every rule value: a baseline demanding no drop at all.
  const strict = { k: 0, floor: 0, costTolerance: 0, costK: 0 };
  assert.deepEqual(checkRegression({ ...base, rule: strict }, s), []);
});

Deno.test("checkRegression compares each baseline cell with the same cell, exactly at its threshold", () => {
  // The lowest cell first: a check that took the first cell for every entry would fail the rest.
  const cells: CellSpec[] = [
    { methods: [["sgd", 0.25, 0]] },
    { setting: "noise", methods: [["sgd", 0.5, 0]] },
    { model: "cnn", methods: [["sgd", 0.625, 0]] },
    { dataset: "mnist", methods: [["sgd", 0.75, 0]] },
  ];
  const rule = { k: 4, floor: 0.125, costTolerance: 0.25, costK: 2 };
  const base = buildBaseline(summary(cells), { ...META, rule });
  // Each cell now 0.125 lower: exactly at baseline − floor (se 0), which passes.
  const lower = cells.map((c) => ({
    ...c,
    methods: c.methods.map(([m, v]) => [m, v! - 0.125, 0]),
  }));
  const checks = checkRegression(base, summary(lower as CellSpec[]));
  assert.deepEqual(checks.map((c) => [c.where, c.threshold, c.passed]), [
    ["fashion-mnist/mlp/clean sgd", 0.125, true],
    ["fashion-mnist/mlp/noise sgd", 0.375, true],
    ["fashion-mnist/cnn/clean sgd", 0.5, true],
    ["mnist/mlp/clean sgd", 0.625, true],
  ]);
  assert.equal(
    checks[0].message,
    "fashion-mnist/mlp/clean sgd: mean test accuracy 12.50% vs baseline 25.00% (allowed drop " +
      "12.50% = max(4 × SE 0.00%, floor 12.50%), threshold 12.50%)",
  );
  // Below it by a little: a regression, said so.
  const worse = checkRegression(
    base,
    summary([{ methods: [["sgd", 0.0625, 0]] }, ...cells.slice(1)]),
  );
  assert.equal(worse[0].passed, false);
  assert.ok(worse[0].message.endsWith("threshold 12.50%): REGRESSION"), worse[0].message);
  // A cell the summary lacks altogether is missing, with the baseline's figure.
  const missing = checkRegression(base, summary(cells.slice(0, 1)));
  assert.deepEqual(missing.slice(1).map((c) => [c.kind, c.passed]), [
    ["missing", false],
    ["missing", false],
    ["missing", false],
  ]);
  assert.equal(
    missing[1].message,
    "fashion-mnist/mlp/noise sgd: no completed run in this check (baseline mean 50.00%)",
  );
});

Deno.test("cost checks: each model and method its own, null baselines skipped, noise on seconds only", () => {
  const costs = (g: number | null, s: number | null, se: number | null) => [
    {
      model: "mlp",
      method: "sgd",
      gradientRatio: 1,
      secondsRatio: 1,
      secondsRatioSe: null,
      cpuSecondsRatio: null,
      cpuSecondsRatioSe: null,
      cells: 1,
    },
    {
      model: "mlp",
      method: "sam",
      gradientRatio: g,
      secondsRatio: s,
      secondsRatioSe: se,
      cpuSecondsRatio: null,
      cpuSecondsRatioSe: null,
      cells: 1,
    },
    {
      model: "cnn",
      method: "sam",
      gradientRatio: 4,
      secondsRatio: 8,
      secondsRatioSe: null,
      cpuSecondsRatio: null,
      cpuSecondsRatioSe: null,
      cells: 1,
    },
  ];
  const rule = { k: 4, floor: 0.02, costTolerance: 0.25, costK: 2 };
  const base: Baseline = buildBaseline(summary([], costs(2, null, 0.125)), { ...META, rule });
  // mlp sam at exactly 2 × 1.25 = 2.5 passes; its seconds baseline is null: no check.
  const checks = checkRegression(base, summary([], costs(2.5, 3, 0.125)));
  assert.deepEqual(checks.map((c) => [c.kind, c.where, c.current, c.threshold, c.passed]), [
    ["gradient-ratio", "mlp sgd", 1, 1.25, true],
    ["seconds-ratio", "mlp sgd", 1, 1.25, true],
    ["gradient-ratio", "mlp sam", 2.5, 2.5, true],
    ["gradient-ratio", "cnn sam", 4, 5, true],
    ["seconds-ratio", "cnn sam", 8, 10, true],
  ]);
  assert.equal(
    checks[2].message,
    "mlp sam: gradient evaluations per epoch relative to SGD 2.500× vs baseline 2.000× " +
      "(allowed up to 2.500×: +25%)",
  );
  // The seconds threshold adds costK × √(se_base² + se_now²): 3 × 1.25 + 2 × √(0.375² + 0²).
  const withSe = buildBaseline(summary([], costs(2, 3, 0.375)), { ...META, rule });
  const noisy = checkRegression(withSe, summary([], costs(2, 4.5, 0)));
  const seconds = noisy.find((c) => c.kind === "seconds-ratio" && c.where === "mlp sam")!;
  assert.equal(seconds.threshold, 3 * 1.25 + 2 * 0.375);
  assert.equal(seconds.passed, true, "4.5 is exactly at the threshold");
  assert.match(seconds.message, /\+25% \+ 2 × measured SE 0\.375\)$/);
  const gradient = noisy.find((c) => c.kind === "gradient-ratio" && c.where === "mlp sam")!;
  assert.equal(gradient.threshold, 2.5, "no noise term on gradient counts");
  // A ratio the summary lacks fails, and says it is missing.
  const gone = checkRegression(base, summary([], costs(2, 3, 0).slice(0, 1)));
  const lost = gone.find((c) => c.where === "cnn sam" && c.kind === "gradient-ratio")!;
  assert.equal(lost.current, null);
  assert.equal(lost.passed, false);
  assert.equal(
    lost.message,
    "cnn sam: gradient evaluations per epoch relative to SGD missing vs baseline 4.000× " +
      "(allowed up to 5.000×: +25%): REGRESSION",
  );
});

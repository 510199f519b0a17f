import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { buildBaseline, checkRegression } from "./regression.ts";
import { syntheticRun } from "./test_fixtures.ts";

function runs(samAccuracies: number[], samSeconds = 2) {
  return [
    ...[0.80, 0.81, 0.79].map((a, seed) =>
      syntheticRun({ method: "sgd", seed, accuracy: a, seconds: 1 })
    ),
    ...samAccuracies.map((a, seed) =>
      syntheticRun({
        method: "sam",
        seed,
        accuracy: a,
        seconds: samSeconds,
        gradientEvaluations: 200,
      })
    ),
  ];
}

const baseline = buildBaseline(aggregate(runs([0.85, 0.86, 0.84])), {
  preset: "ci",
  commit: "abc",
  machine: "test",
});

Deno.test("an unchanged rerun passes every check", () => {
  const checks = checkRegression(baseline, aggregate(runs([0.85, 0.86, 0.84])));
  assert.equal(checks.length, 2 + 2 * 2); // 2 accuracy entries, 2 ratios for each of 2 methods
  assert.ok(
    checks.every((c) => c.passed),
    checks.filter((c) => !c.passed).map((c) => c.message).join("\n"),
  );
});

Deno.test("a drop within the seed spread passes, a broken optimizer fails with its figures", () => {
  // se of each side is 0.01/sqrt(3) = 0.577 points; k = 4 gives 3.27 points of allowed drop.
  assert.ok(checkRegression(baseline, aggregate(runs([0.83, 0.82, 0.81]))).every((c) => c.passed));
  const broken = checkRegression(baseline, aggregate(runs([0.52, 0.55, 0.50])));
  const failed = broken.filter((c) => !c.passed);
  assert.equal(failed.length, 1);
  assert.equal(failed[0].kind, "accuracy");
  assert.equal(failed[0].where, "fashion-mnist/mlp/clean sam");
  assert.match(failed[0].message, /52\.33% vs baseline 85\.00% .*threshold 78\.75%.*REGRESSION/);
});

Deno.test("a cost ratio more than 10% above the baseline fails", () => {
  assert.ok(
    checkRegression(baseline, aggregate(runs([0.85, 0.86, 0.84], 2.19))).every((c) => c.passed),
  );
  const slow = checkRegression(baseline, aggregate(runs([0.85, 0.86, 0.84], 2.3))).filter((c) =>
    !c.passed
  );
  assert.deepEqual(slow.map((c) => [c.kind, c.where]), [["seconds-ratio", "mlp sam"]]);
  assert.match(slow[0].message, /2\.300× vs baseline 2\.000× \(allowed up to 2\.200×: \+10%\)/);
});

Deno.test("a missing cell fails, a bad baseline is refused", () => {
  const onlySgd = aggregate(runs([]).filter((r) => r.run.method === "sgd"));
  const checks = checkRegression(baseline, onlySgd).filter((c) => !c.passed);
  assert.ok(checks.some((c) => c.kind === "missing" && c.where === "fashion-mnist/mlp/clean sam"));
  assert.throws(
    () => checkRegression(null as never, onlySgd),
    /baseline must be a Baseline object/,
  );
  assert.throws(
    () =>
      checkRegression(
        { ...baseline, rule: { k: -1, floor: 0, costTolerance: 0.1, costK: 2 } },
        onlySgd,
      ),
    /rule\.k must be >= 0, got -1/,
  );
});

Deno.test("the seconds threshold widens by the measured spread of the ratios", () => {
  // SAM's per-run seconds 1.8, 2.0, 2.2 against SGD's 1: ratios with sd 0.2, se 0.2/sqrt(3).
  const noisy = (scale: number) => [
    ...[0.80, 0.81, 0.79].map((a, seed) =>
      syntheticRun({ method: "sgd", seed, accuracy: a, seconds: 1 })
    ),
    ...[0.85, 0.86, 0.84].map((a, seed) =>
      syntheticRun({
        method: "sam",
        seed,
        accuracy: a,
        seconds: scale * (1.8 + 0.2 * seed),
        gradientEvaluations: 200,
      })
    ),
  ];
  const base = buildBaseline(aggregate(noisy(1)), { preset: "ci", commit: null, machine: "test" });
  const se = 0.2 / Math.sqrt(3);
  assert.ok(Math.abs(base.costs.find((c) => c.method === "sam")!.secondsRatioSe! - se) < 1e-12);
  // Scaling SAM's times by 1.25 scales its se too: threshold 2.2 + 2 se sqrt(1 + 1.25²) = 2.570,
  // which the ratio 2.5 passes; at 1.35 the ratio 2.7 exceeds 2.2 + 2 se sqrt(1 + 1.35²) = 2.588.
  const threshold = 2.2 + 2 * se * Math.sqrt(1 + 1.25 ** 2);
  const at = (scale: number) =>
    checkRegression(base, aggregate(noisy(scale))).find((c) =>
      c.kind === "seconds-ratio" && c.where === "mlp sam"
    )!;
  assert.ok(Math.abs(at(1.25).threshold! - threshold) < 1e-12);
  assert.equal(at(1.25).passed, true);
  assert.equal(at(1.35).passed, false);
  assert.match(at(1.35).message, /\+10% \+ 2 × measured SE 0\.194/);
});

Deno.test("with CPU seconds in the baseline, time gates on them and not on the wall clock", () => {
  // Wall-clock and CPU seconds given separately: SGD 1 s wall / 2 s CPU an epoch; SAM's CPU
  // ratio 2.0 in the baseline.
  const cells = (samWall: number, samCpu: number, cpu = true) => [
    ...[0.80, 0.81, 0.79].map((a, seed) =>
      syntheticRun({
        method: "sgd",
        seed,
        accuracy: a,
        seconds: 1,
        ...(cpu ? { cpuSeconds: 2 } : {}),
      })
    ),
    ...[0.85, 0.86, 0.84].map((a, seed) =>
      syntheticRun({
        method: "sam",
        seed,
        accuracy: a,
        seconds: samWall,
        ...(cpu ? { cpuSeconds: samCpu } : {}),
        gradientEvaluations: 200,
      })
    ),
  ];
  const base = buildBaseline(aggregate(cells(2, 4)), { preset: "ci", commit: null, machine: "t" });
  const sam = base.costs.find((c) => c.method === "sam")!;
  assert.equal(sam.cpuSecondsRatio, 2);
  assert.equal(sam.secondsRatio, 2);
  const timeChecks = (wall: number, cpuTime: number, cpu = true) =>
    checkRegression(base, aggregate(cells(wall, cpuTime, cpu))).filter((c) =>
      c.where === "mlp sam" && c.kind !== "gradient-ratio"
    );
  // A busy machine doubles SAM's wall-clock ratio but not its CPU time: passes.
  const busy = timeChecks(4, 4);
  assert.deepEqual(busy.map((c) => [c.kind, c.passed]), [["cpu-seconds-ratio", true]]);
  assert.match(
    busy[0].message,
    /CPU seconds per epoch relative to SGD 2\.000× vs baseline 2\.000×/,
  );
  // A real slowdown shows in CPU time: 2.3× against an allowed 2.2× fails.
  const slow = timeChecks(2, 4.6);
  assert.deepEqual(slow.map((c) => [c.kind, c.passed]), [["cpu-seconds-ratio", false]]);
  assert.match(
    slow[0].message,
    /2\.300× vs baseline 2\.000× \(allowed up to 2\.200×: \+10%\).*REGRESSION/,
  );
  // Runs without CPU times against such a baseline: the check reports them missing, it does not
  // silently pass.
  const none = timeChecks(2, 4, false);
  assert.deepEqual(none.map((c) => [c.kind, c.passed]), [["cpu-seconds-ratio", false]]);
  assert.match(none[0].message, /missing/);
});

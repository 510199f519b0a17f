import assert from "node:assert/strict";
import { join } from "node:path";
import { holmBonferroni, pairedTest } from "../report/stats.ts";
import { syntheticRun } from "../report/test_fixtures.ts";
import type { RunRecord } from "../training/result.ts";
import { tuningRuns } from "./grid.ts";
import { studyParts } from "./presets/study.ts";
import { DEMO_SETTING, README_MARKERS, writeStudyReport } from "./study_report.ts";
import { plantedStudy } from "./study_answers_fixture.ts";

/** A synthetic record whose every epoch records ‖H‖_F = `frobenius` (the final one counts). */
function run(method: string, seed: number, accuracy: number, frobenius: number): RunRecord {
  const r = syntheticRun({ method, seed, accuracy, trace: 1, epochs: 3 });
  return {
    ...r,
    epochs: r.epochs.map((e) => ({ ...e, hessian: { ...e.hessian!, frobenius } })),
  };
}

async function writeRun(dir: string, record: RunRecord) {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, `${record.run.id}.json`), JSON.stringify(record));
}

Deno.test("study:report on a tiny fixture: report files, ‖H‖_F tests recomputable, README section", async () => {
  const root = await Deno.makeTempDir();
  const demo = join(root, "runs", "demo");
  const main = join(root, "runs", "main");
  const sgdF = [300, 320, 310];
  const frobF = [200, 240, 215];
  for (let seed = 0; seed < 3; seed++) {
    await writeRun(demo, run("sgd", seed, 0.87 + 0.001 * seed, sgdF[seed]));
    await writeRun(demo, run("frob-sam", seed, 0.86 + 0.002 * seed, frobF[seed]));
  }
  // The study's own MLP clean cell: SGD and SAM, 2 seeds, plus a tuning run that must not count.
  for (let seed = 0; seed < 2; seed++) {
    await writeRun(main, run("sgd", seed, 0.89, 100));
    await writeRun(main, run("sam", seed, 0.9, 90));
  }
  const tuning = run("sam", 100, 0.99, 1);
  await writeRun(main, {
    ...tuning,
    run: { ...tuning.run, id: "tuning-sam", seed: 100, phase: "tuning", trial: "rho=0.05" },
  });
  // Junk that a scan must tolerate: a half-written temporary file.
  await Deno.writeTextFile(join(main, "x.json.tmp-1"), "{");
  const readme = join(root, "README.md");
  await Deno.writeTextFile(
    readme,
    `# x\n\n## What the study found\n\n${README_MARKERS[0]}\nold text\n${
      README_MARKERS[1]
    }\n\nrest\n`,
  );

  const report = await writeStudyReport(root, { readme });

  assert.equal(report.summary.runs, 10);
  for (const name of ["report.md", "report.json", "report.html"]) {
    assert.ok((await Deno.stat(join(root, name))).isFile, name);
  }
  for (const name of ["demo-frobenius-bands.svg", "demo-accuracy-bands.svg"]) {
    assert.match(await Deno.readTextFile(join(root, "charts", name)), /<svg/);
  }
  const json = JSON.parse(await Deno.readTextFile(join(root, "report.json")));
  const test = json.frobeniusTests.find((
    t: { setting: string; against: string; measure: string },
  ) => t.setting === DEMO_SETTING && t.against === "sgd" && t.measure === "frobenius");
  // Recomputed from the fixture's numbers: Frob-SAM − SGD by seed = −100, −80, −95.
  const expected = pairedTest(frobF, sgdF);
  assert.equal(test.paired.difference, expected.difference);
  assert.deepEqual(test.paired.ci95, expected.ci95);
  assert.equal(test.paired.p, expected.p);
  assert.ok(test.pHolm >= test.paired.p);
  // Test accuracy, paired by seed in the same family: Frob-SAM − SGD = −0.01 + 0.001·seed (mean −0.9 points).
  const accuracy = json.frobeniusTests.find((t: { measure: string; against: string }) =>
    t.measure === "testAccuracy" && t.against === "sgd"
  );
  const expectedAccuracy = pairedTest([0.86, 0.862, 0.864], [0.87, 0.871, 0.872]);
  assert.equal(accuracy.paired.difference, expectedAccuracy.difference);
  assert.deepEqual(accuracy.paired.ci95, expectedAccuracy.ci95);
  // Two tests in the family (‖H‖_F and accuracy against SGD; the demo has no SAM): Holm's
  // smaller p is doubled.
  assert.equal(json.frobeniusTests.length, 2);
  const smaller = Math.min(test.paired.p, accuracy.paired.p);
  const holmOfSmaller = [test, accuracy].find((t) => t.paired.p === smaller).pHolm;
  assert.ok(Math.abs(holmOfSmaller - Math.min(1, 2 * smaller)) < 1e-12);
  assert.equal(json.status.demo.done, 6);
  assert.equal(json.status.tuning.find((t: { model: string }) => t.model === "mlp").done, 1);
  // The study's MLP clean SGD/SAM runs stay apart from the demo's (another setting label).
  const cells = json.cells.map((c: { setting: string }) => c.setting).sort();
  assert.deepEqual(cells, ["clean", DEMO_SETTING].sort());
  const text = await Deno.readTextFile(readme);
  assert.ok(!text.includes("old text"));
  assert.ok(text.includes(`Final ‖H‖_F, Frob-SAM − SGD: ${expected.difference.toPrecision(3)}`));
  assert.match(text, /Final test accuracy, Frob-SAM − SGD: -0\.9 points \(86\.2% vs 87\.1%\)/);
  assert.match(text, /Not yet run/);
  assert.ok(text.endsWith(`${README_MARKERS[1]}\n\nrest\n`));
  assert.match(await Deno.readTextFile(join(root, "report.md")), /## What the study found/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("study:report refuses a README without the markers, naming them", async () => {
  const root = await Deno.makeTempDir();
  const readme = join(root, "README.md");
  await Deno.writeTextFile(readme, "# no markers\n");
  await assert.rejects(
    () => writeStudyReport(root, { readme }),
    /lacks the markers <!-- study:found:begin -->/,
  );
  await assert.rejects(() => writeStudyReport(""), /root must be a folder path, got ""/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("study:report recomputes the tuning selection from the tuning run files", async () => {
  const root = await Deno.makeTempDir();
  const main = join(root, "runs", "main");
  const part = studyParts().find((p) => p.name === "study-mlp-clean")!;
  const runs = tuningRuns(part.grid);
  assert.equal(runs.length, 33);
  // Validation accuracy rises with rho for SAM (so rho=0.1 is selected), peaks inside the space
  // for Det-SAM (rho 1, lambda 1), and is flat elsewhere (the first trial, the smallest values).
  for (const spec of runs) {
    const rho = spec.flags.rho ?? 0;
    const accuracy = spec.method === "sam"
      ? 0.8 + rho
      : spec.method === "det-sam" && rho === 1 && spec.flags.lambda === 1
      ? 0.81
      : 0.8;
    const r = syntheticRun({
      method: spec.method,
      seed: spec.seed,
      accuracy,
      validationAccuracy: accuracy,
    });
    await writeRun(main, {
      ...r,
      run: { ...r.run, id: spec.id, phase: "tuning", trial: spec.trial, setting: "clean" },
    });
  }
  // Without the last tuning run, there is no selection; with it, there is.
  const missing = join(main, `${runs[32].id}.json`);
  const kept = await Deno.readTextFile(missing);
  await Deno.remove(missing);
  assert.equal((await writeStudyReport(root, { readme: null })).tuning, null);
  await Deno.writeTextFile(missing, kept);
  const report = await writeStudyReport(root, { readme: null });
  const sam = report.tuning!.cells.find((c) => c.method === "sam")!;
  assert.equal(sam.selected.trial, "rho=0.1");
  assert.equal(report.tuning!.cost.runs, 33);
  assert.equal(report.status.tuning.find((t) => t.model === "mlp")!.done, 33);
  assert.equal(report.summary.runs, 0);
  const md = await Deno.readTextFile(join(root, "report.md"));
  assert.match(md, /## Tuning/);
  // Edges: SAM at its largest rho, the flat ones at their smallest values, Det-SAM inside.
  const edge = (method: string) => report.tuningEdges.find((e) => e.method === method)!;
  assert.deepEqual(edge("sam").edges, [{ parameter: "rho", value: 0.1, side: "largest" }]);
  assert.deepEqual(edge("det-sam").edges, []);
  assert.equal(edge("frob-sam").allAtEdge, true);
  assert.match(md, /4 of 5 selections sit at an edge of their search space \(mlp: 4 of 5\)/);
  // Every lead is under two standard errors: SAM's 5 points against 2 · 3, Det-SAM's 1 against
  // 2 · 3.9, the flat methods' 0.
  assert.match(md, /5 of 5 selections lead by less than two standard errors of one score/);
  assert.match(md, /\| fashion-mnist\/mlp\/clean \| det-sam \| lambda=1,rho=1 \| no \|/);
  // SAM leads by 5 points (0.9 − 0.85) on 100 validation images: se sqrt(0.9 · 0.1 / 100) = 3 points.
  assert.ok(Math.abs(edge("sam").gapToRunnerUp! - 0.05) < 1e-12);
  assert.ok(Math.abs(edge("sam").standardError! - 0.03) < 1e-12);
  assert.match(
    md,
    /\| sam \| rho=0\.1 \| rho at its largest \(0\.1\) \| 5\.00 \| 3\.00 \| 1\.7 \|/,
  );
  const json = JSON.parse(await Deno.readTextFile(join(root, "report.json")));
  assert.deepEqual(json.tuningEdges, JSON.parse(JSON.stringify(report.tuningEdges)));
  await Deno.remove(root, { recursive: true });
});

Deno.test("study:report answers the five questions from a complete planted cell, recomputable from the run files", async () => {
  const root = await Deno.makeTempDir();
  const main = join(root, "runs", "main");
  const planted = plantedStudy();
  for (const r of planted) await writeRun(main, r);
  const readme = join(root, "README.md");
  await Deno.writeTextFile(readme, `# x\n\n${README_MARKERS[0]}\n${README_MARKERS[1]}\n`);
  const report = await writeStudyReport(root, { readme });
  assert.equal(report.answers.complete.length, 3);
  const json = JSON.parse(await Deno.readTextFile(join(root, "report.json")));
  // Recompute every test of the family from the run files on disk, then Holm over all of them.
  const scanned: RunRecord[] = [];
  for await (const entry of Deno.readDir(main)) {
    scanned.push(JSON.parse(await Deno.readTextFile(join(main, entry.name))));
  }
  const final = (r: RunRecord, measure: string) =>
    measure === "frobenius"
      ? r.epochs[r.epochs.length - 1].hessian!.frobenius!
      : r.final!.testAccuracy;
  const values = (setting: string, method: string, measure: string) =>
    [0, 1, 2, 3, 4].map((seed) =>
      final(
        scanned.find((r) =>
          r.run.setting === setting && r.run.method === method && r.run.seed === seed
        )!,
        measure,
      )
    );
  const tests = json.answers.tests as {
    setting: string;
    measure: string;
    method: string;
    against: string;
    paired: { difference: number; ci95: number[]; p: number };
    pHolm: number;
  }[];
  assert.equal(tests.length, 36);
  const recomputed = tests.map((t) =>
    pairedTest(values(t.setting, t.method, t.measure), values(t.setting, t.against, t.measure))
  );
  const holm = holmBonferroni(recomputed.map((r) => r.p));
  tests.forEach((t, k) => {
    assert.equal(t.paired.difference, recomputed[k].difference);
    assert.deepEqual(t.paired.ci95, recomputed[k].ci95);
    assert.equal(t.pHolm, holm[k]);
  });
  assert.equal(json.answers.family, report.answers.family);
  const text = await Deno.readTextFile(readme);
  assert.match(text, /\*\*1\. Does Frob-SAM lower ‖H‖_F relative to SGD and to SAM/);
  assert.match(
    text,
    /- mlp, clean: Frob-SAM's final ‖H‖_F is significantly lower than SGD's: -10\.0/,
  );
  assert.match(text, /no method is significantly better than the runner-up \(frob-sam\)/);
  assert.match(text, /\| mlp\s+\| 1\s+\| sam\s+\| 90\.00 ± /);
  assert.match(
    text,
    /No answer for cnn, resnet: none of their final runs exist \(PLAN\.md says which models/,
  );
  assert.match(text, /the complete cells contradict the paper for mlp, clean det-sam/);
  // The machine the seconds came from, read from the runs' environment records.
  assert.match(text, /shared 2-core machine with other jobs running \(test\)/);
  const md = await Deno.readTextFile(join(root, "report.md"));
  assert.match(md, /## The answers' tests \(one Holm–Bonferroni family\)/);
  assert.match(md, /36 tests, paired by seed on seeds 0, 1, 2, 3, 4/);
  // report.html shows the answers' cost table as a table and the answers as list items.
  const html = await Deno.readTextFile(join(root, "report.html"));
  assert.match(html, /<table data-table="found-\d+"><thead><tr><th[^>]*>model<\/th>/);
  assert.match(html, /<li>mlp, clean: Frob-SAM&#39;s final ‖H‖_F is significantly lower/);
  await Deno.remove(root, { recursive: true });
});

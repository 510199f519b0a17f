/**
 * The study's publication, regenerated from the committed run files by `deno task study:report`:
 * `results/study/report.{md,json,html}` and `charts/` (the comparison report of `src/report` over
 * the final runs of `runs/main` and `runs/demo`), plus what the comparison report does not hold:
 * the demo's paired tests of Frob-SAM against SGD (final ‖H‖_F and test accuracy, by seed,
 * Holm-corrected over their own family of two), the demo's ‖H‖_F and test accuracy per epoch with
 * 95% bands, the answers to the issue's five questions from the study's complete cells
 * (`study_answers.ts`, one Holm family of their own), the tuning's edge and noise check, how much of
 * the plan has run, and the README section "What the study found", which states only what the runs
 * show. Tuning runs never enter a table: only the fresh final seeds count.
 *
 * The demo runs (lr 0.001 constant) share the cell `fashion-mnist/mlp/clean` with the study's MLP
 * runs (lr 0.05 cosine), so they are reported under their own setting, {@link DEMO_SETTING}.
 *
 * @module
 */
import { join } from "node:path";
import { aggregate, type ComparisonSummary, type EpochBand } from "../report/aggregate.ts";
import { renderSvg, type VegaLiteSpec } from "../report/charts.ts";
import type { Block } from "../report/document.ts";
import { scanResults, writeJsonAtomic, writeTextAtomic } from "../report/results_dir.ts";
import { holmBonferroni, summarize } from "../report/stats.ts";
import { writeReport } from "../report/write_report.ts";
import type { RunRecord } from "../training/result.ts";
import { studyDemoGrid, studyGrid, studyParts } from "./presets/study.ts";
import { type GridDeclaration, optimizerForModel, trialsOf, tuningRuns } from "./grid.ts";
import { earlyStoppingRows } from "./early_stopping.ts";
import { selectTrials, type TuningSummary } from "./tuning.ts";
import { tuningMarkdown } from "./tuning_markdown.ts";
import {
  type AnswerMeasure,
  type AnswerTest,
  answerTest,
  effectText,
  type StudyAnswers,
  studyAnswers,
} from "./study_answers.ts";
import { answersMarkdown } from "./study_answers_markdown.ts";
import { type TuningEdge, tuningEdges, tuningEdgesMarkdown } from "./tuning_edges.ts";
import type { StudyTiming } from "./study_plan.ts";

/** The setting label of the demo's runs in the study report. */
export const DEMO_SETTING = "demo-lr0.001-constant";

/** The README markers between which {@link writeStudyReport} writes "What the study found". */
export const README_MARKERS = ["<!-- study:found:begin -->", "<!-- study:found:end -->"] as const;

/** What a Frob-SAM test compares: the final ‖H‖_F or the final test accuracy. */
export type TestedMeasure = AnswerMeasure;

/**
 * A paired test of Frob-SAM against SGD or SAM in one cell (the demo's, in its own family): the
 * answers' one schema of a paired test.
 */
export type FrobeniusTest = AnswerTest;

/** Runs done per part of the study's grid. */
export interface StudyStatus {
  demo: { done: number; expected: number };
  tuning: { model: string; done: number; expected: number }[];
  finals: { model: string; setting: string; done: number; expected: number }[];
}

/** The plan's training seconds per epoch against the finished runs' (to resize the plan). */
export interface TimingCheck {
  model: string;
  method: string;
  runs: number;
  /** Median over runs of each run's median training seconds per epoch. */
  measuredSecondsPerEpoch: number;
  /** From `timing.json`: training seconds per image × the run's training images; null without. */
  estimatedSecondsPerEpoch: number | null;
}

const middle = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const k = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[k] : (sorted[k - 1] + sorted[k]) / 2;
};

/**
 * Measured against planned training seconds per epoch, per model and method, over the finished
 * final runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timingCheck } from "./study_report.ts";
 * const rec = { status: "completed", run: { model: "mlp", method: "sgd" }, counts: { train: 1000 },
 *   epochs: [{ seconds: 2 }, { seconds: 4 }, { seconds: 3 }] };
 * const timing = { models: { mlp: { trainSecondsPerImage: { sgd: 0.002 } } } };
 * const [row] = timingCheck([rec] as never, timing as never);
 * assert.equal(row.measuredSecondsPerEpoch, 3);
 * assert.equal(row.estimatedSecondsPerEpoch, 2);
 * ```
 */
export function timingCheck(
  records: readonly RunRecord[],
  timing: StudyTiming | null,
): TimingCheck[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    if (r.status !== "completed" || r.epochs.length === 0) continue;
    const key = `${r.run.model}\u0000${r.run.method}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].map(([key, group]) => {
    const [model, method] = key.split("\u0000");
    const perImage = timing?.models[model]?.trainSecondsPerImage[method];
    const train = group[0].counts?.train;
    return {
      model,
      method,
      runs: group.length,
      measuredSecondsPerEpoch: middle(group.map((r) => middle(r.epochs.map((e) => e.seconds)))),
      estimatedSecondsPerEpoch: perImage !== undefined && train !== undefined
        ? perImage * train
        : null,
    };
  });
}

/** What {@link writeStudyReport} wrote and computed. */
export interface StudyReport {
  summary: ComparisonSummary;
  /** The demo's paired tests of Frob-SAM against SGD (their own Holm family). */
  frobenius: FrobeniusTest[];
  /** The answers to the issue's five questions, from the study's complete cells. */
  answers: StudyAnswers;
  /** The edge and noise check of every tuning selection. */
  tuningEdges: TuningEdge[];
  status: StudyStatus;
  /** The selection of each model whose tuning runs are all there, recomputed from them. */
  tuning: TuningSummary | null;
  timing: TimingCheck[];
  /** The README section (Markdown, without the markers). */
  found: string;
  paths: string[];
}

function finalFrobenius(record: RunRecord): number | null {
  for (let k = record.epochs.length - 1; k >= 0; k--) {
    const v = record.epochs[k].hessian?.frobenius;
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return null;
}

/**
 * The paired tests of Frob-SAM: in each cell, against SGD and against SAM, of the final ‖H‖_F and
 * of the final test accuracy, on the seeds both completed (two or more, so a partly run cell is
 * still paired), Holm-corrected over all of them as one family.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frobeniusTests } from "./study_report.ts";
 * const rec = (method: string, seed: number, f: number) => ({ status: "completed", run: { dataset: "d",
 *   model: "mlp", setting: "clean", method, seed }, epochs: [{ epoch: 1, hessian: { frobenius: f } }] });
 * const records = [rec("sgd", 0, 10), rec("sgd", 1, 12), rec("frob-sam", 0, 5), rec("frob-sam", 1, 8)];
 * const [test] = frobeniusTests(records as never);
 * assert.equal(test.paired.difference, -4.5);
 * assert.equal(test.seeds.length, 2);
 * ```
 */
export function frobeniusTests(records: readonly RunRecord[], alpha = 0.05): FrobeniusTest[] {
  const tests: FrobeniusTest[] = [];
  for (const measure of ["frobenius", "testAccuracy"] as const) {
    tests.push(...measureTests(records, measure));
  }
  const adjusted = holmBonferroni(tests.map((t) => t.paired.p));
  return tests.map((t, k) => ({
    ...t,
    pHolm: adjusted[k],
    significant: adjusted[k] !== null && adjusted[k]! < alpha,
  }));
}

function measureTests(records: readonly RunRecord[], measure: TestedMeasure): FrobeniusTest[] {
  const byCell = new Map<string, Map<string, Map<number, number>>>();
  for (const r of records) {
    if (r.status !== "completed" || r.run.phase === "tuning") continue;
    const f = measure === "frobenius" ? finalFrobenius(r) : r.final?.testAccuracy ?? null;
    if (f === null) continue;
    const cell = `${r.run.dataset}\u0000${r.run.model}\u0000${r.run.setting}`;
    const methods = byCell.get(cell) ?? new Map();
    const seeds = methods.get(r.run.method) ?? new Map();
    seeds.set(r.run.seed, f);
    methods.set(r.run.method, seeds);
    byCell.set(cell, methods);
  }
  const tests: FrobeniusTest[] = [];
  for (const [cell, methods] of byCell) {
    const [dataset, model, setting] = cell.split("\u0000");
    const frob = methods.get("frob-sam");
    if (!frob) continue;
    for (const against of ["sgd", "sam"]) {
      const other = methods.get(against);
      if (!other) continue;
      const seeds = [...frob.keys()].filter((s) => other.has(s)).sort((a, b) => a - b);
      if (seeds.length < 2) continue;
      tests.push(answerTest(
        { dataset, model, setting },
        measure,
        "frob-sam",
        against,
        seeds,
        seeds.map((s) => frob.get(s)!),
        seeds.map((s) => other.get(s)!),
      ));
    }
  }
  return tests;
}

/** Per-epoch mean ± 95% t interval of a per-epoch value over runs. */
function bands(records: readonly RunRecord[], pick: (e: RunRecord["epochs"][number]) => unknown) {
  const byEpoch = new Map<number, number[]>();
  for (const r of records) {
    for (const e of r.epochs) {
      const v = pick(e);
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), v]);
    }
  }
  return [...byEpoch.entries()].sort(([a], [b]) => a - b).map(([epoch, values]): EpochBand => {
    const s = summarize(values);
    return { epoch, n: s.n, mean: s.mean, low: s.ci95?.[0] ?? s.mean, high: s.ci95?.[1] ?? s.mean };
  });
}

/**
 * A vega-lite chart of per-epoch bands (area: 95% interval, line: mean) per method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bandChartSpec } from "./study_report.ts";
 * const spec = bandChartSpec("demo: ‖H‖_F", [{ method: "sgd", epoch: 1, n: 2, mean: 1, low: 0.5, high: 1.5 }], "‖H‖_F");
 * assert.equal((spec.layer as unknown[]).length, 2);
 * ```
 */
export function bandChartSpec(
  title: string,
  rows: readonly (EpochBand & { method: string })[],
  axis: string,
): VegaLiteSpec {
  const x = { field: "epoch", type: "quantitative", title: "epoch" };
  const color = { field: "method", type: "nominal" };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 420,
    height: 260,
    data: { values: rows.map((r) => ({ ...r })) },
    layer: [
      {
        mark: { type: "area", opacity: 0.25 },
        encoding: {
          x,
          y: { field: "low", type: "quantitative", title: axis, scale: { zero: false } },
          y2: { field: "high" },
          color,
        },
      },
      {
        mark: { type: "line", point: true },
        encoding: { x, y: { field: "mean", type: "quantitative" }, color },
      },
    ],
  };
}

/**
 * The tuning selection, recomputed from the tuning run files, for every model whose tuning runs
 * are all there (null when none is complete).
 */
function studyTuning(tuning: readonly RunRecord[]): TuningSummary | null {
  const cells: TuningSummary["cells"] = [];
  const cost = { runs: 0, seconds: 0, gradientEvaluations: 0 };
  let last: TuningSummary | null = null;
  const ids = new Set(tuning.map((r) => r.run.id));
  for (const part of studyParts().filter((p) => p.grid.settings[0].name === "clean")) {
    const runs = tuningRuns(part.grid);
    if (!runs.every((r) => ids.has(r.id))) continue;
    const selected = selectTrials(part.grid, runs, tuning).summary;
    cells.push(...selected.cells);
    cost.runs += selected.cost.runs;
    cost.seconds += selected.cost.seconds;
    cost.gradientEvaluations += selected.cost.gradientEvaluations;
    last = selected;
  }
  return last === null ? null : { ...last, cells, cost };
}

/** How many runs of each part of the plan have a result. */
function studyStatus(finals: readonly RunRecord[], tuning: readonly RunRecord[]): StudyStatus {
  const study = studyGrid();
  const demo = studyDemoGrid();
  const trials = (model: GridDeclaration["models"][number]) =>
    study.optimizers.map((o) => optimizerForModel(o, model)).reduce(
      (s, o) => s + (o.search ? trialsOf(o.search).length : 0),
      0,
    );
  const perCell = study.optimizers.length * study.seeds.length;
  return {
    demo: {
      done: finals.filter((r) => r.run.setting === DEMO_SETTING).length,
      expected: demo.optimizers.length * demo.seeds.length,
    },
    tuning: study.models.map((model) => ({
      model,
      done: tuning.filter((r) => r.run.model === model).length,
      expected: trials(model) * study.tuning!.seeds.length,
    })),
    finals: study.models.flatMap((model) =>
      study.settings.map((s) => ({
        model,
        setting: s.name,
        done: finals.filter((r) => r.run.model === model && r.run.setting === s.name).length,
        expected: perCell,
      }))
    ),
  };
}

const pct = (v: number) => `${(100 * v).toFixed(1)}`;
const pText = (p: number | null) => (p === null ? "n/a" : p < 1e-4 ? "< 0.0001" : p.toFixed(4));

/**
 * The README section: only what the completed final runs show (effect, 95% interval, corrected
 * p), and plainly what has not run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foundMarkdown } from "./study_report.ts";
 * const status = { demo: { done: 0, expected: 10 }, tuning: [], finals: [] };
 * const text = foundMarkdown({ comparisons: [], cells: [] } as never, [], status);
 * assert.match(text, /No run of the study has finished yet/);
 * ```
 */
export function foundMarkdown(
  summary: ComparisonSummary,
  frobenius: readonly FrobeniusTest[],
  status: StudyStatus,
  answers?: StudyAnswers,
): string {
  const lines: string[] = [];
  const done = status.demo.done + status.finals.reduce((s, f) => s + f.done, 0);
  lines.push(
    "Regenerated from the committed run files in `results/study/runs/` by `deno task study:report` " +
      "(full report: `results/study/report.md`, plan: `results/study/PLAN.md`). Only fresh final " +
      "seeds count; numbers from tuning never appear here. Means carry 95% t intervals over seeds, " +
      "differences 95% paired t intervals on the seeds both methods finished. Corrected p " +
      "(Holm–Bonferroni), three families: the demo's two tests (‖H‖_F and test accuracy, " +
      "Frob-SAM against SGD); the answers' tests (stated with the answers); and the headline " +
      "table's, which uses the report's own family (every comparison of `report.md`).",
    "",
  );
  if (done === 0) {
    lines.push(
      "No run of the study has finished yet, so there are no findings. The plan " +
        "(`results/study/PLAN.md`) lists the parts and their commands, starting with the demo:",
      "",
      "```sh",
      "nice -n 10 deno task compare --preset study-demo --out results/study/runs/demo --backend auto --no-report",
      "deno task study:report",
      "```",
      "",
    );
  }
  if (status.demo.done > 0) {
    lines.push(
      `**The authors' MNIST demonstration on Fashion-MNIST** (MLP, Frob-SAM rho 0.01, lambda 0.005 ` +
        `against SGD, lr 0.001 constant, 20 epochs; ${status.demo.done} of ${status.demo.expected} ` +
        "runs finished):",
      "",
    );
    const demoCell = summary.cells.find((c) => c.setting === DEMO_SETTING);
    for (const t of frobenius.filter((f) => f.setting === DEMO_SETTING)) {
      const ci = t.paired.ci95;
      if (t.measure === "frobenius") {
        lines.push(
          `- Final ‖H‖_F, Frob-SAM − ${t.against.toUpperCase()}: ${
            t.paired.difference.toPrecision(3)
          } (${t.meanMethod.toPrecision(3)} vs ${t.meanAgainst.toPrecision(3)}, ${
            (100 * t.relativeDifference).toFixed(0)
          }%), 95% interval [${ci ? ci.map((v) => v.toPrecision(3)).join(", ") : "n/a"}], ` +
            `corrected p ${pText(t.pHolm)}, ${t.seeds.length} paired seeds.`,
        );
      } else {
        lines.push(
          `- Final test accuracy, Frob-SAM − ${t.against.toUpperCase()}: ${
            pct(t.paired.difference)
          } points (${pct(t.meanMethod)}% vs ${pct(t.meanAgainst)}%), 95% interval [${
            ci ? ci.map(pct).join(", ") : "n/a"
          }], corrected p ${pText(t.pHolm)}, ${t.seeds.length} paired seeds.`,
        );
      }
    }
    if (demoCell) {
      for (const m of demoCell.methods) {
        if (m.accuracy) {
          lines.push(
            `- ${m.method}: test accuracy ${pct(m.accuracy.mean)}% ± ${
              m.accuracy.ci95HalfWidth === null ? "n/a" : pct(m.accuracy.ci95HalfWidth)
            }${
              m.hessian.frobenius
                ? `, final ‖H‖_F ${m.hessian.frobenius.mean.toPrecision(3)} ± ${
                  m.hessian.frobenius.ci95HalfWidth?.toPrecision(3) ?? "n/a"
                }`
                : ""
            } over ${m.seeds.length} seed${m.seeds.length === 1 ? "" : "s"}.`,
          );
        }
      }
    }
    lines.push(
      "",
      "Charts: `results/study/charts/demo-frobenius-bands.svg`, `demo-accuracy-bands.svg`.",
      "",
    );
  }
  const cells = summary.cells.filter((c) => c.setting !== DEMO_SETTING);
  if (answers) {
    const demoH = frobenius.find((t) =>
      t.setting === DEMO_SETTING && t.measure === "frobenius" && t.against === "sgd"
    );
    const demoSentence = demoH
      ? `the authors' demonstration (MLP, lr 0.001 constant): final ‖H‖_F Frob-SAM − SGD ${
        demoH.paired.difference.toPrecision(3)
      } (${(100 * demoH.relativeDifference).toFixed(0)}%) [${
        demoH.paired.ci95?.map((v) => v.toPrecision(3)).join(", ") ?? "n/a"
      }], corrected p ${pText(demoH.pHolm)} (the demo's family): **${
        demoH.pHolm !== null && demoH.pHolm < 0.05
          ? demoH.paired.difference < 0 ? "consistent" : "contradicted"
          : "not shown"
      }** against SGD (the demo has no SAM).`
      : undefined;
    const machines = [
      ...new Set(
        (summary.environments ?? []).map((e) => e.machine).filter((m): m is string =>
          typeof m === "string"
        ),
      ),
    ];
    lines.push(answersMarkdown(answers, { demoFrobenius: demoSentence, machines }));
  }
  if (cells.length > 0) {
    const partial = cells.some((c) =>
      c.methods.length < 7 || c.methods.some((m) => m.seeds.length < 5)
    );
    lines.push(
      "**Headline table: the study's cells with finished final runs**" +
        (partial
          ? " (partial: in a cell that is not complete, some methods have fewer than 5 seeds or " +
            "none yet, so its figures are preliminary, not findings)"
          : "") +
        ". Its p (Holm) is the report's own family (every comparison of `report.md`); the " +
        "answers above use theirs.",
      "",
    );
    lines.push(
      "| model | setting | method | seeds | test accuracy % | vs SAM (points, 95% CI) | p (Holm) |",
    );
    lines.push("| --- | --- | --- | ---: | ---: | --- | ---: |");
    for (const c of cells) {
      for (const m of c.methods) {
        const vs = summary.comparisons.find((t) =>
          t.model === c.model && t.setting === c.setting && t.method === m.method &&
          t.against === "sam"
        );
        lines.push(
          `| ${c.model} | ${c.setting} | ${m.method} | ${m.seeds.length} | ${
            m.accuracy ? pct(m.accuracy.mean) : "n/a"
          } | ${
            vs ? `${pct(vs.difference)} ${vs.ci95 ? `[${vs.ci95.map(pct).join(", ")}]` : ""}` : ""
          } | ${vs ? pText(vs.pHolm) : ""} |`,
        );
      }
    }
    lines.push("");
  }
  const missing = [
    ...status.tuning.filter((t) => t.done < t.expected).map((t) =>
      `${t.model} tuning (${t.done}/${t.expected} runs)`
    ),
    ...status.finals.filter((f) => f.done < f.expected).map((f) =>
      `${f.model} ${f.setting} finals (${f.done}/${f.expected})`
    ),
    ...(status.demo.done < status.demo.expected
      ? [`the demo (${status.demo.done}/${status.demo.expected})`]
      : []),
  ];
  if (missing.length > 0) {
    lines.push(
      `**Not yet run** (the answers above say which questions this leaves open): ${
        missing.join("; ")
      }. ResNet-18 is cut from the plan on this machine (PLAN.md).`,
      "",
    );
  }
  return lines.join("\n");
}

/**
 * The README section's Markdown as report blocks, so that report.html shows its pipe tables as
 * tables and its bullet lists as lists (a nested item keeps its place, after its parent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foundBlocks } from "./study_report.ts";
 * const blocks = foundBlocks("Intro.\n\n| a | b |\n| --- | ---: |\n| 1 | 2 |\n\n- x\n  - y");
 * assert.deepEqual(blocks.map((b) => b.kind), ["paragraph", "table", "list"]);
 * assert.deepEqual((blocks[1] as { rows: string[][] }).rows, [["1", "2"]]);
 * assert.deepEqual((blocks[2] as { items: string[] }).items, ["x", "y"]);
 * ```
 */
export function foundBlocks(found: string): Block[] {
  const cells = (line: string) =>
    line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|")
      .map((c) => c.trim());
  return found.split("\n\n").filter((t) => t.trim() !== "").map((chunk, k): Block => {
    const lines = chunk.trim().split("\n");
    if (lines.length >= 2 && lines.every((l) => l.trim().startsWith("|"))) {
      return {
        kind: "table",
        name: `found-${k}`,
        header: cells(lines[0]),
        rows: lines.slice(2).map(cells),
      };
    }
    if (lines.every((l) => /^\s*- /.test(l))) {
      return { kind: "list", items: lines.map((l) => l.replace(/^\s*- /, "")) };
    }
    return { kind: "paragraph", text: chunk };
  });
}

/**
 * Reads the run files under `<root>/runs/{main,demo}` and writes the study's report into `root`,
 * and the "What the study found" section into `readme` between {@link README_MARKERS} (when
 * given and the markers are there).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeStudyReport } from "./study_report.ts";
 * const root = await Deno.makeTempDir();
 * const report = await writeStudyReport(root, { readme: null });
 * assert.equal(report.summary.runs, 0);
 * assert.match(await Deno.readTextFile(`${root}/report.md`), /No run of the study has finished yet/);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function writeStudyReport(
  root: string,
  options: { readme?: string | null } = {},
): Promise<StudyReport> {
  if (typeof root !== "string" || root === "") {
    throw new TypeError(
      `writeStudyReport: root must be a folder path, got ${JSON.stringify(root)}`,
    );
  }
  const scan = await scanResults([join(root, "runs", "main"), join(root, "runs", "demo")]);
  const demoDir = join(root, "runs", "demo");
  const all = scan.runs.map(({ path, record }) =>
    path.startsWith(demoDir) ? { ...record, run: { ...record.run, setting: DEMO_SETTING } } : record
  );
  const tuning = all.filter((r) => r.run.phase === "tuning");
  const finals = all.filter((r) => r.run.phase !== "tuning");
  // The demo's tests are a family of their own; the study's cells are answered in studyAnswers.
  const frobenius = frobeniusTests(finals.filter((r) => r.run.setting === DEMO_SETTING));
  const answers = studyAnswers(finals.filter((r) => r.run.setting !== DEMO_SETTING), studyGrid());
  const status = studyStatus(finals, tuning);
  const summary = aggregate(finals);
  const found = foundMarkdown(summary, frobenius, status, answers);
  const sections: Block[] = [
    { kind: "heading", level: 2, text: "What the study found" },
    ...foundBlocks(found),
    {
      kind: "heading",
      level: 2,
      text: "The demo: Frob-SAM against SGD, final ‖H‖_F and test accuracy, paired by seed",
    },
    {
      kind: "table",
      name: "frobenius",
      header: [
        "measure",
        "model",
        "setting",
        "against",
        "seeds",
        "Frob-SAM",
        "other",
        "difference",
        "95% CI",
        "p",
        "p (Holm)",
      ],
      rows: frobenius.map((t) => [
        t.measure,
        t.model,
        t.setting,
        t.against,
        String(t.seeds.length),
        t.meanMethod.toPrecision(4),
        t.meanAgainst.toPrecision(4),
        t.paired.difference.toPrecision(4),
        t.paired.ci95 ? t.paired.ci95.map((v) => v.toPrecision(4)).join(" to ") : "n/a",
        pText(t.paired.p),
        pText(t.pHolm),
      ]),
    },
  ];
  sections.push(
    { kind: "heading", level: 2, text: "The answers' tests (one Holm–Bonferroni family)" },
    {
      kind: "paragraph",
      text: `The family: ${answers.family}; ${answers.tests.length} tests, paired by seed on ` +
        `seeds ${answers.seeds.join(", ")}. Test accuracy differences in points, ‖H‖_F in its ` +
        "own units (relative difference in parentheses).",
    },
    {
      kind: "table",
      name: "answers",
      header: ["model", "setting", "measure", "method", "against", "effect (95% CI, corrected p)"],
      rows: answers.tests.map((t) => [
        t.model,
        t.setting,
        t.measure,
        t.method,
        t.against,
        effectText(t),
      ]),
    },
  );
  let plannedTiming: StudyTiming | null = null;
  try {
    plannedTiming = JSON.parse(await Deno.readTextFile(join(root, "timing.json")));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const timing = timingCheck(finals, plannedTiming);
  sections.push(
    { kind: "heading", level: 2, text: "Plan check: training seconds per epoch" },
    {
      kind: "paragraph",
      text: "Median training seconds per epoch of the finished final runs against PLAN.md's " +
        "estimate (timing.json, without the margin). Resize the plan when they part.",
    },
    {
      kind: "table",
      name: "timing",
      header: ["model", "method", "runs", "measured s", "planned s"],
      rows: timing.map((t) => [
        t.model,
        t.method,
        String(t.runs),
        t.measuredSecondsPerEpoch.toFixed(1),
        t.estimatedSecondsPerEpoch === null ? "n/a" : t.estimatedSecondsPerEpoch.toFixed(1),
      ]),
    },
  );
  const written = await writeReport(finals, root, { title: "The study", sections });
  const paths = [written.markdownPath, written.jsonPath, written.htmlPath, ...written.chartPaths];
  const demo = finals.filter((r) => r.run.setting === DEMO_SETTING);
  if (demo.length > 0) {
    const methods = [...new Set(demo.map((r) => r.run.method))];
    const rows = (pick: (e: RunRecord["epochs"][number]) => unknown) =>
      methods.flatMap((method) =>
        bands(demo.filter((r) => r.run.method === method && r.status === "completed"), pick)
          .map((b) => ({ ...b, method }))
      );
    for (
      const [name, title, axis, pick] of [
        [
          "demo-frobenius-bands.svg",
          "demo: ‖H‖_F per epoch (mean, 95% band)",
          "‖H‖_F",
          (e) => e.hessian?.frobenius,
        ],
        [
          "demo-accuracy-bands.svg",
          "demo: test accuracy per epoch (mean, 95% band)",
          "test accuracy",
          (e) => e.testAccuracy,
        ],
      ] as [string, string, string, (e: RunRecord["epochs"][number]) => unknown][]
    ) {
      const spec = bandChartSpec(title, rows(pick), axis);
      const path = join(root, "charts", name);
      await writeTextAtomic(path, await renderSvg(spec));
      await writeJsonAtomic(path.replace(/\.svg$/, ".vl.json"), spec);
      paths.push(path);
    }
  }
  const tuningSummary = studyTuning(tuning);
  const validationImages = new Map<string, number>();
  for (const r of tuning) {
    if (r.counts && !validationImages.has(r.run.model)) {
      validationImages.set(r.run.model, r.counts.validation);
    }
  }
  const edges = tuningSummary ? tuningEdges(tuningSummary, validationImages) : [];
  // The edge and noise check goes right after the tuning table, before early stopping.
  const tuningTables = tuningMarkdown(tuningSummary, earlyStoppingRows(finals));
  const edgeText = tuningEdgesMarkdown(edges);
  const split = tuningTables.indexOf("## Early stopping");
  const tuningText = edgeText === ""
    ? tuningTables
    : split < 0
    ? `${tuningTables}\n${edgeText}`
    : `${tuningTables.slice(0, split)}${edgeText}\n${tuningTables.slice(split)}`;
  if (tuningText !== "") {
    const markdown = await Deno.readTextFile(written.markdownPath);
    await writeTextAtomic(written.markdownPath, `${markdown.trimEnd()}\n\n${tuningText}`);
  }
  // report.json: the comparison summary plus the ‖H‖_F tests, the tuning selection and the
  // plan's status, all recomputable from the run files.
  await writeJsonAtomic(written.jsonPath, {
    ...summary,
    frobeniusTests: frobenius,
    answers,
    tuning: tuningSummary,
    tuningEdges: edges,
    timing,
    status,
  });
  if (options.readme) {
    const text = await Deno.readTextFile(options.readme);
    const [begin, end] = README_MARKERS;
    const a = text.indexOf(begin);
    const b = text.indexOf(end);
    if (a < 0 || b < a) {
      throw new RangeError(
        `writeStudyReport: readme ${options.readme} lacks the markers ${begin} ... ${end}`,
      );
    }
    await writeTextAtomic(
      options.readme,
      `${text.slice(0, a + begin.length)}\n${found.trimEnd()}\n${text.slice(b)}`,
    );
    paths.push(options.readme);
  }
  return {
    summary,
    frobenius,
    answers,
    tuningEdges: edges,
    status,
    tuning: tuningSummary,
    timing,
    found,
    paths,
  };
}

/**
 * The report's content once, as a list of blocks (headings, paragraphs, tables, lists), so that
 * the Markdown and the HTML report say the same thing: the headline table (mean test accuracy ±
 * 95% CI half width per cell and method, best in bold, † only when the Holm-corrected test against
 * the runner-up is significant), per cell the tests against SGD and SAM (paired by seed when the
 * seeds match, Welch as the unpaired check, Holm-adjusted p beside the raw p), the whole family of
 * comparisons, the Hessian measures at the end of training, and the cost relative to SGD.
 *
 * Inline text may hold `**bold**` and `` `code` ``, the subset both renderers understand.
 *
 * @module
 */
import type { CellSummary, ComparisonSummary, HessianMeasure, MethodSummary } from "./aggregate.ts";
import type { PairedResult, WelchResult } from "./stats.ts";

/** A table: header cells and rows of cells (inline text). */
export interface TableBlock {
  kind: "table";
  /** What the table holds, for the HTML's `data-table` attribute and tests. */
  name: string;
  header: string[];
  rows: string[][];
}

/** One block of the report. */
export type Block =
  | { kind: "heading"; level: 1 | 2 | 3; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "list"; items: string[] }
  | TableBlock;

/**
 * The line under a cell's heading that says which tests it has: paired by seed, unpaired only, or
 * none (fewer than two methods with results, or one seed each: nothing a test can use).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cellTestsLine } from "./document.ts";
 * const two = { accuracies: [0.9, 0.8], seeds: [0, 1] };
 * const one = { accuracies: [0.7], seeds: [1] };
 * const line = (pairedSeeds: boolean, methods: object[]) =>
 *   cellTestsLine({ pairedSeeds, methods } as never);
 * assert.match(line(false, [two]), /one method only/);
 * assert.match(line(false, [one, one]), /One seed per method/);
 * assert.match(line(false, [two, { ...two, seeds: [0, 2] }]), /Welch/);
 * assert.match(line(true, [two, two]), /paired by seed/);
 * ```
 */
export function cellTestsLine(cell: CellSummary): string {
  const withResults = cell.methods.filter((m) => m.accuracies.length > 0);
  if (withResults.length === 0) return "No method has results: nothing to compare in this cell.";
  if (withResults.length === 1) {
    return "Results from one method only: nothing to compare in this cell.";
  }
  if (cell.pairedSeeds) return "Every method ran the same seeds: tests paired by seed.";
  if (withResults.every((m) => m.accuracies.length < 2)) {
    return "One seed per method: too few for a test.";
  }
  return "The methods did not all run the same seeds: unpaired (Welch) tests only.";
}

function pct(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? "–"
    : (100 * value).toFixed(digits);
}

function num(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e4 || abs < 1e-3)) return value.toExponential(2);
  return value.toFixed(digits);
}

function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined) return "–";
  return p < 1e-4 ? "<1e-4" : p.toFixed(4);
}

function signedPct(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${value >= 0 ? "+" : ""}${(100 * value).toFixed(2)}`;
}

function interval(ci: [number, number] | null | undefined): string {
  return ci ? `[${signedPct(ci[0])}, ${signedPct(ci[1])}]` : "–";
}

function accuracyCell(m: MethodSummary | undefined, isBest: boolean, significant: boolean): string {
  if (!m || !m.accuracy) return m?.failures.length ? `failed ×${m.failures.length}` : "–";
  const half = m.accuracy.ci95HalfWidth;
  let text = `${pct(m.accuracy.mean)}${half === null ? "" : ` ± ${pct(half)}`}`;
  if (isBest) text = `**${text}**${significant ? " †" : ""}`;
  if (m.failures.length) text += ` (${m.failures.length} failed)`;
  return text;
}

function comparison(
  w: WelchResult | null,
  paired: PairedResult | null,
  pHolm: number | null,
): string[] {
  if (!w) return ["–", "–", "–", "–", "–"];
  return [
    signedPct(w.difference),
    interval(paired?.ci95),
    pValue(paired?.p),
    pValue(w.p),
    pValue(
      pHolm,
    ),
  ];
}

/**
 * The headline table: one row per cell, one column per method.
 *
 * @example
 * ```ts
 * import { headlineBlock } from "./document.ts";
 * import assert from "node:assert/strict";
 * const t = headlineBlock({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] });
 * assert.deepEqual(t.header, ["dataset", "model", "setting"]);
 * ```
 */
export function headlineBlock(summary: ComparisonSummary): TableBlock {
  const methods = [...new Set(summary.cells.flatMap((c) => c.methods.map((m) => m.method)))];
  const rows = summary.cells.map((c) => [
    c.dataset,
    c.model,
    c.setting,
    ...methods.map((name) =>
      accuracyCell(
        c.methods.find((m) => m.method === name),
        c.best?.method === name,
        c.best?.significant ?? false,
      )
    ),
  ]);
  return {
    kind: "table",
    name: "headline",
    header: ["dataset", "model", "setting", ...methods],
    rows,
  };
}

const MEASURE_TITLES: Record<HessianMeasure, string> = {
  trace: "tr H",
  frobenius: "‖H‖_F",
  topEigenvalue: "λ_max",
};

/**
 * The whole report as blocks.
 *
 * @param title first heading.
 * @example
 * ```ts
 * import { reportDocument } from "./document.ts";
 * import assert from "node:assert/strict";
 * const blocks = reportDocument({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: ["ci"], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] }, "ci");
 * assert.deepEqual(blocks[0], { kind: "heading", level: 1, text: "ci" });
 * ```
 */
export function reportDocument(summary: ComparisonSummary, title: string): Block[] {
  const out: Block[] = [];
  const heading = (level: 1 | 2 | 3, text: string) => out.push({ kind: "heading", level, text });
  const paragraph = (text: string) => out.push({ kind: "paragraph", text });
  const table = (name: string, header: string[], rows: string[][]) =>
    out.push({ kind: "table", name, header, rows });
  const family = summary.comparisons.length;
  heading(1, title);
  paragraph(
    `${summary.runs} runs (${summary.failedRuns} failed) from grid(s) ${
      summary.grids.join(", ")
    }. ` +
      `Test accuracy in %, mean ± half width of the 95% t interval over seeds. ` +
      `Bold: the best mean in the row; † when the test against the runner-up (paired by seed ` +
      `when every method ran the same seeds, Welch otherwise) gives p < ${summary.alpha} after ` +
      `the Holm–Bonferroni correction over all ${family} comparisons of this report.`,
  );
  heading(2, "Test accuracy");
  out.push(headlineBlock(summary));
  const hasValidation = summary.cells.some((c) => c.methods.some((m) => m.validationAccuracy));
  const sgdName = "SGD";
  const samName = "SAM";
  heading(2, "Against SGD and SAM");
  paragraph(
    "Δ in percentage points (mean over seeds of the difference); g is Hedges' g (Cohen's d with " +
      "the small-sample correction). When every method of a cell ran " +
      "the same seeds (same initialization and data order), the differences are paired by seed: " +
      "95% t interval of the mean difference and the paired t-test (p paired). p Welch is " +
      "Welch's unequal-variance t-test, the unpaired check. p Holm is the Holm–Bonferroni " +
      "adjustment of the test relied on (paired if available, else Welch) over all " +
      `${family} comparisons of this report; only it decides significance.`,
  );
  for (const c of summary.cells) {
    heading(3, `${c.dataset} · ${c.model} · ${c.setting}`);
    paragraph(cellTestsLine(c));
    if (c.backends && c.backends.length > 1) {
      paragraph(
        `Note: the runs of this cell used different backends (${
          c.backends.map((b) => `${b.backend}: ${b.runs.join(", ")}`).join("; ")
        }). The SAM family's results differ across backends (up to 2 points after 2 epochs ` +
          `between cpu and wasm), so part of a difference here may be the backend's.`,
      );
    }
    // One row per method and reference it is compared with (the method's own columns only on
    // its first row): narrower than side-by-side SGD and SAM columns.
    const rows = c.methods.flatMap((m) => {
      const own = [
        m.method,
        String(m.seeds.length),
        pct(m.accuracy?.mean),
        m.accuracy?.ci95 ? `[${pct(m.accuracy.ci95[0])}, ${pct(m.accuracy.ci95[1])}]` : "–",
        ...(hasValidation ? [pct(m.validationAccuracy?.mean)] : []),
      ];
      const against = [
        { ref: sgdName, w: m.vsSgd, paired: m.pairedVsSgd, pHolm: m.pHolmVsSgd },
        { ref: samName, w: m.vsSam, paired: m.pairedVsSam, pHolm: m.pHolmVsSam },
      ].filter((a) => a.w !== null);
      if (against.length === 0) return [[...own, "–", ...comparison(null, null, null), "–"]];
      return against.map((a, k) => [
        ...(k === 0 ? own : own.map(() => "")),
        a.ref,
        ...comparison(a.w, a.paired, a.pHolm),
        num(a.w?.hedgesG, 2),
      ]);
    });
    table("cell", [
      "method",
      "seeds",
      "test mean",
      "95% CI",
      ...(hasValidation ? ["validation mean"] : []),
      "against",
      "Δ",
      "95% CI (paired)",
      "p paired",
      "p Welch",
      "p Holm",
      "g",
    ], rows);
    const counts = c.methods.find((m) => m.counts)?.counts;
    if (counts) {
      paragraph(
        `Images: ${counts.train} train, ${counts.validation} validation, ${counts.test} test.`,
      );
    }
    const failures = c.methods.flatMap((m) =>
      m.failures.map((f) => `${m.method} seed ${f.seed}: ${f.message}`)
    );
    if (failures.length) {
      paragraph("Failed runs:");
      out.push({ kind: "list", items: failures });
    }
  }
  if (family > 0) {
    heading(2, "All comparisons (Holm–Bonferroni)");
    paragraph(
      `The family the correction runs over: every pair compared above, once. p is the raw p of the test relied on; p Holm its ` +
        `adjustment over the ${family} comparisons; **yes** when p Holm < ${summary.alpha}.`,
    );
    table(
      "comparisons",
      ["cell", "method", "against", "test", "Δ", "95% CI", "p", "p Holm", "significant"],
      summary.comparisons.map((c) => [
        `${c.dataset} · ${c.model} · ${c.setting}`,
        c.method,
        c.against,
        c.test,
        signedPct(c.difference),
        interval(c.ci95),
        pValue(c.p),
        pValue(c.pHolm),
        c.significant ? "**yes**" : "no",
      ]),
    );
  }
  const measures = (["trace", "frobenius", "topEigenvalue"] as const).filter((k) =>
    summary.cells.some((c) => c.methods.some((m) => m.hessian[k]))
  );
  heading(2, "Hessian at the end of training");
  if (measures.length === 0) {
    paragraph("No run recorded Hessian measures (run with `hessianEvery` > 0).");
  } else {
    paragraph(
      "Mean over seeds of the last recorded measure (stochastic estimates on a fixed training " +
        "subset). Each method should lower the measure it targets: Trace-SAM tr H, Frob-SAM ‖H‖_F, " +
        "SAM λ_max.",
    );
    const rows = summary.cells.flatMap((c) =>
      c.methods.filter((m) => measures.some((k) => m.hessian[k])).map((m) => [
        c.dataset,
        c.model,
        c.setting,
        m.method,
        ...measures.map((k) => {
          const s = m.hessian[k];
          return s ? `${num(s.mean)}${s.sd !== null ? ` ± ${num(s.sd)}` : ""}` : "–";
        }),
      ])
    );
    table("hessian", [
      "dataset",
      "model",
      "setting",
      "method",
      ...measures.map((k) => `${MEASURE_TITLES[k]} (± sd)`),
    ], rows);
  }
  heading(2, "Cost relative to SGD");
  paragraph(
    "Gradient evaluations per epoch and median seconds per epoch, each divided by SGD's in the " +
      "same cell, then the median over cells. The floor of a method with n perturbations is 1 + n.",
  );
  table(
    "cost",
    ["model", "method", "gradient evaluations ×", "seconds per epoch × (± se)", "cells"],
    summary.costs.map((c) => [
      c.model,
      c.method,
      num(c.gradientRatio, 2),
      `${num(c.secondsRatio, 2)}${
        c.secondsRatioSe === null ? "" : ` ± ${num(c.secondsRatioSe, 2)}`
      }`,
      String(c.cells),
    ]),
  );
  if (summary.environments.length) {
    heading(2, "Environment");
    out.push({ kind: "list", items: summary.environments.map((e) => JSON.stringify(e)) });
  }
  return out;
}

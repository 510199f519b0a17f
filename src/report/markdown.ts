/**
 * The comparison as Markdown: the headline table (mean test accuracy ± 95% CI half width per cell
 * and method, best in bold, marked † only when the Holm-corrected test against the runner-up is
 * significant), then per cell the tests against SGD and SAM (paired by seed when the seeds match,
 * Welch as the unpaired check, Holm-adjusted p beside the raw p), the Hessian measures at the end
 * of training, and the cost relative to SGD.
 *
 * @module
 */
import type { ComparisonSummary, HessianMeasure, MethodSummary } from "./aggregate.ts";
import type { PairedResult, WelchResult } from "./stats.ts";

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

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
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
  const interval = paired?.ci95
    ? `[${signedPct(paired.ci95[0])}, ${signedPct(paired.ci95[1])}]`
    : "–";
  return [signedPct(w.difference), interval, pValue(paired?.p), pValue(w.p), pValue(pHolm)];
}

/**
 * The headline table alone: one row per cell, one column per method.
 *
 * @example
 * ```ts
 * import { headlineTable } from "./markdown.ts";
 * import assert from "node:assert/strict";
 * const md = headlineTable({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] });
 * assert.ok(md.startsWith("| dataset"));
 * ```
 */
export function headlineTable(summary: ComparisonSummary): string {
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
  return table(["dataset", "model", "setting", ...methods], rows);
}

const MEASURE_TITLES: Record<HessianMeasure, string> = {
  trace: "tr H",
  frobenius: "‖H‖_F",
  topEigenvalue: "λ_max",
};

/**
 * The full Markdown report.
 *
 * @param title first heading.
 * @example
 * ```ts
 * import { renderMarkdown } from "./markdown.ts";
 * import assert from "node:assert/strict";
 * const md = renderMarkdown({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: ["ci"], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] }, "ci");
 * assert.ok(md.includes("# ci"));
 * ```
 */
export function renderMarkdown(summary: ComparisonSummary, title: string): string {
  const out: string[] = [];
  out.push(`# ${title}`, "");
  out.push(
    `${summary.runs} runs (${summary.failedRuns} failed) from grid(s) ${
      summary.grids.join(", ")
    }. ` +
      `Test accuracy in %, mean ± half width of the 95% t interval over seeds. ` +
      `Bold: the best mean in the row; † when the test against the runner-up (paired by seed ` +
      `when every method ran the same seeds, Welch otherwise) gives p < ${summary.alpha} after ` +
      `the Holm–Bonferroni correction over all ${summary.comparisons.length} comparisons of ` +
      `this report.`,
    "",
  );
  out.push("## Test accuracy", "", headlineTable(summary), "");
  const hasValidation = summary.cells.some((c) => c.methods.some((m) => m.validationAccuracy));
  out.push(
    "## Against SGD and SAM",
    "",
    "Δ in percentage points (mean over seeds of the difference). When every method of a cell ran " +
      "the same seeds (same initialization and data order), the differences are paired by seed: " +
      "95% t interval of the mean difference and the paired t-test (p paired). p Welch is " +
      "Welch's unequal-variance t-test, the unpaired check. p Holm is the Holm–Bonferroni " +
      "adjustment of the test relied on (paired if available, else Welch) over all " +
      `${summary.comparisons.length} comparisons of this report; only it decides significance.`,
    "",
  );
  for (const c of summary.cells) {
    out.push(`### ${c.dataset} · ${c.model} · ${c.setting}`, "");
    out.push(
      c.pairedSeeds
        ? "Every method ran the same seeds: tests paired by seed."
        : "The methods did not all run the same seeds: unpaired (Welch) tests only.",
      "",
    );
    const rows = c.methods.map((m) => [
      m.method,
      String(m.seeds.length),
      pct(m.accuracy?.mean),
      m.accuracy?.ci95 ? `[${pct(m.accuracy.ci95[0])}, ${pct(m.accuracy.ci95[1])}]` : "–",
      ...(hasValidation ? [pct(m.validationAccuracy?.mean)] : []),
      num(m.vsSgd?.hedgesG, 2),
      ...comparison(m.vsSgd, m.pairedVsSgd, m.pHolmVsSgd),
      ...comparison(m.vsSam, m.pairedVsSam, m.pHolmVsSam),
    ]);
    const side = (ref: string) => [
      `Δ ${ref}`,
      "95% CI (paired)",
      "p paired",
      "p Welch",
      "p Holm",
    ];
    out.push(
      table([
        "method",
        "seeds",
        "test mean",
        "95% CI",
        ...(hasValidation ? ["validation mean"] : []),
        "g vs SGD",
        ...side("SGD"),
        ...side("SAM"),
      ], rows),
      "",
    );
    const counts = c.methods.find((m) => m.counts)?.counts;
    if (counts) {
      out.push(
        `Images: ${counts.train} train, ${counts.validation} validation, ${counts.test} test.`,
        "",
      );
    }
    const failures = c.methods.flatMap((m) =>
      m.failures.map((f) => `- ${m.method} seed ${f.seed}: ${f.message}`)
    );
    if (failures.length) out.push("Failed runs:", "", ...failures, "");
  }
  const measures = (["trace", "frobenius", "topEigenvalue"] as const).filter((k) =>
    summary.cells.some((c) => c.methods.some((m) => m.hessian[k]))
  );
  out.push("## Hessian at the end of training", "");
  if (measures.length === 0) {
    out.push("No run recorded Hessian measures (run with `hessianEvery` > 0).", "");
  } else {
    out.push(
      "Mean over seeds of the last recorded measure (stochastic estimates on a fixed training " +
        "subset). Each method should lower the measure it targets: Trace-SAM tr H, Frob-SAM ‖H‖_F, " +
        "SAM λ_max.",
      "",
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
    out.push(
      table([
        "dataset",
        "model",
        "setting",
        "method",
        ...measures.map((k) => `${MEASURE_TITLES[k]} (± sd)`),
      ], rows),
      "",
    );
  }
  out.push(
    "## Cost relative to SGD",
    "",
    "Gradient evaluations per epoch and median seconds per epoch, each divided by SGD's in the " +
      "same cell, then the median over cells. The floor of a method with n perturbations is 1 + n.",
    "",
  );
  out.push(
    table(
      ["model", "method", "gradient evaluations ×", "seconds per epoch × (± se)", "cells"],
      summary.costs.map((
        c,
      ) => [
        c.model,
        c.method,
        num(c.gradientRatio, 2),
        `${num(c.secondsRatio, 2)}${
          c.secondsRatioSe === null ? "" : ` ± ${num(c.secondsRatioSe, 2)}`
        }`,
        String(c.cells),
      ]),
    ),
    "",
  );
  if (summary.environments.length) {
    out.push("## Environment", "");
    for (const e of summary.environments) out.push(`- ${JSON.stringify(e)}`);
    out.push("");
  }
  return out.join("\n");
}

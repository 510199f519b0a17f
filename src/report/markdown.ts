/**
 * The comparison as Markdown: the headline table (mean test accuracy ± 95% CI half width per cell
 * and method, best in bold, marked † only when significant), then per cell the tests against SGD
 * and SAM, the Hessian measures at the end of training, and the cost relative to SGD.
 *
 * @module
 */
import type { ComparisonSummary, HessianMeasure, MethodSummary } from "./aggregate.ts";
import type { WelchResult } from "./stats.ts";

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

function comparison(w: WelchResult | null): [string, string, string] {
  if (!w) return ["–", "–", "–"];
  return [signedPct(w.difference), pValue(w.p), num(w.hedgesG, 2)];
}

/**
 * The headline table alone: one row per cell, one column per method.
 *
 * @example
 * ```ts
 * import { headlineTable } from "./markdown.ts";
 * const md = headlineTable({ alpha: 0.05, grids: [], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] });
 * console.assert(md.startsWith("| dataset"));
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
 * const md = renderMarkdown({ alpha: 0.05, grids: ["ci"], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] }, "ci");
 * console.assert(md.includes("# ci"));
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
      `Bold: the best mean in the row; † when Welch's t-test against the runner-up gives ` +
      `p < ${summary.alpha} (no correction for multiple comparisons).`,
    "",
  );
  out.push("## Test accuracy", "", headlineTable(summary), "");
  out.push(
    "## Against SGD and SAM",
    "",
    "Δ in percentage points; p from Welch's unequal-variance t-test; g is Hedges' g " +
      "(Cohen's d with the small-sample correction).",
    "",
  );
  for (const c of summary.cells) {
    out.push(`### ${c.dataset} · ${c.model} · ${c.setting}`, "");
    const rows = c.methods.map((m) => [
      m.method,
      String(m.seeds.length),
      pct(m.accuracy?.mean),
      m.accuracy?.ci95 ? `[${pct(m.accuracy.ci95[0])}, ${pct(m.accuracy.ci95[1])}]` : "–",
      ...comparison(m.vsSgd),
      ...comparison(m.vsSam),
    ]);
    out.push(
      table(["method", "seeds", "mean", "95% CI", "Δ SGD", "p", "g", "Δ SAM", "p", "g"], rows),
      "",
    );
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

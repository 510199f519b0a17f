/**
 * The Markdown of the tuning and early-stopping sections of a comparison report: the search
 * space, every trial's score, the selected values and the cost of the search, then final-epoch
 * against early-stopped test accuracy. The data is `tuning.json` beside the report.
 *
 * @module
 */
import type { RunRecord } from "../training/result.ts";
import type { EarlyStoppingRow } from "./early_stopping.ts";
import type { TuningSummary } from "./tuning.ts";

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/**
 * The tuning section (empty string without tuning and without early-stopping rows).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tuningMarkdown } from "./tuning_markdown.ts";
 * const md = tuningMarkdown({ metric: "final-validation-accuracy", tuningSeeds: [0], finalSeeds: [1],
 *   cost: { runs: 2, seconds: 3, gradientEvaluations: 40 }, cells: [{ dataset: "d", model: "mlp",
 *   setting: "clean", method: "sam", space: { rho: [0.05, 0.1] }, cost: { runs: 2, seconds: 3, gradientEvaluations: 40 },
 *   trials: [], selected: { trial: "rho=0.1", values: { rho: 0.1 }, score: 0.8 } }] }, []);
 * assert.match(md, /\| d\/mlp\/clean \| sam \| rho: 0.05, 0.1 \| rho=0.1 \| 80.00% \|/);
 * ```
 */
export function tuningMarkdown(
  summary: TuningSummary | null,
  earlyStopping: readonly EarlyStoppingRow[],
): string {
  const out: string[] = [];
  if (summary && summary.cells.length > 0) {
    out.push(
      "## Tuning",
      "",
      `Selected per cell and method on the mean ${summary.metric} over tuning seeds ` +
        `${summary.tuningSeeds.join(", ")}; the reported runs use the fresh seeds ` +
        `${summary.finalSeeds.join(", ")}. The test set is not used to select. The validation ` +
        "part is carved from the learner's data after the setting (limited data, noisy labels).",
      "",
      "| cell | method | search space | selected | validation score | trials | tuning runs | tuning seconds | gradient evaluations |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const c of summary.cells) {
      const space = Object.entries(c.space).map(([k, v]) => `${k}: ${v!.join(", ")}`).join("; ");
      const trials = c.trials.map((t) => `${t.trial} ${pct(t.score)}`).join("; ");
      out.push(
        `| ${c.dataset}/${c.model}/${c.setting} | ${c.method} | ${space} | ${c.selected.trial} | ${
          pct(c.selected.score)
        } | ${trials} | ${c.cost.runs} | ${
          c.cost.seconds.toFixed(1)
        } | ${c.cost.gradientEvaluations} |`,
      );
    }
    out.push(
      "",
      `Tuning cost in total: ${summary.cost.runs} runs, ${
        summary.cost.seconds.toFixed(1)
      } s of training, ${summary.cost.gradientEvaluations} gradient evaluations.`,
      "",
    );
  }
  if (earlyStopping.length > 0) {
    out.push(
      "## Early stopping",
      "",
      "Test accuracy at the epoch of best validation accuracy, next to the final epoch's (the " +
        "headline tables use the final epoch).",
      "",
      "| cell | method | runs | final-epoch test | early-stopped test | mean stop epoch |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const r of earlyStopping) {
      out.push(
        `| ${r.dataset}/${r.model}/${r.setting} | ${r.method} | ${r.n} | ${
          pct(r.finalTestAccuracy)
        } | ${pct(r.earlyStoppedTestAccuracy)} | ${r.meanStopEpoch.toFixed(1)} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

/**
 * The validation-split section: per cell, the images each run trained on, validated on and was
 * tested on (empty string when no run has a validation split).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validationMarkdown } from "./tuning_markdown.ts";
 * const run = { id: "a", grid: "g", dataset: "d", model: "mlp", setting: "10%-data", method: "sgd", seed: 0 };
 * const md = validationMarkdown([{ status: "completed", config: { validationFraction: 0.2 }, environment: {},
 *   epochs: [], final: null, run, counts: { train: 80, validation: 20, test: 100 } }]);
 * assert.match(md, /\| d\/mlp\/10%-data \| 0.2 \| 80 \| 20 \| 100 \|/);
 * ```
 */
export function validationMarkdown(records: readonly RunRecord[]): string {
  const rows = new Map<string, string>();
  for (const r of records) {
    if (!r.counts || r.counts.validation === 0) continue;
    const cell = `${r.run.dataset}/${r.run.model}/${r.run.setting}`;
    const fraction = r.config.validationFraction ?? "?";
    rows.set(
      `${cell} ${fraction} ${r.counts.train} ${r.counts.validation} ${r.counts.test}`,
      `| ${cell} | ${fraction} | ${r.counts.train} | ${r.counts.validation} | ${r.counts.test} |`,
    );
  }
  if (rows.size === 0) return "";
  return [
    "## Validation split",
    "",
    "A seeded, stratified part of the data each learner was given, carved after the setting: a " +
    "learner with limited data validates on part of its own data, one with noisy labels on " +
    "equally noisy labels. The test set is evaluated but never selects anything.",
    "",
    "| cell | validation fraction | train images | validation images | test images |",
    "| --- | --- | --- | --- | --- |",
    ...rows.values(),
    "",
  ].join("\n");
}

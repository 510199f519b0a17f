/**
 * The Markdown of the tuning and early-stopping sections of a comparison report: the search
 * space, every trial's score, the selected values and the cost of the search, then final-epoch
 * against early-stopped test accuracy. The data is `tuning.json` beside the report.
 *
 * @module
 */
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

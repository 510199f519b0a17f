/**
 * The report of a grid: the comparison report of `src/report` over the final runs (tuning runs
 * never enter the comparison tables), plus the tuning and early-stopping data: `tuning.json`
 * beside `report.json` (the search space, every trial's score, the selected values, the cost;
 * early-stopped next to final-epoch test accuracy) and their Markdown sections appended to
 * `report.md`.
 *
 * @module
 */
import { join } from "node:path";
import { writeJsonAtomic, writeTextAtomic } from "../report/results_dir.ts";
import { writeReport, type WrittenReport } from "../report/write_report.ts";
import type { RunRecord } from "../training/result.ts";
import { type EarlyStoppingRow, earlyStoppingRows } from "./early_stopping.ts";
import type { TuningSummary } from "./tuning.ts";
import { tuningMarkdown, validationMarkdown } from "./tuning_markdown.ts";

/** What `tuning.json` in a report folder holds. */
export interface TuningReportData {
  /** Null for a grid without tuning. */
  tuning: TuningSummary | null;
  earlyStopping: EarlyStoppingRow[];
}

/** {@link writeGridReport}'s result: the report's, plus the tuning data and its path. */
export interface WrittenGridReport extends WrittenReport {
  tuningPath: string;
  tuningData: TuningReportData;
}

/**
 * Writes the report of the final runs `records` into `reportDir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeGridReport } from "./report.ts";
 * const dir = await Deno.makeTempDir();
 * const written = await writeGridReport([], dir, { title: "empty", tuning: null });
 * assert.deepEqual(written.tuningData, { tuning: null, earlyStopping: [] });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeGridReport(
  records: readonly RunRecord[],
  reportDir: string,
  options: { title: string; tuning: TuningSummary | null },
): Promise<WrittenGridReport> {
  const finals = records.filter((r) => r.run.phase !== "tuning");
  const written = await writeReport(finals, reportDir, { title: options.title });
  const tuningData: TuningReportData = {
    tuning: options.tuning,
    earlyStopping: earlyStoppingRows(finals),
  };
  const tuningPath = join(reportDir, "tuning.json");
  await writeJsonAtomic(tuningPath, tuningData);
  const sections = [
    validationMarkdown(finals),
    tuningMarkdown(tuningData.tuning, tuningData.earlyStopping),
  ].filter((text) => text !== "").join("\n");
  if (sections) {
    const markdown = await Deno.readTextFile(written.markdownPath);
    await writeTextAtomic(written.markdownPath, `${markdown.trimEnd()}\n\n${sections}`);
  }
  return { ...written, tuningPath, tuningData };
}

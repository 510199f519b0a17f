/**
 * Writes a comparison report folder: `report.md`, `report.json` (the full summary), `report.html`
 * (one self-contained page: tables and inline SVG charts), and the charts as `charts/*.svg` next
 * to their vega-lite specs (`charts/*.vl.json`, to re-render or edit).
 *
 * @module
 */
import { join } from "node:path";
import { aggregate, type AggregateOptions, type ComparisonSummary } from "./aggregate.ts";
import { chartSpecs, renderSvg } from "./charts.ts";
import type { Block } from "./document.ts";
import { type HtmlChart, renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import type { RunRecord } from "../training/result.ts";
import { writeJsonAtomic, writeTextAtomic } from "./results_dir.ts";

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  summary: ComparisonSummary;
  markdownPath: string;
  jsonPath: string;
  htmlPath: string;
  chartPaths: string[];
}

/**
 * Aggregates `records` and writes the report into `outDir` (created if needed).
 *
 * @example
 * ```ts
 * import { writeReport } from "./write_report.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * const written = await writeReport([], dir, { title: "empty" });
 * assert.ok(Deno.readTextFileSync(written.markdownPath).startsWith("# empty"));
 * assert.ok(Deno.readTextFileSync(written.htmlPath).includes("<title>empty</title>"));
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function writeReport(
  records: readonly RunRecord[],
  outDir: string,
  options: AggregateOptions & {
    title: string;
    charts?: boolean;
    /** Sections appended to both report.md and report.html (headings, text, tables, lists). */
    sections?: readonly Block[];
  },
): Promise<WrittenReport> {
  if (typeof outDir !== "string" || outDir === "") {
    throw new TypeError(`writeReport: outDir must be a folder path, got ${JSON.stringify(outDir)}`);
  }
  const summary = aggregate(records, options);
  await Deno.mkdir(join(outDir, "charts"), { recursive: true });
  const markdownPath = join(outDir, "report.md");
  const jsonPath = join(outDir, "report.json");
  await writeTextAtomic(markdownPath, renderMarkdown(summary, options.title, options.sections));
  await writeJsonAtomic(jsonPath, summary);
  const chartPaths: string[] = [];
  const charts: HtmlChart[] = [];
  if (options.charts !== false && records.length > 0) {
    for (const [name, spec] of Object.entries(chartSpecs(summary))) {
      const path = join(outDir, "charts", name);
      const svg = await renderSvg(spec);
      await writeTextAtomic(path, svg);
      await writeJsonAtomic(path.replace(/\.svg$/, ".vl.json"), spec);
      chartPaths.push(path);
      charts.push({ name: name.replace(/\.svg$/, ""), svg });
    }
  }
  const htmlPath = join(outDir, "report.html");
  await writeTextAtomic(htmlPath, renderHtml(summary, options.title, charts, options.sections));
  return { summary, markdownPath, jsonPath, htmlPath, chartPaths };
}

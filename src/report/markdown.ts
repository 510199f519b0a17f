/**
 * The comparison as Markdown: {@link reportDocument}'s blocks as headings, paragraphs, pipe
 * tables and lists.
 *
 * @module
 */
import type { ComparisonSummary } from "./aggregate.ts";
import { type Block, headlineBlock, reportDocument, type TableBlock } from "./document.ts";

function table(block: TableBlock): string {
  const { header, rows } = block;
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

function blockToMarkdown(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `${"#".repeat(block.level)} ${block.text}`;
    case "paragraph":
      return block.text;
    case "list":
      return block.items.map((item) => `- ${item}`).join("\n");
    case "table":
      return table(block);
  }
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
  return table(headlineBlock(summary));
}

/**
 * The full Markdown report.
 *
 * @param title first heading.
 * @param sections blocks appended at the end (e.g. the tuning sections of src/experiments).
 * @example
 * ```ts
 * import { renderMarkdown } from "./markdown.ts";
 * import assert from "node:assert/strict";
 * const md = renderMarkdown({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: ["ci"], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] }, "ci");
 * assert.ok(md.includes("# ci"));
 * ```
 */
export function renderMarkdown(
  summary: ComparisonSummary,
  title: string,
  sections: readonly Block[] = [],
): string {
  return [...reportDocument(summary, title), ...sections].map((b) => `${blockToMarkdown(b)}\n`)
    .join("\n");
}

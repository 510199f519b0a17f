/**
 * The comparison as one self-contained HTML page: {@link reportDocument}'s tables and text, with
 * the charts inlined as SVG (rendered by vega beforehand, so the page needs no script, no network
 * and no browser feature beyond HTML and CSS). Laid out for a 1280-pixel-wide window: the headline
 * table and the charts first, the detailed tables after, wide tables scroll sideways.
 *
 * @module
 */
import type { ComparisonSummary } from "./aggregate.ts";
import { type Block, reportDocument } from "./document.ts";

/** One chart of the page: its file stem (e.g. "accuracy-per-epoch") and its rendered SVG. */
export interface HtmlChart {
  name: string;
  svg: string;
}

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./html.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeHtml(`a<b & "c"`), "a&lt;b &amp; &quot;c&quot;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Escaped text with the document's inline marks: **bold** and `code`. */
function inline(text: string): string {
  return escapeHtml(text).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/`([^`]+)`/g, "<code>$1</code>");
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * Gives every id of one SVG a prefix (and the references to them): vega numbers its clip paths
 * from 1 in each rendering, so several SVGs inlined in one page would otherwise share ids and clip
 * each other's marks.
 */
function prefixSvgIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

function blockToHtml(block: Block): string {
  switch (block.kind) {
    case "heading": {
      const id = block.level === 1 ? "" : ` id="${slug(block.text)}"`;
      return `<h${block.level}${id}>${inline(block.text)}</h${block.level}>`;
    }
    case "paragraph":
      return `<p>${inline(block.text)}</p>`;
    case "list":
      return `<ul>${block.items.map((item) => `<li>${inline(item)}</li>`).join("")}</ul>`;
    case "table": {
      // Columns of words (names, labels) align left, columns of figures right.
      const wordy = block.header.map((_, k) =>
        block.rows.some((row) => /^[A-Za-z]/.test((row[k] ?? "").replace(/\*/g, "")))
      );
      const cls = (k: number) => wordy[k] ? ` class="text"` : "";
      const head = block.header.map((h, k) => `<th${cls(k)}>${inline(h)}</th>`).join("");
      const rows = block.rows.map((row) =>
        `<tr>${row.map((cell, k) => `<td${cls(k)}>${inline(cell)}</td>`).join("")}</tr>`
      ).join("\n");
      return `<div class="table"><table data-table="${escapeHtml(block.name)}">` +
        `<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody></table></div>`;
    }
  }
}

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
header { position: sticky; top: 0; z-index: 1; background: #fff; border-bottom: 1px solid var(--line); }
header nav { max-width: 1200px; margin: 0 auto; padding: 8px 24px; display: flex; gap: 16px;
  flex-wrap: wrap; font-size: 13.5px; }
header a { color: #0969da; text-decoration: none; }
main { max-width: 1200px; margin: 0 auto; padding: 8px 24px 48px; }
h1 { font-size: 26px; margin: 16px 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
p { margin: 6px 0 10px; max-width: 95ch; color: var(--muted); }
.table { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--band); font-weight: 600; position: sticky; top: 0; }
th.text, td.text { text-align: left; }
tbody tr:nth-child(even) { background: #fbfcfd; }
tbody tr:hover { background: #eef4fb; }
table[data-table="cell"] { font-size: 12.5px; }
table[data-table="cell"] th, table[data-table="cell"] td { padding: 3px 6px; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--band); padding: 0 3px; }
.charts { display: grid; grid-template-columns: 1fr; gap: 20px; }
figure { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
ul { margin: 4px 0 12px; padding-left: 22px; color: var(--muted); font-size: 13px; }
li { word-break: break-all; }
`;

/**
 * The report page. The charts go after the headline table, under their own heading; the
 * remaining tables follow.
 *
 * @param charts rendered charts, in display order.
 * @param sections blocks appended at the end (e.g. the tuning sections of src/experiments).
 * @example
 * ```ts
 * import { renderHtml } from "./html.ts";
 * import assert from "node:assert/strict";
 * const html = renderHtml({ alpha: 0.05, correction: "holm-bonferroni", comparisons: [], grids: ["ci"], runs: 0, failedRuns: 0, cells: [], costs: [], environments: [] }, "ci <test>", []);
 * assert.ok(html.startsWith("<!doctype html>"));
 * assert.ok(html.includes("<title>ci &lt;test&gt;</title>"));
 * ```
 */
export function renderHtml(
  summary: ComparisonSummary,
  title: string,
  charts: readonly HtmlChart[],
  sections: readonly Block[] = [],
): string {
  if (!Array.isArray(charts)) {
    throw new TypeError(`renderHtml: charts must be an array, got ${typeof charts}`);
  }
  const blocks = [...reportDocument(summary, title), ...sections];
  const body: string[] = [];
  const nav: string[] = [];
  for (const block of blocks) {
    body.push(blockToHtml(block));
    if (block.kind === "heading" && block.level === 2) {
      nav.push(`<a href="#${slug(block.text)}">${inline(block.text)}</a>`);
    }
    if (block.kind === "table" && block.name === "headline" && charts.length) {
      body.push(`<h2 id="charts">Charts</h2>`);
      body.push(`<div class="charts">`);
      charts.forEach((chart, k) => {
        body.push(
          `<figure data-chart="${escapeHtml(chart.name)}">${
            prefixSvgIds(chart.svg, `c${k}-`)
          }</figure>`,
        );
      });
      body.push(`</div>`);
      nav.splice(1, 0, `<a href="#charts">Charts</a>`);
    }
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><nav>${nav.join("")}</nav></header>
<main>
${body.join("\n")}
</main>
</body>
</html>
`;
}

/**
 * renderHtml and writeReport without a browser: the exact markup of each block kind, where the
 * charts go, and what writeReport writes. (html_test.ts checks the page in Chromium.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { aggregate, type ComparisonSummary } from "./aggregate.ts";
import { chartSpecs } from "./charts.ts";
import type { Block } from "./document.ts";
import { escapeHtml, renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import { syntheticRun } from "./test_fixtures.ts";
import { writeReport } from "./write_report.ts";

const EMPTY: ComparisonSummary = {
  alpha: 0.05,
  correction: "holm-bonferroni",
  comparisons: [],
  grids: ["ci"],
  runs: 0,
  failedRuns: 0,
  cells: [],
  costs: [],
  environments: [],
};

/** The body lines after the report's own blocks: what `sections` rendered to. */
function sectionsHtml(sections: Block[]): string {
  const main = (html: string) =>
    html.slice(html.indexOf("<main>\n") + 7, html.indexOf("\n</main>"));
  const base = main(renderHtml(EMPTY, "T", []));
  const withSections = main(renderHtml(EMPTY, "T", [], sections));
  assert.ok(withSections.startsWith(base + "\n"), "the sections come after the report's blocks");
  return withSections.slice(base.length + 1);
}

Deno.test("escapeHtml escapes the five special characters, ampersands first", () => {
  assert.equal(
    escapeHtml(`<a href="x">it's & </a>`),
    "&lt;a href=&quot;x&quot;&gt;it&#39;s &amp; &lt;/a&gt;",
  );
  assert.equal(escapeHtml("&lt; && <<"), "&amp;lt; &amp;&amp; &lt;&lt;");
  assert.equal(escapeHtml(`"'>>''`), "&quot;&#39;&gt;&gt;&#39;&#39;");
});

Deno.test("each block kind renders to its markup, with inline bold and code", () => {
  assert.equal(
    sectionsHtml([
      { kind: "heading", level: 1, text: "Top" },
      { kind: "heading", level: 2, text: "  Tuning: rho & lr (2) " },
      { kind: "heading", level: 3, text: "--x--" },
      { kind: "paragraph", text: "a **b** and **c** with `d<e>` and `f` < g" },
      { kind: "list", items: ["one **1**", "two `2`"] },
    ]),
    [
      "<h1>Top</h1>",
      '<h2 id="tuning-rho-lr-2">  Tuning: rho &amp; lr (2) </h2>',
      '<h3 id="x">--x--</h3>',
      "<p>a <strong>b</strong> and <strong>c</strong> with <code>d&lt;e&gt;</code> and " +
      "<code>f</code> &lt; g</p>",
      "<ul><li>one <strong>1</strong></li><li>two <code>2</code></li></ul>",
    ].join("\n"),
  );
  // Columns with a word (bold or not) in any row align left (class "text"); figures, bold
  // figures, figures with a unit or an exponent, and empty cells do not make a column wordy.
  assert.equal(
    sectionsHtml([{
      kind: "table",
      name: 'tu"ne',
      header: ["method", "lr", "note", "p", "bold word", "exp"],
      rows: [
        ["sgd", "**0.05**", "", "0.1", "1", "1e-3"],
        ["0", "0.1", "best", "–", "**yes**", "2 s"],
        ["x"],
      ],
    }]),
    '<div class="table"><table data-table="tu&quot;ne"><thead><tr><th class="text">method</th>' +
      '<th>lr</th><th class="text">note</th><th>p</th><th class="text">bold word</th>' +
      "<th>exp</th></tr></thead>\n<tbody>\n" +
      '<tr><td class="text">sgd</td><td><strong>0.05</strong></td><td class="text"></td>' +
      '<td>0.1</td><td class="text">1</td><td>1e-3</td></tr>\n' +
      '<tr><td class="text">0</td><td>0.1</td><td class="text">best</td>' +
      '<td>–</td><td class="text"><strong>yes</strong></td><td>2 s</td></tr>\n' +
      '<tr><td class="text">x</td></tr>\n</tbody></table></div>',
  );
});

Deno.test("the page: head, title, style rules for its classes, and a nav of the level-2 headings", () => {
  const html = renderHtml(EMPTY, `a "<b>" & 'c'`, [], [
    { kind: "heading", level: 2, text: "Extra **one**" },
    { kind: "heading", level: 3, text: "Not in nav" },
  ]);
  assert.ok(
    html.startsWith(
      '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
        '<link rel="icon" href="data:,">\n' +
        "<title>a &quot;&lt;b&gt;&quot; &amp; &#39;c&#39;</title>\n<style>\n",
    ),
    html.slice(0, 300),
  );
  assert.ok(html.endsWith("\n</main>\n</body>\n</html>\n"));
  const style = /<style>([\s\S]*)<\/style>\n<\/head>\n<body>\n<header><nav>/.exec(html)?.[1];
  assert.ok(style, "style, then the header");
  // Rules for what the markup uses: scrolling tables, left-aligned word columns, chart grid.
  assert.match(style, /\n\.table \{ overflow-x: auto;/);
  assert.match(style, /\nth\.text, td\.text \{ text-align: left; \}/);
  assert.match(style, /\n\.charts \{ display: grid;/);
  assert.match(style, /\nfigure svg \{ display: block; max-width: 100%;/);
  assert.match(style, /\nheader \{ position: sticky;/);
  const nav = /<header><nav>(.*)<\/nav><\/header>\n<main>\n<h1>/.exec(html)?.[1] ?? "";
  const links = nav.match(/<a [^>]*>.*?<\/a>/g) ?? [];
  assert.equal(links.length, 5, nav);
  assert.equal(nav, links.join(""), "the links follow each other with nothing between");
  assert.equal(links[0], '<a href="#test-accuracy">Test accuracy</a>');
  assert.equal(links[4], '<a href="#extra-one">Extra <strong>one</strong></a>');
  assert.ok(!nav.includes("Not in nav") && !nav.includes("charts"));
  assert.doesNotMatch(html, /Charts/);
  assert.throws(() => renderHtml(EMPTY, "t", "x" as never), {
    name: "TypeError",
    message: "renderHtml: charts must be an array, got string",
  });
});

Deno.test("charts go after the headline table, each SVG's ids prefixed, with a second nav link", () => {
  const svg = '<svg><clipPath id="clip1"/><clipPath id="clip2"/>' +
    '<g clip-path="url(#clip1)"><use href="#clip2"/><use xlink:href="#clip1"/></g>' +
    '<g clip-path="url(#clip2)"/></svg>';
  const html = renderHtml(EMPTY, "T", [{ name: 'a"b', svg }, { name: "c", svg }]);
  const headlineEnd = html.indexOf("</table></div>") + "</table></div>".length;
  const next = html.indexOf('<h2 id="against-sgd-and-sam">');
  assert.equal(
    html.slice(headlineEnd, next),
    '\n<h2 id="charts">Charts</h2>\n<div class="charts">\n' +
      '<figure data-chart="a&quot;b"><svg><clipPath id="c0-clip1"/><clipPath id="c0-clip2"/>' +
      '<g clip-path="url(#c0-clip1)"><use href="#c0-clip2"/><use xlink:href="#c0-clip1"/></g>' +
      '<g clip-path="url(#c0-clip2)"/></svg></figure>\n' +
      '<figure data-chart="c"><svg><clipPath id="c1-clip1"/><clipPath id="c1-clip2"/>' +
      '<g clip-path="url(#c1-clip1)"><use href="#c1-clip2"/><use xlink:href="#c1-clip1"/></g>' +
      '<g clip-path="url(#c1-clip2)"/></svg></figure>\n</div>\n',
  );
  const links = /<nav>(.*)<\/nav>/.exec(html)![1].match(/<a [^>]*>.*?<\/a>/g)!;
  assert.deepEqual(links.slice(0, 3), [
    '<a href="#test-accuracy">Test accuracy</a>',
    '<a href="#charts">Charts</a>',
    '<a href="#against-sgd-and-sam">Against SGD and SAM</a>',
  ]);
  // A table of another name gets no charts after it.
  const other = renderHtml(EMPTY, "T", [{ name: "c", svg }], [
    { kind: "table", name: "headline2", header: ["a"], rows: [] },
  ]);
  assert.equal(other.match(/<h2 id="charts">/g)?.length, 1);
});

Deno.test("writeReport writes the markdown, the summary, the page and the charts beside their specs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(writeReport([], "", { title: "t" }), {
      name: "TypeError",
      message: 'writeReport: outDir must be a folder path, got ""',
    });
    await assert.rejects(
      writeReport([], 3 as never, { title: "t" }),
      /outDir must be a folder path, got 3/,
    );
    const runs = ["sgd", "sam"].flatMap((method, k) =>
      [0, 1].map((seed) => syntheticRun({ method, seed, accuracy: 0.8 + 0.05 * k + 0.01 * seed }))
    );
    const out = join(dir, "new", "report");
    const sections: Block[] = [{ kind: "paragraph", text: "extra words" }];
    const written = await writeReport(runs, out, { title: "R", sections });
    const summary = aggregate(runs);
    assert.deepEqual(written.summary, summary);
    assert.equal(written.markdownPath, join(out, "report.md"));
    assert.equal(written.jsonPath, join(out, "report.json"));
    assert.equal(written.htmlPath, join(out, "report.html"));
    assert.equal(
      await Deno.readTextFile(written.markdownPath),
      renderMarkdown(summary, "R", sections),
    );
    assert.deepEqual(
      JSON.parse(await Deno.readTextFile(written.jsonPath)),
      JSON.parse(JSON.stringify(summary)),
    );
    const specs = chartSpecs(summary);
    assert.deepEqual(
      written.chartPaths,
      Object.keys(specs).map((name) => join(out, "charts", name)),
    );
    for (const [name, spec] of Object.entries(specs)) {
      const svgPath = join(out, "charts", name);
      assert.match(await Deno.readTextFile(svgPath), /^<svg/);
      const specPath = join(out, "charts", name.replace(".svg", ".vl.json"));
      assert.deepEqual(
        JSON.parse(await Deno.readTextFile(specPath)),
        JSON.parse(JSON.stringify(spec)),
      );
    }
    const html = await Deno.readTextFile(written.htmlPath);
    const figures = [...html.matchAll(/<figure data-chart="([^"]*)"><svg/g)].map((m) => m[1]);
    assert.deepEqual(figures, Object.keys(specs).map((name) => name.replace(/\.svg$/, "")));
    assert.match(html, /<p>extra words<\/p>\n<\/main>/);
    assert.match(html, /<title>R<\/title>/);
    // No charts without runs, or when turned off; the page is written all the same.
    for (const [records, charts] of [[[], undefined], [runs, false]] as const) {
      const plain = join(dir, `plain-${records.length}`);
      const w = await writeReport(records, plain, { title: "P", charts });
      assert.deepEqual(w.chartPaths, []);
      assert.deepEqual([...Deno.readDirSync(join(plain, "charts"))], []);
      assert.doesNotMatch(await Deno.readTextFile(w.htmlPath), /<figure/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

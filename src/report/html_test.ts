/**
 * The HTML report in a real browser: Debian's Chromium (/usr/bin/chromium) driven by npm
 * playwright-core, which never downloads a browser of its own. The page must load with no console
 * error and no request beyond its own file, show every table and chart, fit a 1280×800 window
 * without sideways scrolling, and leave a screenshot (path printed; set REPORT_SCREENSHOT_DIR to
 * keep it somewhere known).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CHROMIUM, launchChromium } from "../io/chromium.ts";
import { syntheticRun } from "./test_fixtures.ts";
import { writeReport } from "./write_report.ts";
import { renderHtml } from "./html.ts";
import { aggregate } from "./aggregate.ts";

const METHODS = ["sgd", "sam", "frob-sam"];

/** Two cells × three methods × three seeds, five epochs, validation and Hessian measures. */
function runs() {
  return ["clean", "20%-noise"].flatMap((setting, s) =>
    METHODS.flatMap((method, k) =>
      [0, 1, 2].map((seed) =>
        syntheticRun({
          setting,
          method,
          seed,
          epochs: 5,
          accuracy: 0.84 + 0.02 * k - 0.08 * s + 0.004 * seed,
          validationAccuracy: 0.83 + 0.02 * k - 0.08 * s + 0.005 * seed,
          seconds: 1 + k,
          gradientEvaluations: 100 * (1 + Math.min(k, 1)),
          trace: 40 / (1 + k) + seed,
        })
      )
    )
  );
}

Deno.test("renderHtml escapes text and gives each inlined SVG its own ids", () => {
  const summary = aggregate([syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8 })]);
  const svg = `<svg><clipPath id="clip1"></clipPath><g clip-path="url(#clip1)"></g></svg>`;
  const html = renderHtml(summary, "a <b> & c", [{ name: "x", svg }, { name: "y", svg }]);
  assert.match(html, /<title>a &lt;b&gt; &amp; c<\/title>/);
  assert.match(html, /id="c0-clip1".*url\(#c0-clip1\)/s);
  assert.match(html, /id="c1-clip1".*url\(#c1-clip1\)/s);
  assert.equal((html.match(/id="clip1"/g) ?? []).length, 0);
  assert.throws(() => renderHtml(summary, "t", null as never), /charts must be an array/);
});

Deno.test({
  name: "report.html renders its tables and charts in headless Chromium without errors",
  // playwright keeps its pipe to the browser and timers in module state after close.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    try {
      await Deno.stat(CHROMIUM);
    } catch {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`,
      );
    }
    const dir = await Deno.makeTempDir({ prefix: "usam-html-report-" });
    const written = await writeReport(runs(), dir, { title: "HTML report test" });
    const html = await Deno.readTextFile(written.htmlPath);
    // Self-contained: no script, no stylesheet or image from elsewhere.
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
    const userDataDir = await Deno.makeTempDir({ prefix: "usam-chromium-profile-" });
    const context = await launchChromium(userDataDir);
    const problems: string[] = [];
    try {
      const page = await context.newPage();
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console error: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      const url = pathToFileURL(written.htmlPath).href;
      await page.route("**/*", (route) => {
        if (route.request().url() === url) return route.continue();
        problems.push(`request outside the file: ${route.request().url()}`);
        return route.abort();
      });
      await page.goto(url, { waitUntil: "load" });

      // Tables: the headline has one row per cell, every method column and the values.
      const headline = await page.$$eval(
        'table[data-table="headline"] tr',
        (rows) => rows.map((r) => [...r.children].map((c) => c.textContent?.trim() ?? "")),
      );
      assert.deepEqual(headline[0], ["dataset", "model", "setting", ...METHODS]);
      assert.equal(headline.length, 3);
      assert.match(headline[1][5], /^88\.40 ± \d\.\d\d( †)?$/); // frob-sam mean 0.884, best
      assert.equal(
        await page.locator('table[data-table="headline"] strong').count(),
        2,
        "one best per row, in bold",
      );
      for (const name of ["cell", "comparisons", "hessian", "cost"]) {
        const rows = await page.locator(`table[data-table="${name}"] tbody tr`).count();
        assert.ok(rows > 0, `table ${name} has rows`);
      }
      assert.equal(await page.locator('table[data-table="comparisons"] tbody tr').count(), 6);
      const cellHeader = await page.locator('table[data-table="cell"]').first().innerText();
      assert.match(cellHeader, /validation mean/);
      assert.match(cellHeader, /p Holm/);

      // Charts: each figure holds an SVG that laid out to a real size with marks and legends.
      const charts = await page.$$eval("figure[data-chart]", (figures) =>
        figures.map((f) => {
          const svg = f.querySelector("svg")!;
          const box = svg.getBoundingClientRect();
          return {
            name: f.getAttribute("data-chart"),
            width: box.width,
            height: box.height,
            right: box.right,
            paths: svg.querySelectorAll("path").length,
            text: svg.textContent ?? "",
          };
        }));
      assert.deepEqual(charts.map((c) => c.name), [
        "accuracy-per-epoch",
        "accuracy-vs-cost",
        "hessian-trace-per-epoch",
        "hessian-frobenius-per-epoch",
        "hessian-topEigenvalue-per-epoch",
      ]);
      for (const c of charts) {
        assert.ok(c.width > 400 && c.height > 150, `${c.name}: ${c.width}×${c.height}`);
        assert.ok(c.right <= 1280, `${c.name} ends at x=${c.right}, beyond the window`);
        assert.ok(c.paths > 5, `${c.name}: ${c.paths} paths`);
        for (const m of METHODS) assert.ok(c.text.includes(m), `${c.name} legend lacks ${m}`);
      }
      assert.match(charts[0].text, /validation/);
      // Bands: the accuracy chart draws one filled area per cell, method and split (2 × 3 × 2).
      const areas = await page.locator(
        'figure[data-chart="accuracy-per-epoch"] g.mark-area path',
      ).count();
      assert.equal(areas, 12);
      // Pleasant at 1280×800: nothing wider than the window.
      // A string: the test is type-checked without the DOM library.
      const scrollWidth = await page.evaluate("document.documentElement.scrollWidth") as number;
      assert.ok(scrollWidth <= 1280, `page is ${scrollWidth} px wide`);
      const wideTables = await page.$$eval(
        "div.table",
        (divs) =>
          divs.filter((d) => d.scrollWidth > d.clientWidth).map((d) => d.innerHTML.slice(0, 60)),
      );
      assert.deepEqual(wideTables, [], "tables that need sideways scrolling at 1280 px");

      const shots = Deno.env.get("REPORT_SCREENSHOT_DIR") ?? dir;
      await Deno.mkdir(shots, { recursive: true });
      const first = join(shots, "report-1280x800.png");
      await page.screenshot({ path: first });
      await page.evaluate("document.getElementById('charts').scrollIntoView()");
      await page.screenshot({ path: join(shots, "report-charts-1280x800.png") });
      await page.evaluate("window.scrollTo(0, 0)");
      await page.screenshot({ path: join(shots, "report-full.png"), fullPage: true });
      assert.ok((await Deno.stat(first)).size > 10_000, "screenshot has content");
      // Kept only where REPORT_SCREENSHOT_DIR asks for them: the report folder is removed below.
      if (shots !== dir) {
        console.log(`screenshots: ${shots}/report-{1280x800,charts-1280x800,full}.png`);
      }
    } finally {
      await context.close();
      await Deno.remove(userDataDir, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
    assert.deepEqual(problems, []);
  },
});

import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { chartSpecs, renderSvg } from "./charts.ts";
import { syntheticRun } from "./test_fixtures.ts";
import { writeReport } from "./write_report.ts";

const runs = ["sgd", "sam"].flatMap((method, k) =>
  [0, 1].map((seed) =>
    syntheticRun({ method, seed, accuracy: 0.8 + 0.05 * k + 0.01 * seed, trace: 3 - k })
  )
);

Deno.test("charts render to SVG with the methods in the legend", async () => {
  const specs = chartSpecs(aggregate(runs));
  assert.deepEqual(Object.keys(specs).sort(), [
    "accuracy-per-epoch.svg",
    "accuracy-vs-cost.svg",
    "hessian-frobenius-per-epoch.svg",
    "hessian-topEigenvalue-per-epoch.svg",
    "hessian-trace-per-epoch.svg",
  ]);
  const svg = await renderSvg(specs["accuracy-per-epoch.svg"]);
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, />sam</);
  assert.match(svg, />sgd</);
  assert.match(svg, /fashion-mnist · mlp · clean/);
  // Lines were drawn: one path per method with several points.
  assert.ok((svg.match(/<path/g) ?? []).length >= 2);
  await assert.rejects(() => renderSvg(null as never), /spec must be a vega-lite object, got null/);
});

Deno.test("writeReport writes markdown, JSON and SVG charts", async () => {
  const dir = await Deno.makeTempDir();
  const written = await writeReport(runs, dir, { title: "Charts" });
  assert.equal(written.chartPaths.length, 5);
  for (const path of written.chartPaths) {
    assert.match(await Deno.readTextFile(path), /^<svg/);
    JSON.parse(await Deno.readTextFile(path.replace(/\.svg$/, ".vl.json")));
  }
  const json = JSON.parse(await Deno.readTextFile(written.jsonPath));
  assert.equal(json.cells[0].best.method, "sam");
  await Deno.remove(dir, { recursive: true });
});

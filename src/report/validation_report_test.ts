import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { renderMarkdown } from "./markdown.ts";
import { syntheticRun } from "./test_fixtures.ts";
import { writeReport } from "./write_report.ts";

Deno.test("aggregate summarizes validation accuracy when recorded", () => {
  const runs = [0.78, 0.8, 0.79].map((v, seed) =>
    syntheticRun({ method: "sgd", seed, accuracy: 0.8, validationAccuracy: v })
  );
  const [m] = aggregate(runs).cells[0].methods;
  assert.ok(Math.abs(m.validationAccuracy!.mean - 0.79) < 1e-12);
  assert.deepEqual(m.validationAccuracyBands.map((b) => b.epoch), [1, 2, 3]);
  // Epoch 1 is 0.02 below the last (test_fixtures.ts); sd 0.01 over the 3 seeds at every epoch.
  assert.ok(Math.abs(m.validationAccuracyBands[0].mean - 0.77) < 1e-12);
  const half = 4.302652729749462 * 0.01 / Math.sqrt(3);
  assert.ok(Math.abs(m.validationAccuracyBands[0].high - 0.77 - half) < 1e-9);
  assert.deepEqual(m.counts, { train: 900, validation: 100, test: 500 });
  const md = renderMarkdown(aggregate(runs), "v");
  assert.match(md, /\| validation mean \|/);
  assert.match(md, /\| sgd \| 3 \| 80\.00 \| [^|]+ \| 79\.00 \|/);
  assert.match(md, /Images: 900 train, 100 validation, 500 test\./);
  // Without validation fields the column is left out.
  const plain = renderMarkdown(
    aggregate([syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8 })]),
    "p",
  );
  assert.doesNotMatch(plain, /validation mean/);
});

Deno.test("writeReport appends extra sections to both report.md and report.html", async () => {
  const dir = await Deno.makeTempDir();
  const written = await writeReport(
    [syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8 })],
    dir,
    {
      title: "extra",
      charts: false,
      sections: [
        { kind: "heading", level: 2, text: "Tuning" },
        { kind: "table", name: "tuning", header: ["method", "lr"], rows: [["sgd", "**0.05**"]] },
      ],
    },
  );
  const md = await Deno.readTextFile(written.markdownPath);
  assert.match(md, /## Tuning\n\n\| method \| lr \|\n\|---\|---\|\n\| sgd \| \*\*0\.05\*\* \|\n$/);
  const html = await Deno.readTextFile(written.htmlPath);
  assert.match(html, /<h2 id="tuning">Tuning<\/h2>/);
  assert.match(
    html,
    /<table data-table="tuning">.*<td class="text">sgd<\/td><td><strong>0\.05<\/strong><\/td>/s,
  );
  await Deno.remove(dir, { recursive: true });
});

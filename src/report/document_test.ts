/**
 * The report's text on the grid of `casesRecords` (issue 14: these kill the mutants of
 * document.ts and markdown.ts that the other tests let survive, most of them in the wording and
 * the number formats). Two kinds of check:
 *
 * - lines whose figures were worked out by hand (the comments say how), which fail if a number,
 *   its format or its column moves;
 * - the whole Markdown against `testdata/cases_report.txt`, a reviewed copy of the report (its
 *   figures agree with `aggregate_cases_test.ts`, which derives them by hand and from SciPy; a
 *   .txt so that `deno fmt` leaves it as the report writes it), so that a change of wording,
 *   order or format shows as a diff to review. After an intended change to the report, review the
 *   diff and replace the file with the new output.
 */
import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { headlineBlock, reportDocument } from "./document.ts";
import { headlineTable, renderMarkdown } from "./markdown.ts";
import { casesRecords, syntheticRun } from "./test_fixtures.ts";

const summary = aggregate(casesRecords());
const markdown = renderMarkdown(summary, "Cases", [{ kind: "list", items: ["extra"] }]);
const lines = markdown.split("\n");

Deno.test("document: hand-checked figures in the headline, cell, comparison and cost tables", () => {
  // sam on mlp/clean: 0.75, 0.8125, 0.875: mean 81.25%, sd 6.25 points, half width
  // t(0.975, 2) · 6.25/√3 = 4.3027 · 3.608 = 15.53; best of the row, not significant; frob-sam's
  // three equal values give ± 0.00 and its one failed run is noted.
  assert.ok(
    lines.includes(
      "| fashion-mnist | mlp | clean | **81.25 ± 15.53** | 56.25 ± 15.53 | 68.75 ± 0.00 (1 failed) |",
    ),
  );
  // One seed: no interval. No results at all: the failures, or a dash for a method not run.
  assert.ok(lines.includes("| fashion-mnist | cnn | pair | **75.00** | 50.00 | – |"));
  assert.ok(lines.includes("| fashion-mnist | cnn | clean | – | failed ×1 | – |"));
  // sam against SGD, paired: differences 0.25, 0.1875, 0.3125, mean +25.00, the same half width
  // 15.53; Hedges' g = (0.25 / 0.0625) · (1 − 3/15) = 3.20; p values as in aggregate_cases_test.
  assert.ok(lines.includes(
    "| sam | 3 | 81.25 | [65.72, 96.78] | – | SGD | +25.00 | [+9.47, +40.53] | 0.0202 | 0.0080 | 0.1010 | 3.20 |",
  ));
  // frob-sam's second row (against SAM) leaves its own columns empty.
  assert.ok(lines.includes(
    "|  |  |  |  |  | SAM | -12.50 | [-28.03, +3.03] | 0.0742 | 0.0742 | 0.2967 | -2.26 |",
  ));
  assert.ok(lines.includes("| sam | 2 | 50.00 | [50.00, 50.00] | – | – | – | – | – | – | – | – |"));
  assert.ok(lines.includes(
    "| fashion-mnist · mlp · clean | sam | sgd | paired | +25.00 | [+9.47, +40.53] | 0.0202 | 0.1010 | no |",
  ));
  // Seconds ratios 2, 2, 2, 1, 1: median over the cells 1.5, se √0.3/√5 = 0.24.
  assert.ok(lines.includes("| mlp | sam | 1.50 | 1.50 ± 0.24 | 3 |"));
  // Last traces 10 and 20: 15 ± sd 7.071.
  assert.ok(lines.includes(
    "| fashion-mnist | mlp | clean | sam | 15.000 ± 7.071 | 1.000 ± 0.000 | 2.000 ± 0.000 |",
  ));
  assert.ok(lines.includes("Images: 10 train, 0 validation, 5 test."));
  assert.ok(lines.includes("- sgd seed 0: loss is NaN at step 5"));
  assert.ok(lines.includes('- {"backend":"wasm","machine":"other"}'));
});

Deno.test("document: the whole Markdown report is the reviewed one", async () => {
  const expected = await Deno.readTextFile(new URL("./testdata/cases_report.txt", import.meta.url));
  const got = markdown;
  const wanted = expected.split("\n");
  const first = got.split("\n").findIndex((line, i) => line !== wanted[i]);
  assert.equal(
    first,
    -1,
    `line ${first + 1} differs:\n  got:      ${got.split("\n")[first]}\n  expected: ${
      wanted[first]
    }`,
  );
  assert.equal(got, expected);
});

Deno.test("document: blocks, headline table and the number formats at their edges", () => {
  const blocks = reportDocument(summary, "Cases");
  assert.deepEqual(blocks[0], { kind: "heading", level: 1, text: "Cases" });
  assert.deepEqual(
    blocks.filter((b) => b.kind === "table").map((b) => b.kind === "table" && b.name),
    [
      "headline",
      "cell",
      "cell",
      "cell",
      "cell",
      "cell",
      "cell",
      "comparisons",
      "hessian",
      "cost",
    ],
  );
  assert.deepEqual(headlineBlock(summary).header, [
    "dataset",
    "model",
    "setting",
    "sam",
    "sgd",
    "frob-sam",
  ]);
  assert.ok(markdown.includes(headlineTable(summary)));
  assert.ok(
    headlineTable(summary).startsWith(
      "| dataset | model | setting | sam | sgd | frob-sam |\n|---|---|---|---|---|---|\n",
    ),
  );

  // Far apart accuracies give p < 1e-4; last traces of 12345 and 0.0005 print in exponent form,
  // 0 as 0.000 (one run: no sd); a report without comparisons or Hessian measures says so.
  const far = aggregate([
    ...[0, 1, 2].map((seed) =>
      syntheticRun({ method: "sgd", seed, accuracy: 0.5 + seed / 1000, trace: 12345 })
    ),
    ...[0, 1, 2].map((seed) =>
      syntheticRun({ method: "sam", seed, accuracy: 0.9 + seed / 1000, trace: 0.0005 })
    ),
    syntheticRun({ method: "adam", seed: 0, accuracy: 0.7, trace: 0 }),
  ]);
  const text = renderMarkdown(far, "Far");
  assert.ok(
    text.includes(
      "| fashion-mnist · mlp · clean | sam | sgd | welch | +40.00 | – | <1e-4 | <1e-4 | **yes** |",
    ),
    text,
  );
  assert.ok(text.includes("| fashion-mnist | mlp | clean | sgd | 1.23e+4 ± 0.000 |"), text);
  assert.ok(text.includes("| fashion-mnist | mlp | clean | sam | 5.00e-4 ± 0.000 |"), text);
  assert.ok(text.includes("| fashion-mnist | mlp | clean | adam | 0.000 | 1.000 | 2.000 |"), text);
  const bare = reportDocument(
    aggregate([syntheticRun({ method: "sgd", seed: 0, accuracy: 0.5 })]),
    "Bare",
  );
  const headings = bare.filter((b) => b.kind === "heading").map((b) =>
    b.kind === "heading" && b.text
  );
  assert.ok(!headings.includes("All comparisons (Holm–Bonferroni)"));
  assert.ok(
    bare.some((b) =>
      b.kind === "paragraph" && b.text.startsWith("No run recorded Hessian measures")
    ),
  );
});

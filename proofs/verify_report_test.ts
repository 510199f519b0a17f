import assert from "node:assert/strict";
import type { Property } from "./property.ts";
import { formatTable, runProperties, writeReport } from "./verify_report.ts";

const passing: Property = {
  id: 1,
  name: "passes",
  run: (seed) => ({ cases: seed, worstError: 0.5, tolerance: 1, passed: true, detail: "fine" }),
};
const overTolerance: Property = {
  id: 2,
  name: "claims to pass but is over its tolerance",
  run: () => ({ cases: 3, worstError: 2, tolerance: 1, passed: true, detail: "" }),
};
const throwing: Property = {
  id: 3,
  name: "throws",
  run: () => {
    throw new RangeError("boom");
  },
};

Deno.test("runProperties passes the seed, fails rows over tolerance or throwing", async () => {
  const report = await runProperties([passing, overTolerance, throwing], 42);
  assert.equal(report.seed, 42);
  assert.equal(report.properties[0].cases, 42);
  assert.deepEqual(report.properties.map((r) => r.passed), [true, false, false]);
  assert.equal(report.passed, false);
  assert.match(report.properties[2].detail, /boom/);
  assert.match(report.replay, /--seed 42/);
  const ok = await runProperties([passing], 1);
  assert.equal(ok.passed, true);
  await assert.rejects(() => runProperties([passing], 1.5), TypeError);
});

Deno.test("formatTable has one row a property with pass/FAIL", async () => {
  const report = await runProperties([passing, throwing], 7);
  const lines = formatTable(report.properties).split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[2], /passes .* pass/);
  assert.match(lines[3], /throws .*Infinity .* FAIL/);
});

Deno.test("writeReport writes JSON atomically, non-finite numbers as strings", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/nested/verify.json`;
    const report = await runProperties([passing, throwing], 3);
    await writeReport(path, report);
    const parsed = JSON.parse(await Deno.readTextFile(path));
    assert.equal(parsed.seed, 3);
    assert.equal(parsed.properties[1].worstError, "Infinity");
    const leftovers = [...Deno.readDirSync(`${dir}/nested`)].map((e) => e.name);
    assert.deepEqual(leftovers, ["verify.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

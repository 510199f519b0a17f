import assert from "node:assert/strict";
import {
  gatedCommand,
  listMutants,
  type MutantReport,
  restrictReport,
  sampleMutants,
} from "./mutants.ts";

/** A report of `count` mutants in two files, ids in instrumentation order. */
function report(count: number): MutantReport {
  const mutant = (i: number) => ({
    id: String(i),
    mutatorName: i % 3 === 0 ? "ConditionalExpression" : "StringLiteral",
    replacement: i % 3 === 0 ? "true" : '""',
    status: "Survived",
    // Every third pair shares a place (as Stryker's true/false mutants of one condition do).
    location: {
      start: { line: 1 + Math.floor(i / 2), column: 3 },
      end: { line: 1 + Math.floor(i / 2), column: 9 },
    },
  });
  const ids = Array.from({ length: count }, (_, i) => i);
  return {
    files: {
      "src/a.ts": { mutants: ids.filter((i) => i % 2 === 0).map(mutant) },
      "src/b.ts": { mutants: ids.filter((i) => i % 2 === 1).map(mutant) },
    },
  };
}

Deno.test("sampleMutants draws every mutant with probability n/N over seeds, without repeats", () => {
  const all = listMutants(report(40));
  assert.equal(all.length, 40);
  const seeds = 2000;
  const chosen = new Map<string, number>();
  for (let seed = 0; seed < seeds; seed++) {
    const sample = sampleMutants(all, 10, seed);
    assert.equal(new Set(sample.map((m) => m.key)).size, 10, `seed ${seed}: a repeat`);
    for (const m of sample) chosen.set(m.key, (chosen.get(m.key) ?? 0) + 1);
  }
  // Each of the 40 is in a sample with p = 1/4: 500 of 2000 expected, σ = √(2000·¼·¾) ≈ 19.4.
  // ±5σ (403..597) for each of 40 counts: a false alarm about once in 10⁵ runs of this test, while
  // a sampler that favoured the first or last quarter of the list would put counts at 0 or 2000.
  assert.equal(chosen.size, 40);
  for (const [key, n] of chosen) assert.ok(n >= 403 && n <= 597, `${key}: chosen ${n} times`);
  // The same seed gives the same sample; another seed, another one.
  assert.deepEqual(sampleMutants(all, 10, 7), sampleMutants(all, 10, 7));
  assert.notDeepEqual(sampleMutants(all, 10, 7), sampleMutants(all, 10, 8));
  assert.equal(sampleMutants(all, 100, 0).length, 40, "n above the count takes them all");
});

Deno.test("restrictReport keeps exactly the sampled ids, and refuses a report that numbers them otherwise", () => {
  const census = report(12);
  const sample = sampleMutants(listMutants(census), 5, 3);
  const kept = restrictReport(census, sample);
  assert.deepEqual(
    listMutants(kept).map((m) => m.key).sort(),
    sample.map((m) => m.key).sort(),
  );
  // A run whose ids shifted by one (another file set instrumented first) is caught, not scored.
  const shifted: MutantReport = {
    files: Object.fromEntries(
      Object.entries(census.files).map(([file, entry]) => [file, {
        mutants: entry.mutants.map((m) => ({ ...m, id: String(Number(m.id) + 1) })),
      }]),
    ),
  };
  assert.throws(() => restrictReport(shifted, sample), /in this run's report/);
});

/** Imports stryker.config.mjs afresh under `env` (its settings are read at import). */
async function strykerConfig(env: Record<string, string>, tag: string) {
  const names = [
    "USAM_MUTANTS_LIST",
    "USAM_MUTANTS_ONLY",
    "USAM_MUTANTS_REPORT",
    "USAM_MUTANTS_TESTS",
  ];
  const saved = names.map((n) => Deno.env.get(n));
  for (const n of names) Deno.env.delete(n);
  for (const [n, v] of Object.entries(env)) Deno.env.set(n, v);
  try {
    return (await import(`../stryker.config.mjs?${tag}`)).default;
  } finally {
    names.forEach((n, i) =>
      saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)
    );
  }
}

Deno.test("stryker.config.mjs: the census runs `true`, the sampled run gates its tests as gatedCommand does", async () => {
  const tests = { USAM_MUTANTS_TESTS: "src/x_test.ts" };
  const full = await strykerConfig(tests, "full");
  assert.equal(full.commandRunner.command, "deno test -A --no-check --fail-fast src/x_test.ts");
  const census = await strykerConfig(
    { ...tests, USAM_MUTANTS_LIST: "1", USAM_MUTANTS_REPORT: "/tmp/census.json" },
    "census",
  );
  assert.equal(census.commandRunner.command, "true");
  assert.equal(census.jsonReporter.fileName, "/tmp/census.json");
  const gated = await strykerConfig({ ...tests, USAM_MUTANTS_ONLY: "4,31" }, "gated");
  assert.equal(gated.commandRunner.command, gatedCommand(full.commandRunner.command, ["4", "31"]));
  await assert.rejects(strykerConfig({ USAM_MUTANTS_ONLY: "4;rm" }, "bad"), /USAM_MUTANTS_ONLY/);
  // The gate itself, through /bin/sh as Stryker's command runner calls it.
  const run = (mutant?: string) =>
    new Deno.Command("sh", {
      args: ["-c", gatedCommand("exit 7", ["4", "31"])],
      env: mutant === undefined ? {} : { __STRYKER_ACTIVE_MUTANT__: mutant },
      clearEnv: true,
    }).outputSync().code;
  assert.equal(run(), 7, "the dry run runs the tests");
  assert.equal(run("31"), 7);
  assert.equal(run("4"), 7);
  assert.equal(run("3"), 0, "an unsampled mutant exits at once");
  assert.equal(run("314"), 0, "ids match whole, not by prefix");
});

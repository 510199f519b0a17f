/**
 * `deno task verify`: runs the eight properties of the theory with one seed, prints a table
 * (cases, worst error, tolerance, pass/fail per property) and the seed with the command that
 * replays it, writes `results/runs/verify.json` (git-ignored), and exits non-zero on any failure.
 *
 * Flags: `--seed N` (default: `USAM_SEED` or the fixed default of proofs/property.ts),
 * `--out PATH` (default `results/runs/verify.json`; `--out results/verify.json` updates the
 * committed reference), `--only 2,5` (a subset by id), `--help`.
 *
 * @example
 * ```sh
 * deno task verify --seed 12345
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { properties } from "./mod.ts";
import { defaultSeed } from "./property.ts";
import { formatTable, runProperties, writeReport } from "./verify_report.ts";

/**
 * Where `deno task verify` writes its report unless `--out` says otherwise: under the git-ignored
 * `results/runs/`, so that a plain run leaves the tracked tree (and so the commit every training
 * run records) clean. The committed reference, `results/verify.json`, is updated on purpose with
 * `--out results/verify.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_VERIFY_OUT } from "./verify.ts";
 * assert.equal(DEFAULT_VERIFY_OUT, "results/runs/verify.json");
 * ```
 */
export const DEFAULT_VERIFY_OUT = "results/runs/verify.json";

const USAGE =
  `usage: deno task verify [--seed N] [--out ${DEFAULT_VERIFY_OUT}] [--only 1,2,...]\n` +
  "  (--out results/verify.json updates the committed reference report)";

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        seed: { type: "string" },
        out: { type: "string", default: DEFAULT_VERIFY_OUT },
        only: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seed = values.seed === undefined ? defaultSeed() : Number(values.seed);
  if (!Number.isInteger(seed)) {
    console.error(`--seed must be an integer, got ${values.seed}\n${USAGE}`);
    return 2;
  }
  let selected = properties;
  if (values.only !== undefined) {
    const ids = values.only.split(",").map((s) => Number(s.trim()));
    const unknown = ids.filter((id) => !properties.some((p) => p.id === id));
    if (unknown.length > 0 || ids.length === 0) {
      console.error(`--only: unknown property id(s) ${unknown.join(", ")} (known: 1..8)`);
      return 2;
    }
    selected = properties.filter((p) => ids.includes(p.id));
  }
  console.log(`usam verify: ${selected.length} properties, seed ${seed}`);
  const report = await runProperties(selected, seed, (row) => {
    console.log(
      `  ${row.passed ? "pass" : "FAIL"}  ${row.id}. ${row.name} (${row.seconds.toFixed(1)} s)`,
    );
  });
  console.log(`\n${formatTable(report.properties)}\n`);
  for (const row of report.properties) {
    if (!row.passed) console.log(`property ${row.id} failed: ${row.detail}\n`);
  }
  await writeReport(values.out, report);
  const failed = report.properties.filter((r) => !r.passed).length;
  console.log(
    `${report.properties.length - failed} passed, ${failed} failed in ${
      report.seconds.toFixed(1)
    } s; wrote ${values.out}`,
  );
  console.log(`seed ${seed}; replay with: ${report.replay}`);
  return report.passed ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

// Mutation testing with Stryker (`deno task mutants [module[:scope]]`, outside CI: it is slow).
// Stryker runs on Node; its command runner runs a scope's `deno test` files against every mutant
// (`--no-check`: a mutant that does not type-check would otherwise count as killed by the type
// checker, not by a test). scripts/mutants.ts picks the module and scope through
// USAM_MUTANTS_MODULE and USAM_MUTANTS_SCOPE; the scopes are in scripts/mutant_scopes.json.
//
// A module is a list of scopes: some source files and the fastest test files that exercise them.
// The command runner runs every test file against every mutant (no per-test coverage), so a
// scope costs its mutant count times its tests' run time; giving each file only the tests that
// exercise it keeps the slow tests (Chromium, whole training runs) to the mutants they can kill.
import { readFileSync } from "node:fs";

const MODULES = JSON.parse(
  readFileSync(new URL("./scripts/mutant_scopes.json", import.meta.url), "utf8"),
);
const name = process.env.USAM_MUTANTS_MODULE ?? "measures";
const scopes = MODULES[name];
if (!scopes) {
  throw new Error(`USAM_MUTANTS_MODULE must be one of ${Object.keys(MODULES)}, got ${name}`);
}
const scopeName = process.env.USAM_MUTANTS_SCOPE ?? scopes[0].name;
const scope = scopes.find((s) => s.name === scopeName);
if (!scope) {
  throw new Error(
    `USAM_MUTANTS_SCOPE must be one of ${scopes.map((s) => s.name)} for ${name}, got ${scopeName}`,
  );
}
// USAM_MUTANTS_WITH_PROOFS=1 adds a scope's property tests (stronger, several times slower);
// USAM_MUTANTS_TESTS (comma-separated) replaces the scope's test files.
const tests = process.env.USAM_MUTANTS_TESTS?.split(",") ??
  [...scope.tests, ...(process.env.USAM_MUTANTS_WITH_PROOFS === "1" ? scope.proofs ?? [] : [])];

// --fail-fast: a killed mutant stops at its first failing test (the slow files later in the list
// are not run for it); the verdict is the same, killed or not.
const testCommand = `deno test -A --no-check --fail-fast ${tests.join(" ")}`;
// Set by scripts/mutants.ts for its census and sample modes (see its documentation):
// USAM_MUTANTS_LIST=1 runs `true` for every mutant (a census: every mutant "survives", nothing is
// tested); USAM_MUTANTS_ONLY=3,17,... runs the tests only for those mutant ids and the dry run
// (Stryker names the active mutant in __STRYKER_ACTIVE_MUTANT__; the other mutants exit 0 at once
// and the script drops them from the report: the same command as its gatedCommand);
// USAM_MUTANTS_REPORT replaces the report's path.
const only = process.env.USAM_MUTANTS_ONLY ? process.env.USAM_MUTANTS_ONLY.split(",") : null;
if (only?.some((id) => !/^\d+$/.test(id))) {
  throw new Error(`USAM_MUTANTS_ONLY must be comma-separated mutant ids, got ${only}`);
}
const command = process.env.USAM_MUTANTS_LIST === "1"
  ? "true"
  : only
  ? `case ",\${__STRYKER_ACTIVE_MUTANT__:-dry}," in ,dry,|${
    only.map((id) => `,${id},`).join("|")
  }) ${testCommand} ;; *) exit 0 ;; esac`
  : testCommand;

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "command",
  commandRunner: { command },
  coverageAnalysis: "off", // the command runner cannot map tests to mutants
  // USAM_MUTANTS_FILES (comma-separated globs) narrows the mutated files, e.g. for a quick score.
  mutate: process.env.USAM_MUTANTS_FILES ? process.env.USAM_MUTANTS_FILES.split(",") : scope.mutate,
  ignorePatterns: ["results", ".git", ".stryker-tmp", "reports"],
  tempDirName: ".stryker-tmp",
  concurrency: Number(process.env.USAM_MUTANTS_CONCURRENCY ?? 1),
  // Added to twice the unmutated run's time: a mutant slower than that (an endless loop) counts
  // as killed by timeout. Quick scopes wait less for their endless loops.
  timeoutMS: scope.timeoutMS ?? 60_000,
  timeoutFactor: 2,
  reporters: ["clear-text", "progress-append-only", "json"],
  jsonReporter: {
    fileName: process.env.USAM_MUTANTS_REPORT || `results/runs/mutants/${name}.${scope.name}.json`,
  },
  cleanTempDir: "always",
};

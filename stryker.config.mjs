// Mutation testing with Stryker (`deno task mutants [module]`, outside CI: it is slow). Stryker
// runs on Node; its command runner runs each module's `deno test` files against every mutant
// (`--no-check`: a mutant that does not type-check would otherwise count as killed by the type
// checker, not by a test). scripts/mutants.ts picks the module through USAM_MUTANTS_MODULE.
const MODULES = {
  measures: {
    mutate: ["src/measures/**/*.ts", "!src/measures/**/*_test.ts", "!src/measures/**/*_bench.ts"],
    // The module's own tests; USAM_MUTANTS_WITH_PROOFS=1 adds the property tests that use it
    // (stronger, and several times slower per mutant).
    tests: [
      "src/measures/",
      ...(process.env.USAM_MUTANTS_WITH_PROOFS === "1"
        ? [
          "proofs/quadratic_estimates_test.ts",
          "proofs/saddle_test.ts",
          "proofs/rescaling_test.ts",
          "proofs/universality_test.ts",
          "proofs/explicit_bias_test.ts",
          "proofs/reference_step_test.ts",
        ]
        : []),
    ],
  },
  optimizers: {
    mutate: [
      "src/optimizers/**/*.ts",
      "!src/optimizers/**/*_test.ts",
      "!src/optimizers/test_*.ts",
    ],
    tests: ["src/optimizers/"],
  },
  training: {
    mutate: ["src/training/**/*.ts", "!src/training/**/*_test.ts", "!src/training/**/*_bench.ts"],
    tests: ["src/training/"],
  },
  settings: {
    mutate: ["src/data/settings.ts"],
    tests: [
      "src/data/settings_test.ts",
      "src/data/fashion_mnist_test.ts",
      "src/training/train_mutants_test.ts",
    ],
  },
  report: {
    mutate: ["src/report/**/*.ts", "!src/report/**/*_test.ts", "!src/report/test_fixtures.ts"],
    tests: ["src/report/"],
  },
};

const name = process.env.USAM_MUTANTS_MODULE ?? "measures";
const module = MODULES[name];
if (!module) {
  throw new Error(`USAM_MUTANTS_MODULE must be one of ${Object.keys(MODULES)}, got ${name}`);
}

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "command",
  commandRunner: { command: `deno test -A --no-check ${module.tests.join(" ")}` },
  coverageAnalysis: "off", // the command runner cannot map tests to mutants
  // USAM_MUTANTS_FILES (comma-separated globs) narrows the mutated files, e.g. for a quick score.
  mutate: process.env.USAM_MUTANTS_FILES
    ? process.env.USAM_MUTANTS_FILES.split(",")
    : module.mutate,
  ignorePatterns: ["results", ".git", ".stryker-tmp", "reports"],
  tempDirName: ".stryker-tmp",
  concurrency: Number(process.env.USAM_MUTANTS_CONCURRENCY ?? 1),
  timeoutMS: 60_000,
  timeoutFactor: 2,
  reporters: ["clear-text", "progress-append-only", "json"],
  jsonReporter: { fileName: `results/runs/mutants/${name}.json` },
  cleanTempDir: "always",
};

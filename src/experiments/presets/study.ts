/**
 * `study`: the study of issue 11 on the full Fashion-MNIST (60,000 training / 10,000 test images,
 * 10% of the learner's data held out for validation), the MLP, the LeNet-5 `cnn` and ResNet-18 at
 * width ×1/16 (last), the three settings, six methods tuned on validation (Adam as a reference,
 * untuned), 5 fresh final seeds, the Hessian trace, ‖H‖_F and λ_max every epoch on a fixed
 * subset. `study-demo`: the authors' MNIST demonstration (Frob-SAM rho 0.01, lambda 0.005, lr 0.001
 * constant, 20 epochs, against SGD on the same schedule) on Fashion-MNIST, 5 seeds each.
 *
 * The study is too large for one session on a 2-core machine, so it is run in parts
 * ({@link studyParts}): each part is the `study` grid restricted to one model (and, for the
 * final runs, one setting), with the same run ids, so every part writes into
 * `results/study/runs/` and the `study` report reads all of them. Compute sizing and the cuts are
 * in `results/study/PLAN.md`.
 *
 * The first cut of the issue's shrink order is applied: every method is tuned once per model, on
 * the clean setting, with one seed and a 5-epoch schedule (`tuning.setting`, `tuning.flags`), and
 * the selected values are reused in every setting. ResNet-18 is in the grid but not in the plan
 * for a 2-core machine (the third cut; PLAN.md gives its cost).
 *
 * @module
 */
import { type GridDeclaration, type GridOptimizer, PAPER_SETTINGS } from "../grid.ts";

/**
 * The search spaces, around the authors' values (THEORY.md): about three values each.
 *
 * The MLP was tuned first (results/study/runs/main/tuning.json), on `search`. Every method's
 * selection there sat at an edge of its space (SAM, ASAM, Det-SAM and Frob-SAM at their smallest
 * rho, Trace-SAM at its largest rho and smallest lambda, Frob-SAM at its smallest lambda), so the
 * MLP's spaces are kept (its tuning and finals are done and are reported as tuned), and the models
 * tuned after it get three values moved one step toward those edges (`searchByModel`), the same
 * number of trials, so that an optimum inside the space can show.
 */
function studyOptimizers(): GridOptimizer[] {
  // One step = the spacing of each space (x2 to x3 in rho, x3 or x10 in lambda).
  const later = <T>(space: T) => ({ cnn: space, resnet: space });
  return [
    { optimizer: "sgd" },
    // Adam is a reference only: untuned, with its own learning rate.
    { optimizer: "adam", flags: { lr: 0.001 } },
    {
      optimizer: "sam",
      search: { rho: [0.02, 0.05, 0.1] },
      searchByModel: later({ rho: [0.01, 0.02, 0.05] }),
    },
    {
      optimizer: "asam",
      flags: { eta: 0.01 },
      search: { rho: [0.2, 0.5, 1] },
      searchByModel: later({ rho: [0.1, 0.2, 0.5] }),
    },
    {
      optimizer: "trace-sam",
      flags: { samples: 1 },
      search: { rho: [0.005, 0.01, 0.02], lambda: [0.3, 1, 3] },
      searchByModel: later({ rho: [0.01, 0.02, 0.05], lambda: [0.1, 0.3, 1] }),
    },
    {
      // The authors' rho 0.005 / lambda 0.005 diverges on these nets at lr 0.05 (see
      // `smallNetworkOptimizers`): the space is centred on lambda/rho² ≈ 1, which trains.
      optimizer: "frob-sam",
      flags: { samples: 2 },
      search: { rho: [0.005, 0.01, 0.02], lambda: [1e-5, 1e-4, 1e-3] },
      searchByModel: later({ rho: [0.0025, 0.005, 0.01], lambda: [1e-6, 1e-5, 1e-4] }),
    },
    {
      optimizer: "det-sam",
      flags: { samples: 1, halfWidth: 0.01 },
      search: { rho: [0.5, 1, 2], lambda: [0.3, 1, 3] },
      searchByModel: later({ rho: [0.25, 0.5, 1], lambda: [0.3, 1, 3] }),
    },
  ];
}

/** The study's models, in the order they are run (ResNet last: the shrink order's third cut). */
export const STUDY_MODELS = ["mlp", "cnn", "resnet"] as const;

/**
 * The `study` grid: every model, setting and method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { studyGrid } from "./study.ts";
 * const grid = studyGrid();
 * assert.equal(grid.seeds.length, 5);
 * assert.equal(grid.common?.trainLimit, null);
 * assert.equal(grid.tuning?.setting?.name, "clean");
 * ```
 */
export function studyGrid(): GridDeclaration {
  return {
    name: "study",
    description:
      "Full Fashion-MNIST, MLP/CNN/ResNet-18 x1/16, 3 settings, 6 tuned methods + Adam, " +
      "5 final seeds, Hessian every epoch; run in parts (results/study/PLAN.md)",
    datasets: ["fashion-mnist"],
    models: [...STUDY_MODELS],
    optimizers: studyOptimizers(),
    seeds: [0, 1, 2, 3, 4],
    settings: [...PAPER_SETTINGS],
    tuning: {
      seeds: [100],
      metric: "best-validation-accuracy",
      setting: PAPER_SETTINGS[0],
      // The Hessian selects nothing, so tuning runs skip it.
      flags: { epochs: 5, hessianEvery: 0 },
    },
    common: {
      epochs: 20,
      batchSize: 128,
      lr: 0.05,
      momentum: 0.9,
      schedule: "cosine",
      validationFraction: 0.1,
      trainLimit: null,
      testLimit: null,
      hessianEvery: 1,
      hessianSamples: 10,
      hessianSubset: 512,
    },
  };
}

/** One part of the study: a sub-grid run in one (or, where PLAN.md says so, more) session. */
export interface StudyPart {
  /** The preset name, e.g. `study-mlp-clean`. */
  name: string;
  grid: GridDeclaration;
}

/**
 * The study's parts, in run order: for each model, its clean, 10%-data and 20%-noise cells. Each
 * part holds the model's tuning runs (on the clean setting; a later part finds them done) and its
 * cell's final runs. A part's runs have the ids of the same runs of `study` (the grid's name is
 * not part of an id): parts only choose which runs a session does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { studyParts } from "./study.ts";
 * const names = studyParts().map((p) => p.name);
 * assert.equal(names[0], "study-mlp-clean");
 * assert.equal(names.length, 9);
 * ```
 */
export function studyParts(): StudyPart[] {
  const study = studyGrid();
  const parts: StudyPart[] = [];
  for (const model of STUDY_MODELS) {
    for (const setting of study.settings) {
      parts.push({
        name: `study-${model}-${setting.name.replace(/%/g, "pct")}`,
        grid: { ...study, models: [model], settings: [setting] },
      });
    }
  }
  return parts;
}

/**
 * The `study-demo` grid: the authors' MNIST demonstration on Fashion-MNIST. Frob-SAM rho 0.01,
 * lambda 0.005, n 2, against SGD, both at lr 0.001 constant (momentum 0.9), batch 128, 20 epochs,
 * 5 seeds, on the MLP, full data, ‖H‖_F (with trace and λ_max) every epoch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { studyDemoGrid } from "./study.ts";
 * const grid = studyDemoGrid();
 * assert.equal(grid.common?.schedule, "constant");
 * assert.equal(grid.optimizers.find((o) => o.optimizer === "frob-sam")?.flags?.lambda, 0.005);
 * ```
 */
export function studyDemoGrid(): GridDeclaration {
  return {
    name: "study-demo",
    description: "The authors' MNIST demonstration on Fashion-MNIST: Frob-SAM vs SGD, lr 0.001 " +
      "constant, 20 epochs, 5 seeds, Hessian every epoch",
    datasets: ["fashion-mnist"],
    models: ["mlp"],
    optimizers: [
      { optimizer: "sgd" },
      { optimizer: "frob-sam", flags: { rho: 0.01, lambda: 0.005, samples: 2 } },
    ],
    seeds: [0, 1, 2, 3, 4],
    settings: [{ name: "clean" }],
    common: {
      epochs: 20,
      batchSize: 128,
      lr: 0.001,
      momentum: 0.9,
      schedule: "constant",
      validationFraction: 0.1,
      trainLimit: null,
      testLimit: null,
      hessianEvery: 1,
      hessianSamples: 10,
      hessianSubset: 512,
    },
  };
}

/**
 * Comparison grids: the declaration (datasets × models × optimizers × seeds × settings, and
 * optionally a per-method search space tuned on validation accuracy), its expansion into runs with
 * a stable content hash each, the check of every run's config before anything runs, and
 * deterministic sharding.
 *
 * A run's id is the SHA-256 of the canonical JSON (sorted keys) of what defines it: the cell
 * labels and the training flags that differ from the defaults. The backend is not part of the id:
 * it says where a run is executed, not what it computes, so a grid started on one machine can be
 * finished on another.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { makeTrainConfig, type TrainConfig } from "../training/config.ts";
import { MODEL_NAMES } from "../models/create.ts";

/** The training flags a grid may set: the experiment config (`TrainConfig`), any subset. */
export type GridFlags = Partial<TrainConfig>;

/** The numeric config fields a search space may vary (rho, lambda, lr, momentum, ...). */
export type TunableKey = {
  [K in keyof TrainConfig]: TrainConfig[K] extends number ? K : never;
}[keyof TrainConfig];

/** A per-method search space: each key's candidate values (the trials are their product). */
export type SearchSpace = Partial<Record<TunableKey, number[]>>;

/**
 * What tuning selects on (the test set is never used to select).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SELECTION_METRICS } from "./grid.ts";
 * assert.deepEqual([...SELECTION_METRICS], ["final-validation-accuracy", "best-validation-accuracy"]);
 * ```
 */
export const SELECTION_METRICS = ["final-validation-accuracy", "best-validation-accuracy"] as const;
/** One of {@link SELECTION_METRICS}. */
export type SelectionMetric = typeof SELECTION_METRICS[number];

/** How a grid tunes the methods that declare a `search` space. */
export interface GridTuning {
  /** Seeds of the tuning runs; they must differ from the grid's `seeds` (the final runs). */
  seeds: number[];
  /**
   * `final-validation-accuracy`: the last epoch's; `best-validation-accuracy`: the best epoch's
   * (early stopping). The mean over the tuning seeds selects, per cell and method.
   */
  metric: SelectionMetric;
  /**
   * Tune on this setting only and reuse its selection in every setting of the grid (the issue's
   * first cut: "tune once per model, on the clean setting"). Absent: every setting is tuned.
   */
  setting?: GridSetting;
  /** Flags of the tuning runs only, over everything else (e.g. a shorter schedule). */
  flags?: GridFlags;
}

/** One optimizer of a grid, with its label in tables and its hyperparameters. */
export interface GridOptimizer {
  /** Label in the report (e.g. "sam" or "sam-rho0.1"); defaults to `optimizer`. */
  label?: string;
  /** A `createOptimizer` name: sgd adam sam asam trace-sam frob-sam det-sam. */
  optimizer: TrainConfig["optimizer"];
  /** rho, lambda, samples, eta, halfWidth, lr, ... for this optimizer only. */
  flags?: GridFlags;
  /** Values to tune (needs the grid's `tuning`); each trial's values override `flags`. */
  search?: SearchSpace;
  /**
   * A model's own search space, in place of `search` for that model (e.g. a space moved after
   * another model's tuning selected an edge of `search`). Other models keep `search`.
   */
  searchByModel?: Partial<Record<TrainConfig["model"], SearchSpace>>;
}

/** One data setting: clean, limited data, or noisy labels. */
export interface GridSetting {
  /** Label in the report: "clean", "10%-data", "20%-noise". */
  name: string;
  trainFraction?: number;
  labelNoise?: number;
}

/** A comparison grid, as written in a preset or a user's JSON/TS file. */
export interface GridDeclaration {
  /** Short name (used in the report title and the default output folder). */
  name: string;
  /** What the grid is for and how long it takes where. */
  description?: string;
  datasets: string[];
  models: TrainConfig["model"][];
  optimizers: GridOptimizer[];
  seeds: number[];
  settings: GridSetting[];
  /** Flags shared by every run (epochs, batchSize, lr, trainLimit, hessianEvery, ...). */
  common?: GridFlags;
  /** Flags per model, applied after `common` (e.g. a different lr for the CNN). */
  perModel?: Partial<Record<TrainConfig["model"], GridFlags>>;
  /** Flags per dataset, applied after `perModel`. */
  perDataset?: Record<string, GridFlags>;
  /** Tuning of the optimizers with a `search` space (selected per cell and method). */
  tuning?: GridTuning;
}

/** One run of an expanded grid: where it sits in the report, and its training flags. */
export interface RunSpec {
  /** Stable 16-hex-digit content hash (see the module doc). */
  id: string;
  /** The grid's name. */
  grid: string;
  dataset: string;
  model: string;
  /** The optimizer's label. */
  method: string;
  setting: string;
  seed: number;
  /** "tuning" for a search-space trial; absent for the runs the report compares. */
  phase?: "tuning";
  /** The search-space values of this run, e.g. "lr=0.05,rho=0.1" (tuning trial or selection). */
  trial?: string;
  /** The flags given to `train` (merged over the train defaults by `makeTrainConfig`). */
  flags: GridFlags;
}

/**
 * The standard settings of the paper: full data, 10% of the training set, 20% label noise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PAPER_SETTINGS } from "./grid.ts";
 * assert.equal(PAPER_SETTINGS[1].trainFraction, 0.1);
 * ```
 */
export const PAPER_SETTINGS: readonly GridSetting[] = Object.freeze([
  { name: "clean" },
  { name: "10%-data", trainFraction: 0.1 },
  { name: "20%-noise", labelNoise: 0.2 },
]);

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The stable id of a run: the first 16 hex digits of SHA-256 over the canonical JSON of its
 * labels and flags (key order does not matter; the grid's name and any existing id are ignored).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runId } from "./grid.ts";
 * const a = runId({ grid: "g", dataset: "d", model: "mlp", method: "sgd", setting: "clean", seed: 0, flags: { lr: 0.1, epochs: 2 } });
 * const b = runId({ grid: "g", dataset: "d", model: "mlp", method: "sgd", setting: "clean", seed: 0, flags: { epochs: 2, lr: 0.1 } });
 * assert.equal(a, b);
 * assert.equal(a.length, 16);
 * ```
 */
export function runId(spec: Omit<RunSpec, "id"> & { id?: string }): string {
  const { grid: _grid, id: _id, ...identity } = spec;
  return createHash("sha256").update(canonicalJson(identity)).digest("hex").slice(0, 16);
}

function checkNonEmptyArray(name: string, value: unknown): void {
  if (!Array.isArray(value)) {
    throw new TypeError(`grid: ${name} must be an array, got ${JSON.stringify(value)}`);
  }
  if (value.length === 0) throw new RangeError(`grid: ${name} must not be empty`);
}

function checkUnique(name: string, values: readonly (string | number)[]): void {
  const seen = new Set<string | number>();
  for (const v of values) {
    if (seen.has(v)) {
      throw new RangeError(`grid: ${name} has a duplicate entry ${JSON.stringify(v)}`);
    }
    seen.add(v);
  }
}

/**
 * Checks the shape of a grid declaration (as read from a user's file), throwing a
 * `TypeError`/`RangeError` that names the field and the bad value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateGrid } from "./grid.ts";
 * assert.throws(
 *   () => validateGrid({ name: "g", datasets: [], models: ["mlp"], optimizers: [], seeds: [0], settings: [] }),
 *   /datasets/,
 * );
 * ```
 */
export function validateGrid(grid: GridDeclaration): void {
  if (grid === null || typeof grid !== "object") {
    throw new TypeError(`grid must be an object, got ${JSON.stringify(grid)}`);
  }
  if (typeof grid.name !== "string" || !/^[\w.-]+$/.test(grid.name)) {
    throw new TypeError(
      `grid: name must be a word ([A-Za-z0-9_.-]), got ${JSON.stringify(grid.name)}`,
    );
  }
  for (const key of ["datasets", "models", "optimizers", "seeds", "settings"] as const) {
    checkNonEmptyArray(key, grid[key]);
  }
  for (const d of grid.datasets) {
    if (typeof d !== "string" || d === "") {
      throw new TypeError(`grid: datasets has a bad entry ${JSON.stringify(d)}`);
    }
  }
  for (const s of grid.seeds) {
    if (!Number.isInteger(s)) {
      throw new RangeError(`grid: seeds must be integers, got ${JSON.stringify(s)}`);
    }
  }
  for (const o of grid.optimizers) {
    if (o === null || typeof o !== "object" || typeof o.optimizer !== "string") {
      throw new TypeError(
        `grid: optimizers entries need an "optimizer" name, got ${JSON.stringify(o)}`,
      );
    }
  }
  for (const s of grid.settings) {
    if (s === null || typeof s !== "object" || typeof s.name !== "string" || s.name === "") {
      throw new TypeError(`grid: settings entries need a "name", got ${JSON.stringify(s)}`);
    }
  }
  checkUnique("datasets", grid.datasets);
  checkUnique("models", grid.models);
  checkUnique("seeds", grid.seeds);
  checkUnique("optimizers (labels)", grid.optimizers.map((o) => o.label ?? o.optimizer));
  checkUnique("settings (names)", grid.settings.map((s) => s.name));
  for (
    const [key, flags] of [["common", grid.common], ["perModel", grid.perModel], [
      "perDataset",
      grid.perDataset,
    ]]
  ) {
    if (
      flags !== undefined && (flags === null || typeof flags !== "object" || Array.isArray(flags))
    ) {
      throw new TypeError(`grid: ${key} must be an object, got ${JSON.stringify(flags)}`);
    }
  }
  const tuned = grid.optimizers.filter((o) =>
    o.search !== undefined || o.searchByModel !== undefined
  );
  const spaces = tuned.flatMap((o) => {
    const label = o.label ?? o.optimizer;
    const byModel = o.searchByModel as Record<string, unknown> | undefined;
    if (byModel !== undefined && (byModel === null || typeof byModel !== "object")) {
      throw new TypeError(
        `grid: optimizers[${label}].searchByModel must be an object, got ${
          JSON.stringify(byModel)
        }`,
      );
    }
    return [
      ...(o.search !== undefined ? [{ label, search: o.search }] : []),
      ...Object.entries(byModel ?? {}).map(([model, search]) => {
        if (!(MODEL_NAMES as readonly string[]).includes(model)) {
          throw new RangeError(
            `grid: optimizers[${label}].searchByModel names model "${model}", which is not a ` +
              `model (${MODEL_NAMES.join(", ")})`,
          );
        }
        return { label: `${label}].searchByModel[${model}`, search };
      }),
    ];
  });
  for (const { label, search: space } of spaces) {
    const search = space as Record<string, unknown>;
    if (search === null || typeof search !== "object" || Array.isArray(search)) {
      throw new TypeError(
        `grid: optimizers[${label}].search must be an object, got ${JSON.stringify(search)}`,
      );
    }
    if (Object.keys(search).length === 0) {
      throw new RangeError(`grid: optimizers[${label}].search must name at least one key`);
    }
    for (const [key, values] of Object.entries(search)) {
      if (!Array.isArray(values) || values.length === 0 || !values.every(Number.isFinite)) {
        throw new TypeError(
          `grid: optimizers[${label}].search.${key} must be a non-empty list of numbers, got ${
            JSON.stringify(values)
          }`,
        );
      }
      checkUnique(`optimizers[${label}].search.${key}`, values as number[]);
    }
  }
  if (tuned.length > 0 && grid.tuning === undefined) {
    throw new RangeError(
      `grid: optimizers ${tuned.map((o) => o.label ?? o.optimizer).join(", ")} declare a search ` +
        `space but the grid has no "tuning" (seeds and metric)`,
    );
  }
  if (grid.tuning !== undefined) {
    const t = grid.tuning;
    if (t === null || typeof t !== "object") {
      throw new TypeError(`grid: tuning must be an object, got ${JSON.stringify(t)}`);
    }
    checkNonEmptyArray("tuning.seeds", t.seeds);
    for (const seed of t.seeds) {
      if (!Number.isInteger(seed)) {
        throw new RangeError(`grid: tuning.seeds must be integers, got ${JSON.stringify(seed)}`);
      }
      if (grid.seeds.includes(seed)) {
        throw new RangeError(
          `grid: tuning.seeds and seeds must be disjoint (final runs use fresh seeds), both have ${seed}`,
        );
      }
    }
    checkUnique("tuning.seeds", t.seeds);
    if (
      t.setting !== undefined &&
      (t.setting === null || typeof t.setting !== "object" || typeof t.setting.name !== "string" ||
        t.setting.name === "")
    ) {
      throw new TypeError(`grid: tuning.setting needs a "name", got ${JSON.stringify(t.setting)}`);
    }
    if (
      t.flags !== undefined &&
      (t.flags === null || typeof t.flags !== "object" || Array.isArray(t.flags))
    ) {
      throw new TypeError(`grid: tuning.flags must be an object, got ${JSON.stringify(t.flags)}`);
    }
    if (!(SELECTION_METRICS as readonly string[]).includes(t.metric)) {
      throw new RangeError(
        `grid: tuning.metric must be one of ${SELECTION_METRICS.join(", ")}, got ${
          JSON.stringify(t.metric)
        }`,
      );
    }
  }
}

/** One trial of a search space: its values and their label. */
export interface Trial {
  /** "lr=0.05,rho=0.1" (keys sorted). */
  label: string;
  values: Partial<Record<TunableKey, number>>;
}

/**
 * The trials of a search space: the product of its keys' values, keys in sorted order, values in
 * the declared order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trialsOf } from "./grid.ts";
 * const trials = trialsOf({ rho: [0.05, 0.1], lr: [0.01] });
 * assert.deepEqual(trials.map((t) => t.label), ["lr=0.01,rho=0.05", "lr=0.01,rho=0.1"]);
 * ```
 */
export function trialsOf(space: SearchSpace): Trial[] {
  const keys = (Object.keys(space) as TunableKey[]).sort();
  let trials: Trial["values"][] = [{}];
  for (const key of keys) {
    trials = trials.flatMap((t) => space[key]!.map((v) => ({ ...t, [key]: v })));
  }
  return trials.map((values) => ({ label: trialLabel(values), values }));
}

/**
 * The label of a set of tuned values, keys sorted: `lr=0.01,rho=0.05`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trialLabel } from "./grid.ts";
 * assert.equal(trialLabel({ rho: 0.1, lr: 0.5 }), "lr=0.5,rho=0.1");
 * ```
 */
export function trialLabel(values: Partial<Record<string, number>>): string {
  return Object.keys(values).sort().map((k) => `${k}=${values[k]}`).join(",");
}

/**
 * The key of a cell and method (`dataset/model/setting method`), as selections are keyed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cellMethodKey } from "./grid.ts";
 * assert.equal(cellMethodKey({ dataset: "d", model: "mlp", setting: "clean", method: "sam" }), "d/mlp/clean sam");
 * ```
 */
export function cellMethodKey(
  r: { dataset: string; model: string; setting: string; method: string },
): string {
  return `${r.dataset}/${r.model}/${r.setting} ${r.method}`;
}

/** The selected trial of each tuned cell and method, keyed by {@link cellMethodKey}. */
export type Selection = ReadonlyMap<string, Trial>;

/**
 * Whether a grid tunes any method (declares a `search` space).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTuned } from "./grid.ts";
 * assert.equal(isTuned({ name: "g", datasets: ["d"], models: ["mlp"], seeds: [0], settings: [{ name: "clean" }],
 *   optimizers: [{ optimizer: "sgd" }] }), false);
 * ```
 */
export function isTuned(grid: GridDeclaration): boolean {
  return grid.optimizers.some((o) => o.search !== undefined || o.searchByModel !== undefined);
}

/**
 * An optimizer entry as one model sees it: its `searchByModel` space for that model, if any, in
 * place of `search`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optimizerForModel } from "./grid.ts";
 * const sam = { optimizer: "sam" as const, search: { rho: [0.05, 0.1] },
 *   searchByModel: { cnn: { rho: [0.01, 0.02] } } };
 * assert.deepEqual(optimizerForModel(sam, "cnn").search, { rho: [0.01, 0.02] });
 * assert.deepEqual(optimizerForModel(sam, "mlp").search, { rho: [0.05, 0.1] });
 * ```
 */
export function optimizerForModel(opt: GridOptimizer, model: string): GridOptimizer {
  const { searchByModel, ...rest } = opt;
  const own = searchByModel?.[model as TrainConfig["model"]];
  return own === undefined ? rest : { ...rest, search: own };
}

interface Cell {
  dataset: string;
  model: GridDeclaration["models"][number];
  setting: GridSetting;
  opt: GridOptimizer;
}

function cells(grid: GridDeclaration): Cell[] {
  const out: Cell[] = [];
  for (const dataset of grid.datasets) {
    for (const model of grid.models) {
      for (const setting of grid.settings) {
        for (const opt of grid.optimizers) {
          out.push({ dataset, model, setting, opt: optimizerForModel(opt, model) });
        }
      }
    }
  }
  return out;
}

/** The cells tuned: every cell, or, with `tuning.setting`, each model × method on that setting. */
function tuningCells(grid: GridDeclaration): Cell[] {
  const setting = grid.tuning?.setting;
  if (setting === undefined) return cells(grid);
  return cells({ ...grid, settings: [setting] });
}

function makeRun(
  grid: GridDeclaration,
  cell: Cell,
  seed: number,
  trial: Trial | null,
  phase: "tuning" | undefined,
): RunSpec {
  const { dataset, model, setting, opt } = cell;
  // Flags are layered so that the most specific wins: common, perModel, perDataset, the
  // optimizer's own, the trial's values, then the cell's labels.
  const flags: GridFlags = {
    ...grid.common,
    ...grid.perModel?.[model],
    ...grid.perDataset?.[dataset],
    ...opt.flags,
    ...trial?.values,
    ...(phase === "tuning" ? grid.tuning?.flags : undefined),
    dataset,
    model,
    optimizer: opt.optimizer,
    seed,
    ...(setting.trainFraction !== undefined ? { trainFraction: setting.trainFraction } : {}),
    ...(setting.labelNoise !== undefined ? { labelNoise: setting.labelNoise } : {}),
  };
  const spec = {
    grid: grid.name,
    dataset,
    model,
    method: opt.label ?? opt.optimizer,
    setting: setting.name,
    seed,
    ...(phase ? { phase } : {}),
    ...(trial ? { trial: trial.label } : {}),
    flags,
  };
  return { id: runId(spec), ...spec };
}

/**
 * Checks that every run's flags make a valid training config, before anything runs: a typo
 * (`epoch` for `epochs`), a bad optimizer or model in part of a grid is refused at once with a
 * `RangeError` naming the run and the key, instead of crashing those runs at the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkRunConfigs } from "./grid.ts";
 * const run = { id: "0123456789abcdef", grid: "g", dataset: "fashion-mnist", model: "mlp", method: "sgd",
 *   setting: "clean", seed: 0, flags: { epoch: 2 } as never };
 * assert.throws(() => checkRunConfigs([run]), /run fashion-mnist\/mlp\/clean sgd seed 0 .*unknown key "epoch"/);
 * ```
 */
export function checkRunConfigs(runs: readonly RunSpec[]): void {
  for (const run of runs) {
    let config: TrainConfig;
    try {
      config = makeTrainConfig(run.flags);
    } catch (error) {
      throw new RangeError(`${describeRun(run)}: ${(error as Error).message}`);
    }
    if (run.phase === "tuning" && !(config.validationFraction > 0)) {
      throw new RangeError(
        `${describeRun(run)}: tuning selects on validation accuracy, so validationFraction must ` +
          `be > 0 (set it in the grid's common flags), got ${config.validationFraction}`,
      );
    }
  }
}

/**
 * "run dataset/model/setting method seed N (trial) [id]", for messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeRun } from "./grid.ts";
 * assert.equal(describeRun({ id: "ab", dataset: "d", model: "mlp", setting: "clean", method: "sgd", seed: 1 }),
 *   "run d/mlp/clean sgd seed 1 [ab]");
 * ```
 */
export function describeRun(
  r: Pick<RunSpec, "id" | "dataset" | "model" | "setting" | "method" | "seed" | "phase" | "trial">,
): string {
  const trial = r.trial ? ` (${r.phase === "tuning" ? "trial" : "selected"} ${r.trial})` : "";
  return `run ${cellMethodKey(r)} seed ${r.seed}${trial} [${r.id}]`;
}

/**
 * The tuning runs of a grid: for each cell and tuned method, every trial of its search space on
 * every tuning seed, in a fixed order. Empty for a grid without tuning. Every config is checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tuningRuns } from "./grid.ts";
 * const runs = tuningRuns({
 *   name: "t", datasets: ["fashion-mnist"], models: ["mlp"], seeds: [10], settings: [{ name: "clean" }],
 *   optimizers: [{ optimizer: "sgd" }, { optimizer: "sam", search: { rho: [0.05, 0.1] } }],
 *   tuning: { seeds: [0, 1], metric: "final-validation-accuracy" }, common: { validationFraction: 0.1 },
 * });
 * assert.equal(runs.length, 4);
 * assert.equal(runs[1].trial, "rho=0.05");
 * ```
 */
export function tuningRuns(grid: GridDeclaration): RunSpec[] {
  validateGrid(grid);
  const runs: RunSpec[] = [];
  for (const cell of tuningCells(grid)) {
    if (!cell.opt.search) continue;
    for (const trial of trialsOf(cell.opt.search)) {
      for (const seed of grid.tuning!.seeds) runs.push(makeRun(grid, cell, seed, trial, "tuning"));
    }
  }
  checkRunConfigs(runs);
  return runs;
}

/**
 * Expands a grid into the runs the report compares, in a fixed order (dataset, model, setting,
 * optimizer, seed). A tuned method's runs use the trial `selection` chose for its cell; without a
 * selection a tuned grid cannot be expanded (its final runs depend on the tuning results). Every
 * config is checked before returning (see {@link checkRunConfigs}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandGrid } from "./grid.ts";
 * const runs = expandGrid({
 *   name: "tiny", datasets: ["fashion-mnist"], models: ["mlp"], seeds: [0, 1],
 *   optimizers: [{ optimizer: "sgd" }, { optimizer: "sam", flags: { rho: 0.1 } }],
 *   settings: [{ name: "clean" }], common: { epochs: 1 },
 * });
 * assert.equal(runs.length, 4);
 * assert.equal(runs[2].flags.rho, 0.1);
 * ```
 */
export function expandGrid(grid: GridDeclaration, selection?: Selection): RunSpec[] {
  validateGrid(grid);
  const runs: RunSpec[] = [];
  for (const cell of cells(grid)) {
    let trial: Trial | null = null;
    if (cell.opt.search) {
      const key = cellMethodKey({
        dataset: cell.dataset,
        model: cell.model,
        setting: grid.tuning?.setting?.name ?? cell.setting.name,
        method: cell.opt.label ?? cell.opt.optimizer,
      });
      const chosen = selection?.get(key);
      if (!chosen) {
        throw new RangeError(
          `grid "${grid.name}": ${key} is tuned; its final runs need the tuning selection`,
        );
      }
      trial = chosen;
    }
    for (const seed of grid.seeds) runs.push(makeRun(grid, cell, seed, trial, undefined));
  }
  checkRunConfigs(runs);
  return runs;
}

/**
 * Checks every run a grid can make before the first one starts: its tuning runs, and its final
 * runs under every trial a selection could choose. Throws naming the run and the key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkGrid } from "./grid.ts";
 * assert.throws(() => checkGrid({ name: "g", datasets: ["fashion-mnist"], models: ["mlp"], seeds: [0],
 *   settings: [{ name: "clean" }], optimizers: [{ optimizer: "sgd" }, { optimizer: "lion" as never }] }),
 *   /run fashion-mnist\/mlp\/clean lion seed 0 .*--optimizer/);
 * ```
 */
export function checkGrid(grid: GridDeclaration): void {
  tuningRuns(grid);
  const everyTrial = new Map<string, Trial>();
  const candidates = tuningCells(grid).filter((c) => c.opt.search);
  // Each trial of each tuned cell is checked in turn (the untuned runs are checked each time, cheaply).
  const longest = Math.max(0, ...candidates.map((c) => trialsOf(c.opt.search!).length));
  for (let k = 0; k < Math.max(1, longest); k++) {
    for (const c of candidates) {
      const trials = trialsOf(c.opt.search!);
      everyTrial.set(
        cellMethodKey({
          dataset: c.dataset,
          model: c.model,
          setting: c.setting.name,
          method: c.opt.label ?? c.opt.optimizer,
        }),
        trials[Math.min(k, trials.length - 1)],
      );
    }
    expandGrid(grid, everyTrial);
  }
}

/** A shard `index` of `count`, 1-based as in `--shard 2/4` (Slurm arrays, CI matrices). */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `i/n` (1 <= i <= n).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseShard } from "./grid.ts";
 * assert.equal(parseShard("2/4").index, 2);
 * ```
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(String(text).trim());
  if (!match) {
    throw new RangeError(`--shard must look like i/n (e.g. 1/4), got ${JSON.stringify(text)}`);
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new RangeError(`--shard must have 1 <= i <= n, got ${text}`);
  }
  return { index, count };
}

/**
 * The runs of one shard: run k of the expansion order (0-based) goes to shard (k mod n) + 1.
 * Round-robin over the expansion order spreads every model, setting and optimizer evenly, so
 * shards take about the same time; the union of all shards is the grid, each run exactly once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectShard } from "./grid.ts";
 * const all = ["a", "b", "c", "d", "e"];
 * assert.equal(selectShard(all, { index: 2, count: 2 }).join(), "b,d");
 * ```
 */
export function selectShard<T>(runs: readonly T[], shard: Shard): T[] {
  return runs.filter((_, k) => k % shard.count === shard.index - 1);
}

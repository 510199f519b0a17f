/**
 * Comparison grids: the declaration (datasets × models × optimizers × seeds × settings), its
 * expansion into runs with a stable content hash each, and deterministic sharding.
 *
 * A run's id is the SHA-256 of the canonical JSON (sorted keys) of what defines it: the cell
 * labels and the training flags that differ from the defaults. The backend is not part of the id:
 * it says where a run is executed, not what it computes, so a grid started on one machine can be
 * finished on another.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { TrainConfig } from "../../src/training/config.ts";

/** The training flags a grid may set (every `TrainConfig` field except the per-run plumbing). */
export type GridFlags = Partial<Omit<TrainConfig, "out" | "resume" | "backend" | "dataDir">>;

/** One optimizer of a grid, with its label in tables and its hyperparameters. */
export interface GridOptimizer {
  /** Label in the report (e.g. "sam" or "sam-rho0.1"); defaults to `optimizer`. */
  label?: string;
  /** A `createOptimizer` name: sgd adam sam asam trace-sam frob-sam det-sam. */
  optimizer: TrainConfig["optimizer"];
  /** rho, lambda, samples, eta, halfWidth, lr, ... for this optimizer only. */
  flags?: GridFlags;
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
  /** The flags given to `train` (merged over the train defaults by `makeTrainConfig`). */
  flags: GridFlags;
}

/** The standard settings of the paper: full data, 10% of the training set, 20% label noise. */
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
 * import { runId } from "./grid.ts";
 * const a = runId({ grid: "g", dataset: "d", model: "mlp", method: "sgd", setting: "clean", seed: 0, flags: { lr: 0.1, epochs: 2 } });
 * const b = runId({ grid: "g", dataset: "d", model: "mlp", method: "sgd", setting: "clean", seed: 0, flags: { epochs: 2, lr: 0.1 } });
 * console.assert(a === b && a.length === 16);
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
 * import { validateGrid } from "./grid.ts";
 * try { validateGrid({ name: "g", datasets: [], models: ["mlp"], optimizers: [], seeds: [0], settings: [] }); }
 * catch (e) { console.assert(String(e).includes("datasets")); }
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
}

/**
 * Expands a grid into its runs, in a fixed order (dataset, model, setting, optimizer, seed).
 * Flags are layered: common, perModel, perDataset, the optimizer's own, then the cell's (dataset,
 * model, optimizer, seed, setting), so the cell always wins.
 *
 * @example
 * ```ts
 * import { expandGrid } from "./grid.ts";
 * const runs = expandGrid({
 *   name: "tiny", datasets: ["fashion-mnist"], models: ["mlp"], seeds: [0, 1],
 *   optimizers: [{ optimizer: "sgd" }, { optimizer: "sam", flags: { rho: 0.1 } }],
 *   settings: [{ name: "clean" }], common: { epochs: 1 },
 * });
 * console.assert(runs.length === 4 && runs[2].flags.rho === 0.1);
 * ```
 */
export function expandGrid(grid: GridDeclaration): RunSpec[] {
  validateGrid(grid);
  const runs: RunSpec[] = [];
  for (const dataset of grid.datasets) {
    for (const model of grid.models) {
      for (const setting of grid.settings) {
        for (const opt of grid.optimizers) {
          for (const seed of grid.seeds) {
            const flags: GridFlags = {
              ...grid.common,
              ...grid.perModel?.[model],
              ...grid.perDataset?.[dataset],
              ...opt.flags,
              dataset,
              model,
              optimizer: opt.optimizer,
              seed,
              ...(setting.trainFraction !== undefined
                ? { trainFraction: setting.trainFraction }
                : {}),
              ...(setting.labelNoise !== undefined ? { labelNoise: setting.labelNoise } : {}),
            };
            const spec = {
              grid: grid.name,
              dataset,
              model,
              method: opt.label ?? opt.optimizer,
              setting: setting.name,
              seed,
              flags,
            };
            runs.push({ id: runId(spec), ...spec });
          }
        }
      }
    }
  }
  return runs;
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
 * import { parseShard } from "./grid.ts";
 * console.assert(parseShard("2/4").index === 2);
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
 * import { selectShard } from "./grid.ts";
 * const all = ["a", "b", "c", "d", "e"];
 * console.assert(selectShard(all, { index: 2, count: 2 }).join() === "b,d");
 * ```
 */
export function selectShard<T>(runs: readonly T[], shard: Shard): T[] {
  return runs.filter((_, k) => k % shard.count === shard.index - 1);
}

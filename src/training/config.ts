/**
 * The training run's configuration: one plain JSON-able object holding every `deno task train`
 * flag, its defaults, its validation, and the flag parser. The same object is stored in the run
 * result and in each checkpoint, so a result says exactly how it was produced and `--resume` can
 * refuse a checkpoint written under a different configuration.
 *
 * @module
 */
import { parseArgs } from "node:util";
// The names come from the layers that own them, so a new optimizer, model or backend is a flag
// value as soon as it exists.
import { OPTIMIZER_NAMES, type OptimizerName } from "../optimizers/factory.ts";
import { MODEL_NAMES, type ModelName } from "../models/create.ts";
import { BACKEND_NAMES, type BackendName } from "../backends/init.ts";

/** The learning-rate schedules (see `schedule.ts`). */
export const SCHEDULE_NAMES = ["constant", "multistep", "cosine"] as const;
/** One of {@link SCHEDULE_NAMES}. */
export type ScheduleName = typeof SCHEDULE_NAMES[number];

/** Everything that determines one training run. Every field is a CLI flag. */
export interface TrainConfig {
  /** `--dataset`: a name `loadDataset` knows (fashion-mnist, mnist, cifar10, cifar100, svhn). */
  dataset: string;
  /** `--model` */
  model: ModelName;
  /** `--optimizer` */
  optimizer: OptimizerName;
  /** `--rho`: perturbation radius (SAM family; ignored by sgd and adam). */
  rho: number;
  /** `--lambda`: penalty weight of the universal class (trace-sam, frob-sam, det-sam). */
  lambda: number;
  /** `--samples`: perturbations per step n (trace-sam, frob-sam, det-sam). */
  samples: number;
  /** `--eta`: ASAM's adaptive offset. */
  eta: number;
  /** `--half-width`: Det-SAM's cube half-width h. */
  halfWidth: number;
  /** `--lr`: base learning rate (the schedule scales it). */
  lr: number;
  /** `--momentum`: heavy-ball momentum of the SGD base optimizer (ignored by adam). */
  momentum: number;
  /** `--weight-decay`: L2 coefficient added to the gradient. */
  weightDecay: number;
  /** `--batch-size` */
  batchSize: number;
  /** `--epochs` */
  epochs: number;
  /** `--schedule` */
  schedule: ScheduleName;
  /** `--milestones`: epochs at which multistep multiplies the rate by gamma. */
  milestones: number[];
  /** `--gamma`: multistep factor. */
  gamma: number;
  /** `--warmup`: epochs of linear warmup before the schedule (0 = none). */
  warmup: number;
  /** `--seed`: the one seed every random stream of the run derives from. */
  seed: number;
  /** `--backend` */
  backend: BackendName;
  /** `--train-fraction`: seeded fraction of the training set kept (DATA.md, limited data). */
  trainFraction: number;
  /** `--label-noise`: seeded fraction of training labels corrupted (DATA.md). */
  labelNoise: number;
  /** `--hessian-every`: Hessian measures every k epochs; 0 turns them off. */
  hessianEvery: number;
  /** `--hessian-samples`: Hutchinson probes, and Lanczos steps at most, per Hessian measure. */
  hessianSamples: number;
  /** `--hessian-subset`: size of the fixed seeded training subset the Hessian is taken on. */
  hessianSubset: number;
  /** `--train-limit`: keep only the first N training images (before the settings); null = all. */
  trainLimit: number | null;
  /** `--test-limit`: evaluate on the first N test images; null = all. */
  testLimit: number | null;
  /** `--out`: result JSON path; null = `results/runs/train-<timestamp>.json` (CLI only). */
  out: string | null;
  /** `--resume`: continue from the checkpoint next to `--out`. */
  resume: boolean;
  /** `--data-dir`: where the dataset files are (else `USAM_DATA`, the cache, system paths). */
  dataDir: string | null;
}

/**
 * The optimizer hyperparameters of the authors' settings (THEORY.md, "The authors' settings"),
 * used when a flag is not given so that the stored config holds the values actually used.
 *
 * @example
 * ```ts
 * import { optimizerDefaults } from "./config.ts";
 * console.assert(optimizerDefaults("frob-sam").samples === 2);
 * ```
 */
export function optimizerDefaults(
  optimizer: OptimizerName,
): Pick<TrainConfig, "rho" | "lambda" | "samples" | "eta" | "halfWidth"> {
  const base = { rho: 0.05, lambda: 1, samples: 1, eta: 0.01, halfWidth: 0.01 };
  switch (optimizer) {
    case "asam":
      return { ...base, rho: 0.5 };
    case "trace-sam":
      return { ...base, rho: 0.01 };
    case "frob-sam":
      return { ...base, rho: 0.005, lambda: 0.005, samples: 2 };
    case "det-sam":
      return { ...base, rho: 1 };
    default:
      return base;
  }
}

/**
 * The defaults of every field (optimizer hyperparameters for the default optimizer, sgd). The
 * base-optimizer defaults (lr 0.03, momentum 0.8, batch 32, cosine decay) are what a sweep on
 * Fashion-MNIST found to train the default six-layer MLP well even in one epoch (82% test
 * accuracy from 10,000 images); the paper's CIFAR settings are in the bench presets.
 *
 * @example
 * ```ts
 * import { DEFAULT_TRAIN_CONFIG } from "./config.ts";
 * console.assert(DEFAULT_TRAIN_CONFIG.dataset === "fashion-mnist");
 * ```
 */
export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  dataset: "fashion-mnist",
  model: "mlp",
  optimizer: "sgd",
  ...optimizerDefaults("sgd"),
  lr: 0.03,
  momentum: 0.8,
  weightDecay: 0,
  batchSize: 32,
  epochs: 10,
  schedule: "cosine",
  milestones: [],
  gamma: 0.1,
  warmup: 0,
  seed: 0,
  backend: "auto",
  trainFraction: 1,
  labelNoise: 0,
  hessianEvery: 0,
  hessianSamples: 20,
  hessianSubset: 1000,
  trainLimit: null,
  testLimit: null,
  out: null,
  resume: false,
  dataDir: null,
} as TrainConfig);

/**
 * A complete config from a partial one: the defaults, with the optimizer hyperparameters that
 * were not given taken from that optimizer's settings, then validated.
 *
 * @example
 * ```ts
 * import { makeTrainConfig } from "./config.ts";
 * const config = makeTrainConfig({ optimizer: "sam", epochs: 1 });
 * console.assert(config.rho === 0.05 && config.lr === 0.03);
 * ```
 */
export function makeTrainConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  if (typeof partial !== "object" || partial === null) {
    throw new TypeError(`config must be an object, got ${partial}`);
  }
  const optimizer = partial.optimizer ?? DEFAULT_TRAIN_CONFIG.optimizer;
  checkChoice("optimizer", optimizer, OPTIMIZER_NAMES);
  const defined = Object.fromEntries(
    Object.entries(partial).filter(([, value]) => value !== undefined),
  );
  const config: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    ...optimizerDefaults(optimizer),
    ...defined,
    milestones: [...(partial.milestones ?? DEFAULT_TRAIN_CONFIG.milestones)],
  };
  validateTrainConfig(config);
  return config;
}

/**
 * Throws a `RangeError`/`TypeError` naming the flag and the bad value for the first invalid
 * field; returns nothing when the config is valid.
 *
 * @example
 * ```ts
 * import { DEFAULT_TRAIN_CONFIG, validateTrainConfig } from "./config.ts";
 * validateTrainConfig({ ...DEFAULT_TRAIN_CONFIG });
 * try { validateTrainConfig({ ...DEFAULT_TRAIN_CONFIG, lr: -1 }); } catch (e) {
 *   console.assert(String(e).includes("--lr"));
 * }
 * ```
 */
export function validateTrainConfig(config: TrainConfig): void {
  const known = new Set(Object.keys(DEFAULT_TRAIN_CONFIG));
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw new TypeError(`config: unknown field "${key}"`);
  }
  if (typeof config.dataset !== "string" || config.dataset.length === 0) {
    throw new TypeError(
      `--dataset must be a non-empty name, got ${JSON.stringify(config.dataset)}`,
    );
  }
  checkChoice("model", config.model, MODEL_NAMES);
  checkChoice("optimizer", config.optimizer, OPTIMIZER_NAMES);
  checkChoice("schedule", config.schedule, SCHEDULE_NAMES);
  checkChoice("backend", config.backend, BACKEND_NAMES);
  checkNumber("rho", config.rho, (v) => v > 0, "a positive number");
  checkNumber("lambda", config.lambda, (v) => v >= 0, "a number >= 0");
  checkNumber("samples", config.samples, (v) => Number.isInteger(v) && v >= 1, "an integer >= 1");
  if (config.optimizer === "frob-sam" && config.samples < 2) {
    throw new RangeError(
      `--samples must be at least 2 for frob-sam (an unbiased variance), got ${config.samples}`,
    );
  }
  checkNumber("eta", config.eta, (v) => v >= 0, "a number >= 0");
  checkNumber("half-width", config.halfWidth, (v) => v > 0, "a positive number");
  checkNumber("lr", config.lr, (v) => v > 0, "a positive number");
  checkNumber("momentum", config.momentum, (v) => v >= 0 && v < 1, "a number in [0, 1)");
  checkNumber("weight-decay", config.weightDecay, (v) => v >= 0, "a number >= 0");
  checkNumber("batch-size", config.batchSize, isPositiveInteger, "a positive integer");
  checkNumber("epochs", config.epochs, isPositiveInteger, "a positive integer");
  if (!Array.isArray(config.milestones)) {
    throw new TypeError(`--milestones must be a list of epochs, got ${config.milestones}`);
  }
  config.milestones.forEach((m, i) => {
    checkNumber("milestones", m, isPositiveInteger, "positive integer epochs");
    if (i > 0 && m <= config.milestones[i - 1]) {
      throw new RangeError(
        `--milestones must be strictly increasing, got ${config.milestones.join(",")}`,
      );
    }
  });
  if (config.schedule === "multistep" && config.milestones.length === 0) {
    throw new RangeError(`--milestones must name at least one epoch for --schedule multistep`);
  }
  checkNumber("gamma", config.gamma, (v) => v > 0 && v <= 1, "a number in (0, 1]");
  checkNumber(
    "warmup",
    config.warmup,
    (v) => v >= 0 && v < config.epochs,
    `a number of epochs in [0, epochs=${config.epochs})`,
  );
  checkNumber("seed", config.seed, Number.isInteger, "an integer");
  checkNumber("train-fraction", config.trainFraction, (v) => v > 0 && v <= 1, "in (0, 1]");
  checkNumber("label-noise", config.labelNoise, (v) => v >= 0 && v <= 1, "in [0, 1]");
  checkNumber(
    "hessian-every",
    config.hessianEvery,
    (v) => Number.isInteger(v) && v >= 0,
    "an integer >= 0",
  );
  checkNumber("hessian-samples", config.hessianSamples, isPositiveInteger, "a positive integer");
  checkNumber("hessian-subset", config.hessianSubset, isPositiveInteger, "a positive integer");
  for (
    const [flag, value] of [["train-limit", config.trainLimit], [
      "test-limit",
      config.testLimit,
    ]] as const
  ) {
    if (value !== null) checkNumber(flag, value, isPositiveInteger, "a positive integer");
  }
  for (const [flag, value] of [["out", config.out], ["data-dir", config.dataDir]] as const) {
    if (value !== null && (typeof value !== "string" || value.length === 0)) {
      throw new TypeError(`--${flag} must be a non-empty path, got ${JSON.stringify(value)}`);
    }
  }
  if (typeof config.resume !== "boolean") {
    throw new TypeError(`--resume must be a boolean, got ${config.resume}`);
  }
}

function isPositiveInteger(v: number): boolean {
  return Number.isInteger(v) && v >= 1;
}

function checkNumber(
  flag: string,
  value: unknown,
  ok: (v: number) => boolean,
  expected: string,
): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`--${flag} must be ${expected}, got ${JSON.stringify(value)}`);
  }
  if (!ok(value)) throw new RangeError(`--${flag} must be ${expected}, got ${value}`);
}

function checkChoice(flag: string, value: unknown, choices: readonly string[]): void {
  if (typeof value !== "string" || !choices.includes(value)) {
    throw new RangeError(
      `--${flag} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
}

interface FlagSpec {
  key: keyof TrainConfig;
  kind: "string" | "number" | "integer" | "list" | "boolean";
  help: string;
  /** The default shown by --help when it is not the plain config default. */
  shownDefault?: string;
}

const FLAGS: Record<string, FlagSpec> = {
  "dataset": {
    key: "dataset",
    kind: "string",
    help: "fashion-mnist | mnist | cifar10 | cifar100 | svhn",
  },
  "model": { key: "model", kind: "string", help: MODEL_NAMES.join(" | ") },
  "optimizer": { key: "optimizer", kind: "string", help: OPTIMIZER_NAMES.join(" | ") },
  "rho": {
    key: "rho",
    kind: "number",
    help: "perturbation radius",
    shownDefault: "sam 0.05, asam 0.5, trace-sam 0.01, frob-sam 0.005, det-sam 1",
  },
  "lambda": {
    key: "lambda",
    kind: "number",
    help: "penalty weight (trace-sam, frob-sam, det-sam)",
    shownDefault: "1, frob-sam 0.005",
  },
  "samples": {
    key: "samples",
    kind: "integer",
    help: "perturbations per step (trace-sam, frob-sam, det-sam)",
    shownDefault: "1, frob-sam 2",
  },
  "eta": { key: "eta", kind: "number", help: "ASAM adaptive offset" },
  "half-width": { key: "halfWidth", kind: "number", help: "Det-SAM cube half-width" },
  "lr": { key: "lr", kind: "number", help: "base learning rate" },
  "momentum": { key: "momentum", kind: "number", help: "SGD momentum (not adam)" },
  "weight-decay": { key: "weightDecay", kind: "number", help: "L2 weight decay" },
  "batch-size": { key: "batchSize", kind: "integer", help: "training batch size" },
  "epochs": { key: "epochs", kind: "integer", help: "training epochs" },
  "schedule": { key: "schedule", kind: "string", help: SCHEDULE_NAMES.join(" | ") },
  "milestones": {
    key: "milestones",
    kind: "list",
    help: "multistep epochs, comma-separated (e.g. 50,100,150)",
    shownDefault: "none",
  },
  "gamma": { key: "gamma", kind: "number", help: "multistep factor" },
  "warmup": { key: "warmup", kind: "number", help: "epochs of linear warmup (may be fractional)" },
  "seed": { key: "seed", kind: "integer", help: "seed of every random stream" },
  "backend": { key: "backend", kind: "string", help: BACKEND_NAMES.join(" | ") },
  "train-fraction": {
    key: "trainFraction",
    kind: "number",
    help: "seeded fraction of train set kept",
  },
  "label-noise": { key: "labelNoise", kind: "number", help: "seeded fraction of labels corrupted" },
  "hessian-every": {
    key: "hessianEvery",
    kind: "integer",
    help: "Hessian measures every k epochs (0 = off)",
  },
  "hessian-samples": {
    key: "hessianSamples",
    kind: "integer",
    help: "Hutchinson probes and Lanczos steps",
  },
  "hessian-subset": {
    key: "hessianSubset",
    kind: "integer",
    help: "fixed seeded subset for the Hessian",
  },
  "train-limit": {
    key: "trainLimit",
    kind: "integer",
    help: "first N training images only",
    shownDefault: "all",
  },
  "test-limit": {
    key: "testLimit",
    kind: "integer",
    help: "first N test images only",
    shownDefault: "all",
  },
  "out": {
    key: "out",
    kind: "string",
    help: "result JSON; checkpoints go to <out without .json>.checkpoint/",
    shownDefault: "results/runs/train-<timestamp>.json",
  },
  "resume": { key: "resume", kind: "boolean", help: "continue from the checkpoint of --out" },
  "data-dir": {
    key: "dataDir",
    kind: "string",
    help: "dataset directory",
    shownDefault: "$USAM_DATA, cache, /usr/share/datasets",
  },
};

/** What {@link parseTrainArgs} returns: the config, or a request for the help text. */
export type ParsedTrainArgs = { help: true; config?: undefined } | {
  help: false;
  config: TrainConfig;
};

/**
 * Parses `deno task train` flags (node:util parseArgs, strict: unknown flags and stray
 * positionals are errors) into a validated {@link TrainConfig}. Errors name the flag and value.
 *
 * @example
 * ```ts
 * import { parseTrainArgs } from "./config.ts";
 * const parsed = parseTrainArgs(["--optimizer", "sam", "--rho", "0.1", "--epochs", "2"]);
 * console.assert(!parsed.help && parsed.config.rho === 0.1 && parsed.config.epochs === 2);
 * ```
 */
export function parseTrainArgs(argv: readonly string[]): ParsedTrainArgs {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [flag, spec] of Object.entries(FLAGS)) {
    options[flag] = { type: spec.kind === "boolean" ? "boolean" : "string" };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new RangeError(`train: ${(error as Error).message} (see --help)`);
  }
  if (values.help) return { help: true };
  const partial: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(FLAGS)) {
    const raw = values[flag];
    if (raw === undefined) continue;
    partial[spec.key] = convertFlag(flag, spec, raw);
  }
  return { help: false, config: makeTrainConfig(partial as Partial<TrainConfig>) };
}

function convertFlag(flag: string, spec: FlagSpec, raw: string | boolean): unknown {
  if (spec.kind === "boolean") return raw;
  const text = String(raw);
  if (spec.kind === "string") return text;
  if (spec.kind === "list") {
    if (text.trim() === "") return [];
    return text.split(",").map((part) => parseNumber(flag, part.trim(), true));
  }
  return parseNumber(flag, text, spec.kind === "integer");
}

function parseNumber(flag: string, text: string, integer: boolean): number {
  // Number("") is 0 and Number("0x10") is 16: accept only plain decimal notation.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new TypeError(`--${flag} must be ${integer ? "an integer" : "a number"}, got "${text}"`);
  }
  const value = Number(text);
  if (integer && !Number.isInteger(value)) {
    throw new RangeError(`--${flag} must be an integer, got ${text}`);
  }
  return value;
}

/**
 * The `--help` text: every flag with its default.
 *
 * @example
 * ```ts
 * import { trainHelp } from "./config.ts";
 * console.assert(trainHelp().includes("--hessian-every"));
 * ```
 */
export function trainHelp(): string {
  const lines = [
    "Usage: deno task train [flags]",
    "",
    "Trains one model with one optimizer and writes a JSON result (ARCHITECTURE.md, run result).",
    "",
  ];
  const width = Math.max(...Object.keys(FLAGS).map((f) => f.length)) + 4;
  for (const [flag, spec] of Object.entries(FLAGS)) {
    const value = spec.shownDefault ?? formatDefault(DEFAULT_TRAIN_CONFIG[spec.key]);
    const arg = spec.kind === "boolean" ? "" : " <value>";
    lines.push(`  ${(`--${flag}${arg}`).padEnd(width + 8)}${spec.help} (default: ${value})`);
  }
  lines.push(`  ${"-h, --help".padEnd(width + 8)}show this help`);
  return lines.join("\n");
}

function formatDefault(value: unknown): string {
  if (value === null) return "none";
  if (Array.isArray(value)) return value.length ? value.join(",") : "none";
  return String(value);
}

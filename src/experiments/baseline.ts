/**
 * Reading `results/baseline.json` for `deno task regress`: the schema is checked before anything
 * runs, so a damaged baseline is refused at once with the field it lacks, instead of passing
 * every check (a null mean gives NaN thresholds; an empty list passes vacuously) or crashing after
 * a six-minute rerun.
 *
 * @module
 */
import type { Baseline, RegressionRule } from "../report/regression.ts";

/**
 * A baseline that cannot be used, naming the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BaselineError } from "./baseline.ts";
 * assert.equal(new BaselineError("b.json", "preset", "is missing").message, "b.json: preset is missing");
 * ```
 */
export class BaselineError extends Error {
  constructor(readonly source: string, readonly field: string, message: string) {
    super(`${source}: ${field} ${message}`);
    this.name = "BaselineError";
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Checks a parsed baseline: `preset` and `machine` strings, a `rule` of finite non-negative numbers
 * (k and costTolerance positive), at least one accuracy entry with its cell labels, an integer
 * `n` >= 1, a `mean` in [0, 1] and `sd`/`se` finite >= 0 or null, and cost entries whose ratios are
 * finite positive numbers or null. Throws a {@link BaselineError} naming the first bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBaseline } from "./baseline.ts";
 * assert.throws(() => parseBaseline({ accuracy: [], costs: [] }, "b.json"), /b\.json: preset/);
 * ```
 */
export function parseBaseline(json: unknown, source: string): Baseline {
  const bad = (field: string, expected: string, value: unknown): never => {
    throw new BaselineError(
      source,
      field,
      `must be ${expected}, got ${JSON.stringify(value)?.slice(0, 60) ?? "undefined"}`,
    );
  };
  if (!isObject(json)) bad("(root)", "an object", json);
  const b = json as Record<string, unknown>;
  if (typeof b.preset !== "string" || b.preset === "") bad("preset", "a preset name", b.preset);
  if (typeof b.machine !== "string") bad("machine", "a string", b.machine);
  if (b.commit !== null && typeof b.commit !== "string") {
    bad("commit", "a string or null", b.commit);
  }
  if (typeof b.createdAt !== "string") bad("createdAt", "an ISO date", b.createdAt);
  if (!isObject(b.rule)) bad("rule", "an object", b.rule);
  const rule = b.rule as Record<string, unknown>;
  for (const key of ["k", "floor", "costTolerance", "costK"] as const) {
    const v = rule[key];
    const positive = key === "k" || key === "costTolerance";
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (positive && v === 0)) {
      bad(`rule.${key}`, positive ? "a finite number > 0" : "a finite number >= 0", v);
    }
  }
  if (!Array.isArray(b.accuracy) || b.accuracy.length === 0) {
    bad("accuracy", "a non-empty list (a baseline with no checks would pass anything)", b.accuracy);
  }
  const accuracy = (b.accuracy as unknown[]).map((entry, i) => {
    const path = `accuracy[${i}]`;
    if (!isObject(entry)) bad(path, "an object", entry);
    const e = entry as Record<string, unknown>;
    for (const key of ["dataset", "model", "setting", "method"]) {
      if (typeof e[key] !== "string" || e[key] === "") bad(`${path}.${key}`, "a name", e[key]);
    }
    if (!Number.isInteger(e.n) || (e.n as number) < 1) bad(`${path}.n`, "an integer >= 1", e.n);
    const mean = e.mean;
    if (typeof mean !== "number" || !(mean >= 0 && mean <= 1)) {
      bad(`${path}.mean`, "an accuracy in [0, 1]", mean);
    }
    for (const key of ["sd", "se"]) {
      const v = e[key];
      if (v !== null && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
        bad(`${path}.${key}`, "a finite number >= 0 or null", v);
      }
    }
    return {
      dataset: e.dataset as string,
      model: e.model as string,
      setting: e.setting as string,
      method: e.method as string,
      n: e.n as number,
      mean: mean as number,
      sd: e.sd as number | null,
      se: e.se as number | null,
    };
  });
  if (!Array.isArray(b.costs)) bad("costs", "a list", b.costs);
  const costs = (b.costs as unknown[]).map((entry, i) => {
    const path = `costs[${i}]`;
    if (!isObject(entry)) bad(path, "an object", entry);
    const e = entry as Record<string, unknown>;
    for (const key of ["model", "method"]) {
      if (typeof e[key] !== "string" || e[key] === "") bad(`${path}.${key}`, "a name", e[key]);
    }
    const optional = ["secondsRatioSe", "cpuSecondsRatio", "cpuSecondsRatioSe"];
    for (const key of ["gradientRatio", "secondsRatio", ...optional]) {
      const v = e[key];
      if (optional.includes(key) && v === undefined) continue;
      if (v !== null && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
        bad(`${path}.${key}`, "a finite number >= 0 or null", v);
      }
    }
    return {
      model: e.model as string,
      method: e.method as string,
      gradientRatio: e.gradientRatio as number | null,
      secondsRatio: e.secondsRatio as number | null,
      ...(e.secondsRatioSe !== undefined
        ? { secondsRatioSe: e.secondsRatioSe as number | null }
        : {}),
      ...(e.cpuSecondsRatio !== undefined
        ? { cpuSecondsRatio: e.cpuSecondsRatio as number | null }
        : {}),
      ...(e.cpuSecondsRatioSe !== undefined
        ? { cpuSecondsRatioSe: e.cpuSecondsRatioSe as number | null }
        : {}),
    };
  });
  return {
    preset: b.preset as string,
    createdAt: b.createdAt as string,
    commit: b.commit as string | null,
    machine: b.machine as string,
    rule: {
      k: rule.k as number,
      floor: rule.floor as number,
      costTolerance: rule.costTolerance as number,
      costK: rule.costK as number,
    },
    accuracy,
    costs,
  };
}

/**
 * Reads and checks a baseline file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBaseline } from "./baseline.ts";
 * await assert.rejects(() => readBaseline("/nonexistent/baseline.json"), /cannot read/);
 * ```
 */
export async function readBaseline(path: string): Promise<Baseline> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new BaselineError(path, "(file)", `cannot read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(path, "(file)", `is not valid JSON (${(error as Error).message})`);
  }
  return parseBaseline(json, path);
}

/** The rule a baseline stores (re-exported for the regress command's messages). */
export type { RegressionRule };

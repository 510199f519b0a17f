/**
 * The run result (ARCHITECTURE.md, "The run result"): what `deno task train --out FILE` writes and
 * what `deno task compare` collects, one per run.
 *
 * @module
 */
import type { TrainConfig } from "./config.ts";
import { writeFileAtomic } from "../io/atomic.ts";

/** Hessian measures of the training loss on the fixed subset, at the end of an epoch. */
export interface HessianRecord {
  /** Hutchinson estimate of tr(H). */
  trace: number;
  /** ‖H‖_F: the square root of the unbiased Monte Carlo estimate of ‖H‖_F² = E‖Hv‖². */
  frobenius: number;
  /** Largest eigenvalue of H (Lanczos). */
  topEigenvalue: number;
  /**
   * Uncertainties: Monte Carlo standard errors of the trace and of ‖H‖_F (delta method,
   * se(‖H‖_F²) / (2‖H‖_F)); the Lanczos residual bound of the top eigenvalue.
   */
  standardError: { trace: number; frobenius: number; topEigenvalue: number };
  /** Rademacher probes of the trace and Frobenius estimates. */
  samples: number;
}

/** One epoch of a run. Losses are mean softmax cross-entropy; accuracies are fractions in [0, 1]. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean over the epoch's steps of the clean mini-batch loss (before each step). */
  trainLoss: number;
  /** Fraction of training images classified right in their (pre-step) forward pass. */
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Wall-clock seconds of the training part of the epoch (not evaluation, not Hessian). */
  seconds: number;
  /** Training images per second (steps × batch over `seconds`). */
  imagesPerSecond: number;
  /** Gradient evaluations in this epoch (steps × (1 + n) for the SAM family). */
  gradientEvaluations: number;
  /** Present on epochs where `--hessian-every` asked for it. */
  hessian?: HessianRecord;
}

/** Where the run ran (filled by `src/backends` `describeEnvironment`, plus the chosen backend). */
export interface RunEnvironment {
  backend: string;
  adapter: string | null;
  deno: string;
  tfjs: string;
  commit: string | null;
  machine: string;
  [key: string]: unknown;
}

/** The JSON written per run. */
export interface RunResult {
  status: "completed" | "failed";
  /** Present when status is "failed": the global step (1-based) and epoch where it failed. */
  failure?: { step: number; epoch: number; message: string };
  config: TrainConfig;
  environment: RunEnvironment;
  epochs: EpochRecord[];
  /** The last completed epoch's figures; null when no epoch completed. */
  final: { testAccuracy: number; testLoss: number; trainLoss: number; seconds: number } | null;
}

/**
 * Writes a result as indented JSON, atomically.
 *
 * @example
 * ```ts
 * import { writeRunResult } from "./result.ts";
 * import { DEFAULT_TRAIN_CONFIG } from "./config.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await writeRunResult(path, {
 *   status: "completed", config: { ...DEFAULT_TRAIN_CONFIG }, epochs: [], final: null,
 *   environment: { backend: "cpu", adapter: null, deno: "2", tfjs: "4", commit: null, machine: "" },
 * });
 * ```
 */
export async function writeRunResult(path: string, result: RunResult): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(result, null, 2) + "\n");
}

/**
 * Number formatting for the playground's axes and readouts (no DOM, so it is tested in Deno).
 *
 * @module
 */

/**
 * About `count` round tick values covering `[low, high]` (1, 2, 5 × 10^k steps).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { niceTicks } from "./format.ts";
 * assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
 * ```
 */
export function niceTicks(low: number, high: number, count: number): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step - 1e-9) * step; t <= high + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  }
  return ticks;
}

/**
 * A short label for a tick or a readout: 4 significant digits, exponents for very large or
 * small values, and 0 for `|v| < zero` (finite-difference round-off on a quantity that is 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatNumber } from "./format.ts";
 * assert.equal(formatNumber(8.0000000123), "8");
 * assert.equal(formatNumber(-3e-9, 1e-6), "0");
 * assert.equal(formatNumber(-4.000000002), "−4");
 * ```
 */
export function formatNumber(value: number, zero = 0): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) < zero || value === 0) return "0";
  const abs = Math.abs(value);
  const text = abs >= 1e5 || abs < 1e-3
    ? value.toExponential(2)
    : String(Number(value.toPrecision(4)));
  return text.replace("-", "−");
}

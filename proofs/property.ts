/**
 * The shape every property of the theory shares, so that `deno test` (one `Deno.test` per
 * property, in `proofs/*_test.ts`) and `deno task verify` (one table row per property) run the
 * same code.
 *
 * @module
 */

/** What one run of a property found. `passed` must be `worstError <= tolerance` unless `detail` says why not. */
export interface PropertyResult {
  /** How many random cases (fast-check runs, sample sizes, rho values…) were checked. */
  cases: number;
  /** The largest error seen, in the units of `tolerance`. */
  worstError: number;
  /** The bound each case had to meet (the largest one, when it varies by case). */
  tolerance: number;
  passed: boolean;
  /** Why the tolerance is right, or what failed (a counterexample). */
  detail: string;
}

/** A numerically checked claim of THEORY.md. */
export interface Property {
  /** The number of the property in issue 2 (1..8). */
  id: number;
  name: string;
  /** Runs the check. `seed` drives fast-check and every sampler, so a failure can be replayed. */
  run(seed: number): PropertyResult | Promise<PropertyResult>;
}

/**
 * Runs a property under `Deno.test` and fails with its detail.
 *
 * @example
 * ```ts ignore
 * import { testProperty } from "./property.ts";
 * testProperty({ id: 0, name: "demo", run: () => ({ cases: 1, worstError: 0, tolerance: 1, passed: true, detail: "" }) });
 * ```
 */
export function testProperty(property: Property, seed = defaultSeed()): void {
  Deno.test(`property ${property.id}: ${property.name} (seed ${seed})`, async () => {
    const result = await property.run(seed);
    if (!result.passed || !(result.worstError <= result.tolerance)) {
      throw new Error(
        `property ${property.id} failed (seed ${seed}): worst error ${result.worstError} > tolerance ${result.tolerance} over ${result.cases} cases. ${result.detail}`,
      );
    }
  });
}

/** The seed from `USAM_SEED`, or a fixed default so CI is reproducible. */
export function defaultSeed(): number {
  const raw = Deno.env.get("USAM_SEED");
  if (raw === undefined) return 20240607;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new TypeError(`USAM_SEED must be an integer, got ${raw}`);
  return seed;
}

/**
 * usam: the universal class of Sharpness-Aware Minimization algorithms, verified and benchmarked.
 *
 * @module
 */
export * from "./src/math/random.ts";
export * from "./src/measures/spec.ts";

/**
 * The comparison presets (`ci`, `cpu`, `paper`, `study` with its parts `study-<model>-<setting>`,
 * `study-demo`) and the loader of user grid files (`--grid FILE`,
 * JSON or a TypeScript module whose default export is the grid or a function returning it).
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type GridDeclaration, validateGrid } from "../grid.ts";
import { ciGrid } from "./ci.ts";
import { cpuGrid } from "./cpu.ts";
import { paperGrid } from "./paper.ts";
import { studyDemoGrid, studyGrid, studyParts } from "./study.ts";

export { ciGrid, cpuGrid, paperGrid, studyDemoGrid, studyGrid, studyParts };
export { paperOptimizers, smallNetworkOptimizers } from "./optimizers.ts";

/**
 * The preset names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PRESET_NAMES } from "./mod.ts";
 * assert.ok(PRESET_NAMES.includes("ci"));
 * ```
 */
export const PRESET_NAMES: readonly string[] = Object.freeze([
  "ci",
  "cpu",
  "paper",
  "study",
  "study-demo",
  ...studyParts().map((p) => p.name),
]);

/**
 * A preset grid by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { presetGrid } from "./mod.ts";
 * assert.ok(presetGrid("ci").name === "ci");
 * ```
 */
export function presetGrid(name: string): GridDeclaration {
  switch (name) {
    case "ci":
      return ciGrid();
    case "cpu":
      return cpuGrid();
    case "paper":
      return paperGrid();
    case "study":
      return studyGrid();
    case "study-demo":
      return studyDemoGrid();
    default: {
      const part = studyParts().find((p) => p.name === name);
      if (part) return part.grid;
      throw new RangeError(
        `--preset must be one of ${PRESET_NAMES.join(", ")}, got ${JSON.stringify(name)}`,
      );
    }
  }
}

/**
 * Loads a user's grid: `.json` is parsed, `.ts`/`.js` is imported (default export: the grid or a
 * function returning it). The grid is validated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadGridFile } from "./mod.ts";
 * const path = Deno.makeTempFileSync({ suffix: ".json" });
 * Deno.writeTextFileSync(path, JSON.stringify({ name: "mine", datasets: ["fashion-mnist"], models: ["mlp"],
 *   optimizers: [{ optimizer: "sgd" }], seeds: [0], settings: [{ name: "clean" }] }));
 * assert.ok((await loadGridFile(path)).name === "mine");
 * Deno.removeSync(path);
 * ```
 */
export async function loadGridFile(path: string): Promise<GridDeclaration> {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`--grid must be a file path, got ${JSON.stringify(path)}`);
  }
  let grid: GridDeclaration;
  if (path.endsWith(".json")) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      throw new RangeError(`--grid ${path}: cannot read (${(error as Error).message})`);
    }
    try {
      grid = JSON.parse(text);
    } catch (error) {
      throw new RangeError(`--grid ${path}: not valid JSON (${(error as Error).message})`);
    }
  } else if (/\.(ts|js|mjs)$/.test(path)) {
    const module = await import(pathToFileURL(resolve(path)).href);
    const exported = module.default;
    grid = typeof exported === "function" ? await exported() : exported;
  } else {
    throw new RangeError(`--grid must be a .json, .ts or .js file, got ${JSON.stringify(path)}`);
  }
  validateGrid(grid);
  return grid;
}

/**
 * The optional `tensorflow` backend (`@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`,
 * TensorFlow's C library behind TF.js). It is never a dependency of this project: it is found
 * only when the user installed it into `node_modules/`, and looking for it never triggers an npm
 * install or touches `deno.lock` (the package is located on disk and imported by file URL).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The packages that provide the `tensorflow` backend, in order of preference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TENSORFLOW_PACKAGES } from "./tensorflow.ts";
 * assert.ok(TENSORFLOW_PACKAGES[0] === "@tensorflow/tfjs-node-gpu");
 * ```
 */
export const TENSORFLOW_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/**
 * An installed `tensorflow` backend package: its name, version and entry file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TensorflowPackage } from "./tensorflow.ts";
 * const found: TensorflowPackage = {
 *   name: "@tensorflow/tfjs-node", version: "4.22.0", entry: "/x/dist/index.js",
 * };
 * assert.ok(found.name.endsWith("tfjs-node"));
 * ```
 */
export interface TensorflowPackage {
  name: (typeof TENSORFLOW_PACKAGES)[number];
  version: string;
  entry: string;
}

/**
 * The repository's `node_modules/` directory (next to deno.json), located from this module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultNodeModulesDirectory } from "./tensorflow.ts";
 * assert.ok(defaultNodeModulesDirectory().endsWith("node_modules"));
 * ```
 */
export function defaultNodeModulesDirectory(): string {
  return fileURLToPath(new URL("../../node_modules", import.meta.url));
}

/**
 * The first installed package of {@link TENSORFLOW_PACKAGES} under `nodeModules`, or `undefined`.
 * Only reads `package.json` files: nothing is imported or installed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findTensorflowPackage } from "./tensorflow.ts";
 * const found = findTensorflowPackage("/nonexistent/node_modules");
 * assert.ok(found === undefined);
 * ```
 */
export function findTensorflowPackage(
  nodeModules: string = defaultNodeModulesDirectory(),
): TensorflowPackage | undefined {
  if (typeof nodeModules !== "string" || nodeModules === "") {
    throw new TypeError(
      `findTensorflowPackage: nodeModules must be a directory path, got ${nodeModules}`,
    );
  }
  for (const name of TENSORFLOW_PACKAGES) {
    const packageDirectory = join(nodeModules, name);
    const manifestPath = join(packageDirectory, "package.json");
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      version?: string;
      main?: string;
    };
    const entry = join(packageDirectory, manifest.main ?? "index.js");
    if (!existsSync(entry)) continue;
    return { name, version: manifest.version ?? "unknown", entry };
  }
  return undefined;
}

/**
 * The message of the error thrown when the `tensorflow` backend is requested but not installed:
 * what to install, and that installing downloads TensorFlow's C library.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensorflowMissingMessage } from "./tensorflow.ts";
 * assert.ok(tensorflowMissingMessage("/repo/node_modules").includes("npm i @tensorflow/tfjs-node"));
 * ```
 */
export function tensorflowMissingMessage(nodeModules: string): string {
  return [
    `initBackend("tensorflow"): neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is ` +
    `installed in ${nodeModules}.`,
    `Install one of them in the repository root (it is optional and not in deno.lock):`,
    `  npm i @tensorflow/tfjs-node-gpu   # NVIDIA GPU (CUDA and cuDNN must be installed)`,
    `  npm i @tensorflow/tfjs-node       # CPU`,
    `Both download the libtensorflow C library at install time (a few hundred MB), so the ` +
    `install needs network access.`,
    `Use --backend wasm (or webgpu) to run without it.`,
  ].join("\n");
}

/**
 * Imports the installed `tensorflow` backend package (which registers the backend `tensorflow`
 * with TF.js) and makes it active. Throws an Error with {@link tensorflowMissingMessage} when
 * none is installed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startTensorflow } from "./tensorflow.ts";
 * try {
 *   await startTensorflow("/nonexistent/node_modules");
 * } catch (error) {
 *   assert.ok((error as Error).message.includes("npm i @tensorflow/tfjs-node-gpu"));
 * }
 * ```
 */
export async function startTensorflow(
  nodeModules: string = defaultNodeModulesDirectory(),
): Promise<TensorflowPackage> {
  const found = findTensorflowPackage(nodeModules);
  if (found === undefined) throw new Error(tensorflowMissingMessage(nodeModules));
  // By file URL, not by package name: a bare "npm:" specifier would make Deno install the
  // package and rewrite deno.lock.
  try {
    await import(pathToFileURL(found.entry).href);
  } catch (error) {
    throw new Error(
      `startTensorflow: importing ${found.name}@${found.version} from ${found.entry} failed: ` +
        `${(error as Error).message}`,
      { cause: error },
    );
  }
  if (tf.findBackendFactory("tensorflow") == null) {
    throw new Error(
      `startTensorflow: importing ${found.name}@${found.version} did not register the ` +
        `'tensorflow' backend with this TF.js (${tf.version_core}); its TF.js version must match`,
    );
  }
  const ok = await tf.setBackend("tensorflow");
  if (!ok) {
    throw new Error(`startTensorflow: ${found.name}@${found.version} failed to initialize`);
  }
  return found;
}

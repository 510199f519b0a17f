/**
 * Builds the playground page with esbuild (pinned in deno.json): one ES module bundle of
 * `web/src/main.ts`, kept in memory. The project's layers are imported as they are; the few
 * `node:` built-ins that modules not used by the page import (the perturbation thread of the
 * optimizers, the CLI helpers of the backends) are replaced by stubs that throw when called, so
 * the optimizers fall back to drawing on the main thread, as they do without a thread in Deno.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

/** The exports the stubbed `node:` modules must offer for the bundle to link. */
const NODE_STUB_EXPORTS = [
  "Worker",
  "dirname",
  "join",
  "fileURLToPath",
  "pathToFileURL",
  "existsSync",
  "readFileSync",
  "parseArgs",
  "setPriority",
];

function nodeStubSource(module: string): string {
  const lines = NODE_STUB_EXPORTS.map((name) =>
    `export function ${name}() { throw new Error("${module}.${name} is not available in the browser"); }`
  );
  // As on a main thread in Node: no parent port (the prefetch worker's module checks it at load).
  return lines.join("\n") + "\nexport const parentPort = null;\nexport default {};\n";
}

/** The built page: the script bundle and its size. */
export interface BuiltPage {
  /** The bundled `app.js` (ES module). */
  script: Uint8Array;
  /** Milliseconds the build took. */
  milliseconds: number;
}

/**
 * Bundles `web/src/main.ts` for the browser. `minify` defaults to true.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { buildPage } from "./build.ts";
 * const page = await buildPage();
 * assert.ok(page.script.length > 1000);
 * ```
 */
export async function buildPage(options: { minify?: boolean } = {}): Promise<BuiltPage> {
  const minify = options.minify ?? true;
  if (typeof minify !== "boolean") {
    throw new TypeError(`minify must be a boolean, got ${typeof minify}`);
  }
  const started = performance.now();
  try {
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(new URL("./src/main.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify,
      write: false,
      outfile: "app.js",
      logLevel: "silent",
      plugins: [{
        name: "node-builtins-stub",
        setup(build) {
          build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "stub" }));
          build.onLoad(
            { filter: /.*/, namespace: "stub" },
            (args) => ({ contents: nodeStubSource(args.path), loader: "js" }),
          );
        },
      }],
    });
    const script = result.outputFiles.find((f) => f.path.endsWith(".js"));
    if (!script) throw new Error("esbuild produced no app.js");
    return { script: script.contents, milliseconds: performance.now() - started };
  } finally {
    await esbuild.stop();
  }
}

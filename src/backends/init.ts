/**
 * Choosing and starting a TF.js backend: `initBackend(name)` for `auto | native | wasm | webgpu |
 * tensorflow | cpu`, and `describeEnvironment()` for result files.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-layers registers every gradient of tfjs-core as it loads (tfjs-core alone registers none),
// so a backend started here can always train.
import "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import { startWasm } from "./wasm.ts";
import { NATIVE_BACKEND, NATIVE_DEBIAN_PACKAGES, startNative } from "./native.ts";
import { probeWebGpuAdapter, startWebGpu } from "./webgpu.ts";
import {
  defaultNodeModulesDirectory,
  findTensorflowPackage,
  startTensorflow,
} from "./tensorflow.ts";

/**
 * The backend names `initBackend` and `--backend` accept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BACKEND_NAMES } from "./init.ts";
 * assert.ok(BACKEND_NAMES.includes("wasm"));
 * ```
 */
export const BACKEND_NAMES = ["auto", "native", "wasm", "webgpu", "tensorflow", "cpu"] as const;

/**
 * One of {@link BACKEND_NAMES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BackendName } from "./init.ts";
 * const name: BackendName = "auto";
 * assert.ok(name === "auto");
 * ```
 */
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * Options of {@link initBackend}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { InitBackendOptions } from "./init.ts";
 * const options: InitBackendOptions = { nodeModules: "/opt/usam/node_modules" };
 * assert.ok(options.nodeModules !== undefined);
 * ```
 */
export interface InitBackendOptions {
  /** Where to look for `@tensorflow/tfjs-node(-gpu)`; default: the repository's node_modules. */
  nodeModules?: string;
}

/**
 * The backend `initBackend` started: its TF.js name, the adapter it runs on, and a one-line
 * description of what was chosen and why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BackendChoice } from "./init.ts";
 * const choice: BackendChoice = {
 *   backend: "wasm", adapter: "wasm SIMD, 1 thread", description: "wasm: requested by name",
 * };
 * assert.ok(choice.backend === "wasm");
 * ```
 */
export interface BackendChoice {
  backend: string;
  adapter: string;
  description: string;
}

const WASM_ADAPTER = "WebAssembly SIMD + XNNPACK, 1 thread";
const CPU_ADAPTER = "plain JavaScript";

let current: BackendChoice | undefined;
let currentRequest: BackendName | undefined;

/**
 * Starts the TF.js backend `name` and makes it active:
 *
 * - `native`: the wasm backend with its heavy kernels calling OpenBLAS (and oneDNN) through FFI
 *   on the wasm heap (native.ts); an Error naming the package when a library is missing;
 * - `wasm`: WebAssembly (XNNPACK), with this folder's kernels registered (the missing
 *   `Conv2DBackpropFilter`; faster `BatchMatMul`, `_FusedMatMul`, `Conv2DBackpropInput`);
 * - `webgpu`: Deno's WebGPU, on whatever adapter it offers (a software one included);
 * - `tensorflow`: `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` when installed, else an
 *   Error with the install commands;
 * - `cpu`: TF.js's plain JavaScript backend (slow; the reference in tests);
 * - `auto`: `tensorflow` when installed, else `webgpu` when the adapter is a real (non-fallback)
 *   one, else `native` when its libraries load, else `wasm` (printing one line naming the Debian
 *   packages that would give the native path).
 *
 * Idempotent: a second call with the same name returns the same choice without restarting.
 * An unknown name is a TypeError listing the valid ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "./init.ts";
 * const choice = await initBackend("auto");
 * assert.match(choice.description, /auto chose it because/);
 * ```
 */
export async function initBackend(
  name: BackendName,
  options: InitBackendOptions = {},
): Promise<BackendChoice> {
  if (typeof name !== "string" || !(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new TypeError(
      `initBackend: name must be one of ${BACKEND_NAMES.join(", ")}; got ${JSON.stringify(name)}`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(`initBackend: options must be an object, got ${options}`);
  }
  if (current !== undefined && currentRequest === name && tf.getBackend() === current.backend) {
    return current;
  }
  const nodeModules = options.nodeModules ?? defaultNodeModulesDirectory();
  const choice = name === "auto"
    ? await startAuto(nodeModules)
    : await startNamed(name, nodeModules);
  current = choice;
  currentRequest = name;
  return choice;
}

async function startNamed(
  name: Exclude<BackendName, "auto">,
  nodeModules: string,
): Promise<BackendChoice> {
  switch (name) {
    case "native": {
      let native;
      try {
        native = await startNative();
      } catch (error) {
        throw new Error(`initBackend("native"): ${(error as Error).message}`);
      }
      return {
        backend: NATIVE_BACKEND,
        adapter: native.adapter,
        description: `native: requested by name (${native.adapter})`,
      };
    }
    case "wasm":
      await startWasm();
      return { backend: "wasm", adapter: WASM_ADAPTER, description: "wasm: requested by name" };
    case "cpu": {
      const ok = await tf.setBackend("cpu");
      if (!ok) throw new Error(`initBackend("cpu"): the TF.js cpu backend failed to initialize`);
      return { backend: "cpu", adapter: CPU_ADAPTER, description: "cpu: requested by name" };
    }
    case "webgpu": {
      const probe = await startWebGpu();
      const kind = probe.isFallback ? "a software fallback adapter" : "a hardware adapter";
      return {
        backend: "webgpu",
        adapter: probe.description,
        description: `webgpu on ${probe.description} (${kind}): requested by name`,
      };
    }
    case "tensorflow": {
      const found = await startTensorflow(nodeModules);
      return {
        backend: "tensorflow",
        adapter: `${found.name}@${found.version}`,
        description: `tensorflow via ${found.name}@${found.version}: requested by name`,
      };
    }
  }
}

async function startAuto(nodeModules: string): Promise<BackendChoice> {
  const reasons: string[] = [];
  const found = findTensorflowPackage(nodeModules);
  if (found !== undefined) {
    try {
      await startTensorflow(nodeModules);
      return {
        backend: "tensorflow",
        adapter: `${found.name}@${found.version}`,
        description: `tensorflow via ${found.name}@${found.version}: auto chose it because it is ` +
          `installed`,
      };
    } catch (error) {
      reasons.push(`${found.name} is installed but failed (${(error as Error).message})`);
    }
  } else {
    reasons.push("@tensorflow/tfjs-node(-gpu) is not installed");
  }
  const probe = await probeWebGpuAdapter();
  if (probe.available && !probe.isFallback) {
    await startWebGpu();
    return {
      backend: "webgpu",
      adapter: probe.description,
      description: `webgpu on ${probe.description}: auto chose it because ${reasons.join("; ")} ` +
        `and WebGPU offers a hardware adapter`,
    };
  }
  reasons.push(
    probe.available
      ? `the WebGPU adapter (${probe.description}) is a software fallback`
      : `there is no WebGPU adapter (${probe.description})`,
  );
  try {
    const native = await startNative();
    return {
      backend: NATIVE_BACKEND,
      adapter: native.adapter,
      description: `native: auto chose it because ${reasons.join(" and ")}, and the native ` +
        `libraries load (${native.adapter})`,
    };
  } catch (error) {
    reasons.push(`the native libraries do not load (${(error as Error).message})`);
    console.warn(
      `usam: using wasm; for the native CPU path (several times faster) install ` +
        `${NATIVE_DEBIAN_PACKAGES.join(" ")} (Debian/Ubuntu: apt-get install ` +
        `${NATIVE_DEBIAN_PACKAGES.join(" ")})`,
    );
  }
  await startWasm();
  return {
    backend: "wasm",
    adapter: WASM_ADAPTER,
    description: `wasm: auto chose it because ${reasons.join(" and ")}`,
  };
}

/**
 * The environment a result file records: the active backend, its adapter, and the Deno and
 * TF.js versions. `adapter` is "unknown" when the backend was not started by
 * {@link initBackend}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeEnvironment, initBackend } from "./init.ts";
 * await initBackend("cpu");
 * const environment = describeEnvironment();
 * assert.ok(environment.backend === "cpu" && environment.tfjs === "4.22.0");
 * ```
 */
export function describeEnvironment(): {
  backend: string;
  adapter: string;
  deno: string;
  tfjs: string;
} {
  const backend = tf.getBackend();
  const adapter = current !== undefined && current.backend === backend
    ? current.adapter
    : "unknown";
  return { backend, adapter, deno: Deno.version.deno, tfjs: tf.version_core };
}

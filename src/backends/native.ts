/**
 * The `native` backend: the TF.js wasm backend with its heavy kernels re-registered to FFI calls
 * into the libraries PyTorch itself runs on a CPU, found at run time:
 *
 * - OpenBLAS (`libopenblas0-pthread`): `BatchMatMul`, `_FusedMatMul`, and the GEMMs inside this
 *   project's convolution-gradient kernels (native_matmul.ts);
 * - plain heap copies: `Tile` (native_tile.ts), 38% of a wasm ResNet step in batch-norm gradients;
 * - no copy at all: `Identity` aliases its input (native_identity.ts);
 * - oneDNN (`libdnnl2`): convolution forward and both gradients (native_dnnl*.ts, plugged in
 *   below), and the fused training batch norm (native_dnnl_batch_norm.ts).
 *
 * It is the *same* `BackendWasm` instance as `wasm`, registered a second time under the name
 * `native` with a copy of every wasm kernel, so tensors, the heap and XNNPACK's caches are shared
 * and switching between `wasm` and `native` moves no data. Only the kernel table differs.
 * (A second wasm module would not do: TF.js's wasm kernels keep their C entry points in
 * module-level variables bound at setup, so two modules would call into each other's heaps.)
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { philoxWasmKernel } from "./philox_wasm.ts";
import { startWasm } from "./wasm.ts";
import { loadOpenBlas, OPENBLAS_DEBIAN_PACKAGE } from "./native_openblas.ts";
import { nativeMatMulInto, registerNativeMatMul } from "./native_matmul.ts";
import { setWasmMatMulDelegate } from "./wasm_matmul.ts";
import { registerNativeTile } from "./native_tile.ts";
import { registerNativeIdentity } from "./native_identity.ts";
import { registerNativeSgd } from "./native_sgd.ts";
import { registerNativeAllFinite } from "./native_finite.ts";
import { registerNativeBias } from "./native_bias.ts";
import { registerNativeCombine } from "./native_combine.ts";
import { registerNativeReluGrad } from "./native_relu_grad.ts";
import { registerNativeAdam } from "./native_adam.ts";
import { registerNativeSoftmaxCrossEntropy } from "./native_softmax_cross_entropy.ts";
import { registerNativeDense } from "./native_dense.ts";
import { registerDnnlKernels, setDnnlThreads, unregisterDnnlKernels } from "./native_dnnl.ts";
import { loadDnnl, openDnnl, openMpDefaultThreads } from "./native_dnnl_ffi.ts";
import type { DnnlThreads } from "./native_dnnl_conv.ts";
import { registerDnnlBatchNorm } from "./native_dnnl_batch_norm.ts";

/** The TF.js backend name of the native path. */
export const NATIVE_BACKEND = "native";

/** The Debian/Ubuntu packages the native path loads (the one-line hint of the fallback). */
export const NATIVE_DEBIAN_PACKAGES = [OPENBLAS_DEBIAN_PACKAGE, "libdnnl2"] as const;

/** What {@link startNative} started: the libraries and a one-line description of them. */
export interface NativeStart {
  /** E.g. "OpenBLAS 0.3.21 ... SapphireRapids (2 threads) + wasm SIMD for the other kernels". */
  adapter: string;
  /** The kernels re-registered to native calls. */
  kernels: string[];
}

let started: NativeStart | undefined;

/**
 * Loads the native libraries, registers the `native` backend (the wasm backend with native
 * kernels) and makes it active. Idempotent. Throws an Error naming the missing library and the
 * package that provides it when a library cannot be loaded; nothing is registered then.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { startNative } from "./native.ts";
 * try {
 *   const native = await startNative();
 *   assert.equal(tf.getBackend(), "native");
 *   assert.ok(native.kernels.includes("BatchMatMul"));
 * } catch (error) {
 *   assert.match((error as Error).message, /install/);
 * }
 * ```
 */
export async function startNative(): Promise<NativeStart> {
  if (started === undefined) {
    // A bad thread setting is refused before anything loads.
    const threads = nativeDnnlThreads((name) => Deno.env.get(name));
    // Every library is loaded before anything is registered, so a failure leaves no half backend.
    const blas = loadOpenBlas();
    // Throws naming libdnnl2 when oneDNN is missing; registers nothing then.
    const dnnlLibrary = loadNativeDnnl();
    pinLibraries([blas.path, dnnlLibrary, "libgomp.so.1"]);
    await startWasm();
    const wasmBackend = tf.findBackend("wasm");
    if (wasmBackend === null) throw new Error("startNative: the wasm backend did not start");
    // ---- oneDNN call site. registerDnnlKernels swaps its kernels (convolution forward and both
    // gradients) into the `wasm` backend's table, so it runs just before the copy, and the wasm
    // backend gets its own kernels back right after: `wasm` stays plain wasm. ----
    const dnnl = registerDnnlKernels("wasm");
    setDnnlThreads(threads);
    dnnl.threads = threads;
    try {
      // This project's wasm kernels (startWasm registered them) are the fallback of every native
      // kernel, and serve every op that has no native kernel.
      tf.copyRegisteredKernels("wasm", NATIVE_BACKEND);
    } finally {
      unregisterDnnlKernels();
    }
    // The optimizers' perturbation kernel is registered for wasm when philox.ts is first imported,
    // which may come after the copy above; it runs unchanged on this backend instance.
    if (tf.getKernel(philoxWasmKernel.kernelName, NATIVE_BACKEND) === undefined) {
      tf.registerKernel({ ...philoxWasmKernel, backendName: NATIVE_BACKEND });
    }
    const kernels: string[] = dnnl.kernels.map((name) => `${name} (oneDNN)`);
    if (registerNativeMatMul(blas, NATIVE_BACKEND)) kernels.push("BatchMatMul", "_FusedMatMul");
    // The copied wasm convolution gradients call wasmMatMulInto: on this backend, OpenBLAS's GEMM.
    setWasmMatMulDelegate(NATIVE_BACKEND, nativeMatMulInto(blas));
    kernels.push("conv-gradient GEMMs");
    if (registerNativeTile(NATIVE_BACKEND)) kernels.push("Tile");
    // The fused training batch norm (wasm's JavaScript kernels, copied above, are its fallback).
    if (registerDnnlBatchNorm(NATIVE_BACKEND)) {
      kernels.push("UsamBatchNormTrain (oneDNN)", "UsamBatchNormTrainGrad (oneDNN)");
    }
    if (registerNativeIdentity(NATIVE_BACKEND)) kernels.push("Identity");
    if (registerNativeSgd(NATIVE_BACKEND)) kernels.push("UsamSgdUpdate");
    if (registerNativeAllFinite(NATIVE_BACKEND)) kernels.push("UsamAllFinite");
    if (registerNativeBias(NATIVE_BACKEND)) kernels.push("bias Add and Sum");
    if (registerNativeCombine(NATIVE_BACKEND)) {
      kernels.push("UsamCombine", "UsamShift", "UsamSumOfSquares");
    }
    if (registerNativeReluGrad(NATIVE_BACKEND)) kernels.push("UsamReluGrad");
    if (registerNativeAdam(NATIVE_BACKEND)) kernels.push("UsamAdamUpdate");
    if (registerNativeSoftmaxCrossEntropy(NATIVE_BACKEND)) kernels.push("UsamSoftmaxCrossEntropy");
    if (registerNativeDense(NATIVE_BACKEND)) {
      kernels.push("UsamDenseRelu", "UsamDenseLinear", "UsamBiasReluGrad");
    }
    tf.registerBackend(NATIVE_BACKEND, () => wasmBackend, 0);
    started = {
      adapter: `${blas.config}, ${blas.core} kernels (${blas.threads} threads, ${blas.path}); ` +
        `oneDNN (${
          dnnl.threads === "auto"
            ? `convolutions on 1 or ${openMpDefaultThreads()} OpenMP threads by size`
            : `${dnnl.threads} OpenMP threads`
        }, ${dnnl.library}); ` +
        `native: ${kernels.join(", ")}; wasm SIMD for the other kernels`,
      kernels,
    };
  }
  const ok = await tf.setBackend(NATIVE_BACKEND);
  if (!ok) throw new Error("startNative: tf.setBackend('native') failed");
  return started;
}

/**
 * oneDNN's default thread setting on the native path: `"auto"`, each convolution on one thread
 * or on every core by its size (`AUTO_PARALLEL` in native_dnnl_conv.ts), pooling and batch norm
 * on one. Why not one count for all: measured on the
 * quiet 2-core development machine (2026-12-01, `deno task bench:anchor`), one thread left
 * ResNet-18 ×1/4 at 0.79× PyTorch and two threads slowed LeNet-5 from 30.8k to 21.4k images/s;
 * a call's cost in forking and barriers only pays off on large convolutions. On a machine busy
 * with other jobs, `USAM_DNNL_THREADS=1` avoids barriers that wait for a descheduled thread
 * (filter-gradient calls of 4–13 ms whatever their size were measured so, at load average 6–8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_DNNL_THREADS } from "./native.ts";
 * assert.equal(DEFAULT_DNNL_THREADS, "auto");
 * ```
 */
export const DEFAULT_DNNL_THREADS: DnnlThreads = "auto";

/**
 * How many OpenMP threads the native path gives oneDNN: `USAM_DNNL_THREADS`, else
 * `USAM_NATIVE_THREADS` (which sets OpenBLAS's too), else {@link DEFAULT_DNNL_THREADS}. Each is
 * a positive integer or `auto`. `get` reads a variable (`Deno.env.get`). Throws a RangeError
 * naming the variable and its value otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_DNNL_THREADS, nativeDnnlThreads } from "./native.ts";
 * const env = (values: Record<string, string>) => (name: string) => values[name];
 * assert.equal(nativeDnnlThreads(env({})), DEFAULT_DNNL_THREADS);
 * assert.equal(nativeDnnlThreads(env({ USAM_NATIVE_THREADS: "2" })), 2);
 * assert.equal(nativeDnnlThreads(env({ USAM_NATIVE_THREADS: "2", USAM_DNNL_THREADS: "1" })), 1);
 * assert.equal(nativeDnnlThreads(env({ USAM_NATIVE_THREADS: "1", USAM_DNNL_THREADS: "auto" })), "auto");
 * assert.throws(() => nativeDnnlThreads(env({ USAM_DNNL_THREADS: "two" })), /USAM_DNNL_THREADS.*"two"/);
 * ```
 */
export function nativeDnnlThreads(get: (name: string) => string | undefined): DnnlThreads {
  const setting = get("USAM_DNNL_THREADS");
  if (setting === "auto") return "auto";
  for (const name of ["USAM_DNNL_THREADS", "USAM_NATIVE_THREADS"]) {
    const value = get(name);
    if (value === undefined || value === "") continue;
    const threads = Number(value);
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(
        `native: ${name} must be a positive integer${
          name === "USAM_DNNL_THREADS" ? ' or "auto"' : ""
        }, got ${JSON.stringify(value)}`,
      );
    }
    return threads;
  }
  return DEFAULT_DNNL_THREADS;
}

/**
 * Loads oneDNN. `USAM_DNNL_PATH`, when set, must load too (the tests point it at nothing to
 * exercise the fallback). Note: native_dnnl_ffi.ts's `loadDnnl` itself searches its own list of
 * paths, so the override can make the native path fail but does not choose the library.
 */
function loadNativeDnnl(): string {
  // (loadDnnl sets OMP_WAIT_POLICY=passive unless set: measured here too, spinning idle OpenMP
  // workers starve the main thread on 2 shared cores, LeNet SGD step 384 ms against 52 ms.)
  const override = Deno.env.get("USAM_DNNL_PATH");
  if (override !== undefined && override !== "") openDnnl([override]);
  return loadDnnl().path;
}

/**
 * Keeps the native libraries mapped until the process is gone (dlopen with RTLD_NODELETE through
 * libc, a handle Deno never closes). Why: Deno closes its FFI libraries as it exits, while
 * OpenMP's and OpenBLAS's worker threads may still be running their code; measured here, a process
 * that had run oneDNN kernels with OMP_WAIT_POLICY=ACTIVE segfaulted at exit 8 times in 8 (3 in 6
 * with the default policy after a WebGPU probe), and 0 in 8 with the libraries pinned. A library
 * that cannot be pinned (another platform, another libc) is left as it is.
 */
function pinLibraries(names: readonly string[]): void {
  const platform = Deno.build.os === "linux"
    ? { libc: "libc.so.6", flags: 0x2 | 0x1000 } // RTLD_NOW | RTLD_NODELETE (glibc)
    : Deno.build.os === "darwin"
    ? { libc: "libSystem.B.dylib", flags: 0x2 | 0x80 } // RTLD_NOW | RTLD_NODELETE (macOS)
    : undefined;
  if (platform === undefined) return;
  try {
    const libc = Deno.dlopen(platform.libc, {
      dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
    });
    for (const name of names) {
      libc.symbols.dlopen(new TextEncoder().encode(`${name}\0`), platform.flags);
    }
  } catch {
    // No libc under that name: nothing pinned; the exit race remains possible.
  }
}

/**
 * Whether the native libraries load here, without registering anything: `undefined` when they
 * do, else the reason (naming the package to install).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nativeUnavailableReason } from "./native.ts";
 * const reason = nativeUnavailableReason();
 * assert.ok(reason === undefined || reason.includes("install"));
 * ```
 */
export function nativeUnavailableReason(): string | undefined {
  try {
    loadOpenBlas();
    loadNativeDnnl();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Loading OpenBLAS (the library PyTorch's CPU build itself calls for a plain GEMM) through Deno's
 * FFI, at run time. Debian/Ubuntu: `apt-get install libopenblas0-pthread` (the pthread build uses
 * every core); macOS: `brew install openblas`.
 *
 * `USAM_OPENBLAS_PATH` overrides where it is looked for (one path): the tests point it at a file
 * that does not exist to exercise the fallback, and a user can point it at another build.
 * `USAM_NATIVE_THREADS=N` sets OpenBLAS's thread count, and oneDNN's (native.ts) (default: the
 * libraries' own, every core). Why a
 * knob: on an oversubscribed machine a 2-thread GEMM waits for its descheduled second thread
 * (measured here, load 5 on 2 cores: 32×784×128 took 1.2 ms on 2 threads, 0.09 ms on 1).
 *
 * @module
 */

/** The symbols of OpenBLAS used here, in Deno's FFI notation. */
const OPENBLAS_SYMBOLS = {
  // void cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  openblas_get_num_threads: { parameters: [], result: "i32" },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_config: { parameters: [], result: "pointer" },
  openblas_get_corename: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded library: its symbols, where it came from, and its build line. */
export interface OpenBlas {
  symbols: Deno.DynamicLibrary<typeof OPENBLAS_SYMBOLS>["symbols"];
  path: string;
  /** `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64". */
  config: string;
  /** The kernel set OpenBLAS runs, e.g. "SkylakeX" (AVX-512) or "Haswell" (AVX2). */
  core: string;
  threads: number;
}

/** CBLAS constants (cblas.h). */
export const CBLAS = { rowMajor: 101, noTrans: 111, trans: 112 } as const;

/** The Debian package that provides `libopenblas.so.0` with threads. */
export const OPENBLAS_DEBIAN_PACKAGE = "libopenblas0-pthread";

/**
 * Where OpenBLAS is looked for, in order: `USAM_OPENBLAS_PATH` alone when set, else the
 * platform's usual names (the loader's search path first, then Homebrew's prefixes on macOS).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openBlasCandidates } from "./native_openblas.ts";
 * assert.ok(openBlasCandidates().length >= 1);
 * ```
 */
export function openBlasCandidates(): string[] {
  const override = Deno.env.get("USAM_OPENBLAS_PATH");
  if (override !== undefined && override !== "") return [override];
  if (Deno.build.os === "darwin") {
    return [
      "libopenblas.dylib",
      "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
      "/usr/local/opt/openblas/lib/libopenblas.dylib",
    ];
  }
  return ["libopenblas.so.0", "libopenblas.so"];
}

/**
 * The `OPENBLAS_CORETYPE` to ask for before loading: "SkylakeX" (its AVX-512 kernels) on an x86-64
 * Linux CPU with AVX-512 F/BW/DQ/VL, unless the user set one. Why: Debian's OpenBLAS 0.3.21 maps
 * AMD Zen 4 (AVX-512) to its AVX2 "Haswell" kernels; forcing SkylakeX measured here (EPYC, 2 cores)
 * 374 against 232 GFLOP/s at 512³ and 249 against 167 at the MLP's 128×784×128. On Intel CPUs with
 * AVX-512 OpenBLAS picks SkylakeX (or Cooperlake, whose SGEMM kernels are SkylakeX's) anyway.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { preferredCoreType } from "./native_openblas.ts";
 * const core = preferredCoreType();
 * assert.ok(core === undefined || core === "SkylakeX");
 * ```
 */
export function preferredCoreType(): string | undefined {
  if (Deno.env.get("OPENBLAS_CORETYPE")) return undefined;
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") return undefined;
  let flags: string;
  try {
    flags = Deno.readTextFileSync("/proc/cpuinfo").split("\n").find((line) =>
      line.startsWith("flags")
    ) ?? "";
  } catch {
    return undefined;
  }
  const has = (flag: string) => new RegExp(`\\b${flag}\\b`).test(flags);
  return ["avx512f", "avx512bw", "avx512dq", "avx512vl"].every(has) ? "SkylakeX" : undefined;
}

let loaded: OpenBlas | undefined;
let loadedFrom: string | undefined;

/**
 * Opens OpenBLAS (once per candidate list; later calls return the same library), or throws an
 * Error that names each path tried and the package to install.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./native_openblas.ts";
 * try {
 *   const blas = loadOpenBlas();
 *   assert.ok(blas.threads >= 1);
 * } catch (error) {
 *   assert.match((error as Error).message, /libopenblas0-pthread/);
 * }
 * ```
 */
export function loadOpenBlas(): OpenBlas {
  const threadsSetting = Deno.env.get("USAM_NATIVE_THREADS");
  const threads = threadsSetting === undefined || threadsSetting === ""
    ? undefined
    : Number(threadsSetting);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new RangeError(
      `loadOpenBlas: USAM_NATIVE_THREADS must be a positive integer, got ${
        JSON.stringify(threadsSetting)
      }`,
    );
  }
  const candidates = openBlasCandidates();
  const key = candidates.join("\n");
  if (loaded !== undefined && loadedFrom === key) return loaded;
  const failures: string[] = [];
  // OpenBLAS reads OPENBLAS_CORETYPE once, as it loads.
  const core = preferredCoreType();
  if (core !== undefined) Deno.env.set("OPENBLAS_CORETYPE", core);
  for (const path of candidates) {
    try {
      const library = Deno.dlopen(path, OPENBLAS_SYMBOLS);
      const configPointer = library.symbols.openblas_get_config();
      const config = configPointer === null
        ? "OpenBLAS"
        : new Deno.UnsafePointerView(configPointer).getCString();
      if (threads !== undefined) library.symbols.openblas_set_num_threads(threads);
      const corePointer = library.symbols.openblas_get_corename();
      loaded = {
        symbols: library.symbols,
        path,
        config: config.trim(),
        core: corePointer === null
          ? "unknown"
          : new Deno.UnsafePointerView(corePointer).getCString(),
        threads: library.symbols.openblas_get_num_threads(),
      };
      loadedFrom = key;
      return loaded;
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message}`);
    }
  }
  throw new Error(
    `OpenBLAS could not be loaded (${failures.join("; ")}); install it: ` +
      (Deno.build.os === "darwin"
        ? "brew install openblas"
        : `apt-get install ${OPENBLAS_DEBIAN_PACKAGE}`),
  );
}

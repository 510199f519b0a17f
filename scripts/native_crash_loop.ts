/**
 * The crash loop of issue 9's multi-threaded oneDNN crash: runs N child processes and counts how
 * many ended abnormally (a signal, a glibc heap-corruption abort, a failed test).
 *
 * `deno run -A scripts/native_crash_loop.ts [--runs 10] [--threads 2] [--calls 800] [--tests FILE ...]`
 *
 * - Without `--tests`, each child makes `--calls` oneDNN convolution calls (forward, input
 *   gradient and filter gradient in turn, random small shapes, the blocked filter layout) straight
 *   through native_dnnl_conv.ts on `--threads` OpenMP threads, on a plain ArrayBuffer: no TF.js.
 *   Before the strided 1×1 workaround in native_dnnl_conv.ts, 2 threads crashed 6 of 6 children
 *   of 800 calls here (segfault, "corrupted size vs. prev_size", "free(): invalid next size"); one
 *   thread 0 of 3. scripts/onednn_1x1_bwd_weights_repro.c shows the same without Deno.
 * - With `--tests`, each child is `deno test -A --doc FILE ...` with `USAM_NATIVE_THREADS` set to
 *   `--threads`.
 *
 * Prints one line per abnormal child and a last line `failures: F / N`; exits 1 when F > 0.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { Random } from "../src/math/random.ts";
import { loadDnnl } from "../src/backends/native_dnnl_ffi.ts";
import { setDnnlThreads } from "../src/backends/native_dnnl.ts";
import {
  convGeometry,
  dnnlConvBackwardData,
  dnnlConvBackwardWeights,
  dnnlConvForward,
} from "../src/backends/native_dnnl_conv.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "10" },
    threads: { type: "string", default: "2" },
    calls: { type: "string", default: "800" },
    tests: { type: "boolean", default: false },
    child: { type: "boolean", default: false },
  },
  allowPositionals: true,
});
const runs = Number(values.runs);
const threads = Number(values.threads);
const calls = Number(values.calls);
for (const [name, value] of [["runs", runs], ["threads", threads], ["calls", calls]] as const) {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`native_crash_loop: --${name} must be a positive integer, got ${value}`);
  }
}
if (values.tests && positionals.length === 0) {
  throw new TypeError("native_crash_loop: --tests needs at least one test file");
}

/** One child's work: `calls` random oneDNN convolution calls on `threads` threads. */
function stress(): void {
  const dnnl = loadDnnl();
  setDnnlThreads(threads);
  const heap = new ArrayBuffer(16 << 20);
  const floats = new Float32Array(heap);
  const rng = new Random(14);
  for (let call = 0; call < calls; call++) {
    const [n, h, w] = [1 + rng.integer(4), 5 + rng.integer(9), 5 + rng.integer(9)];
    const [cin, cout, size] = [1 + rng.integer(6), 1 + rng.integer(9), 1 + rng.integer(4)];
    const stride = 1 + rng.integer(2);
    const info = tf.backend_util.computeConv2DInfo(
      [n, h, w, cin],
      [size, size, cin, cout],
      stride,
      1,
      call % 2 === 0 ? "same" : "valid",
      undefined,
      false,
      "channelsLast",
    );
    const g = convGeometry(info);
    // x, then the filter, then y, each 64-byte aligned.
    const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
    const x = 0;
    const filter = align(4 * n * h * w * cin);
    const y = filter + align(4 * size * size * cin * cout);
    rng.fillGaussian(floats.subarray(0, y / 4 + info.outShape.reduce((p, d) => p * d, 1)));
    const kind = call % 3;
    if (kind === 0) {
      dnnlConvForward(dnnl, g, false, "linear", 0.2, {
        heap,
        offsets: { src: x, weights: filter, dst: y },
      });
    } else if (kind === 1) {
      dnnlConvBackwardData(dnnl, g, { heap, offsets: { diffSrc: x, weights: filter, diffDst: y } });
    } else {
      dnnlConvBackwardWeights(dnnl, g, {
        heap,
        offsets: { src: x, diffWeights: filter, diffDst: y },
      });
    }
  }
  console.log(`${calls} calls on ${threads} threads: done`);
}

if (values.child) {
  stress();
} else {
  let failures = 0;
  for (let run = 1; run <= runs; run++) {
    const args = values.tests ? ["test", "-A", "--doc", ...positionals] : [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--child",
      "--threads",
      String(threads),
      "--calls",
      String(calls),
    ];
    const output = await new Deno.Command(Deno.execPath(), {
      args,
      env: { USAM_NATIVE_THREADS: String(threads), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (output.success) continue;
    failures++;
    const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
    const reason = text.split("\n").find((line) =>
      /malloc|corrupt|free\(\)|Segmentation|FAILED|error:/.test(line)
    ) ?? "";
    console.log(`run ${run}: exit ${output.code}, signal ${output.signal ?? "none"} ${reason}`);
  }
  console.log(`failures: ${failures} / ${runs}`);
  if (failures > 0) Deno.exit(1);
}

/**
 * oneDNN convolution calls (forward, input gradient, filter gradient) at the convolutions of
 * ResNet-18 ×1/16 (28×28×1) and ×1/4 (32×32×3), batch 128, timed straight through
 * native_dnnl_conv.ts on a plain buffer (no TF.js): milliseconds per call on 1 and on 2 OpenMP
 * threads, with the blocked (oneDNN's choice) and the HWIO filter layout: what the native path's
 * thread count and filter layout are chosen from. Figures, not pass/fail: each is the median of
 * `--rounds` rounds of at least 60 ms; noisy on a shared machine.
 *
 * `deno run -A bench/native_conv_threads.ts [--rounds 5] [--kinds fwd,bwdd,bwdw]
 *   [--layouts blocked,hwio]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { loadDnnl } from "../src/backends/native_dnnl_ffi.ts";
import { initBackend } from "../src/backends/init.ts";
import { asWasmBackend } from "../src/backends/wasm_internals.ts";
import { conv2DBackpropFilterWasm } from "../src/backends/wasm_conv2d_backprop_filter.ts";
import { setDnnlThreads } from "../src/backends/native_dnnl.ts";
import {
  convGeometry,
  dnnlConvBackwardData,
  dnnlConvBackwardWeights,
  dnnlConvForward,
  setDnnlWeightsLayout,
  type WeightsLayout,
} from "../src/backends/native_dnnl_conv.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "5" },
    kinds: { type: "string", default: "fwd,bwdd,bwdw" },
    layouts: { type: "string", default: "blocked,hwio" },
  },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new RangeError(`native_conv_threads: --rounds must be a positive integer, got ${rounds}`);
}
const kinds = values.kinds.split(",");
const layouts = values.layouts.split(",") as WeightsLayout[];
// The native backend: its wasm filter gradient (im2col + GEMM) runs its GEMMs on OpenBLAS, the
// last column of the filter-gradient rows.
const native = await initBackend("native");
const blasThreads = /\((\d+) threads/.exec(native.adapter ?? "")?.[1] ?? "?";
const dnnl = loadDnnl();
const BATCH = 128;

interface Shape {
  label: string;
  size: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  /** TF.js padding (ResNet's are "same", LeNet-5's "valid"). */
  pad?: "same" | "valid";
}

/** ResNet-18's convolutions: stem, per stage the 3×3s, the strided 3×3 and the 1×1 shortcut. */
function resnet(model: string, input: number, channels: number, widths: number[]): Shape[] {
  const shapes: Shape[] = [{
    label: `${model} stem`,
    size: input,
    cin: channels,
    cout: widths[0],
    k: 3,
    stride: 1,
  }];
  let size = input;
  widths.forEach((width, stage) => {
    if (stage > 0) {
      const cin = widths[stage - 1];
      shapes.push({
        label: `${model} s${stage + 1} 3×3/2`,
        size,
        cin,
        cout: width,
        k: 3,
        stride: 2,
      });
      shapes.push({
        label: `${model} s${stage + 1} 1×1/2`,
        size,
        cin,
        cout: width,
        k: 1,
        stride: 2,
      });
      size = Math.ceil(size / 2);
    }
    shapes.push({
      label: `${model} s${stage + 1} 3×3`,
      size,
      cin: width,
      cout: width,
      k: 3,
      stride: 1,
    });
  });
  return shapes;
}

/** LeNet-5 (`cnn`): two valid 5×5 convolutions, each followed by a 2×2 pool. */
const lenet: Shape[] = [
  { label: "LeNet conv1", size: 28, cin: 1, cout: 6, k: 5, stride: 1, pad: "valid" },
  { label: "LeNet conv2", size: 12, cin: 6, cout: 16, k: 5, stride: 1, pad: "valid" },
];

const shapes = [
  ...lenet,
  ...resnet("×1/16", 28, 1, [4, 8, 16, 32]),
  ...resnet("×1/4", 32, 3, [16, 32, 64, 128]),
];
let heap = new ArrayBuffer(0);

/** Multiply-adds of one call (forward, input gradient and filter gradient each do this many). */
function multiplyAdds(g: ReturnType<typeof convGeometry>): number {
  return g.batch * g.outHeight * g.outWidth * g.outChannels * g.inChannels * g.filterHeight *
    g.filterWidth;
}

function msPerCall(fn: () => void): number {
  fn();
  fn();
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < 60) {
      fn();
      calls++;
    }
    perCall.push((performance.now() - start) / calls);
  }
  return perCall.sort((a, b) => a - b)[rounds >> 1];
}

const settings = layouts.flatMap((layout) => [1, 2].map((threads) => ({ layout, threads })));
console.log(
  `native_conv_threads: batch ${BATCH}, ms per call (median of ${rounds} rounds ≥ 60 ms), ` +
    `oneDNN threads × filter layout; MMAC = million multiply-adds`,
);
console.log(
  `| shape | kind | MMAC | ${
    settings.map((s) => `${s.layout} ${s.threads}T`).join(" | ")
  } | OpenBLAS GEMM ${blasThreads}T |`,
);
console.log(`|---|---|---|${settings.map(() => "---|").join("")}---|`);
for (const shape of shapes) {
  const info = tf.backend_util.computeConv2DInfo(
    [BATCH, shape.size, shape.size, shape.cin],
    [shape.k, shape.k, shape.cin, shape.cout],
    shape.stride,
    1,
    shape.pad ?? "same",
    undefined,
    false,
    "channelsLast",
  );
  const g = convGeometry(info);
  const xBytes = 4 * BATCH * shape.size * shape.size * shape.cin;
  const wBytes = 4 * shape.k * shape.k * shape.cin * shape.cout;
  const yBytes = 4 * info.outShape.reduce((p, d) => p * d, 1);
  const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
  const [x, w, y] = [0, align(xBytes), align(xBytes) + align(wBytes)];
  if (heap.byteLength < y + yBytes) heap = new ArrayBuffer(y + yBytes);
  new Float32Array(heap).fill(0.5);
  for (const kind of kinds) {
    const cells: string[] = [];
    for (const { layout, threads } of settings) {
      setDnnlWeightsLayout(layout);
      setDnnlThreads(threads);
      const call = kind === "fwd"
        ? () =>
          dnnlConvForward(dnnl, g, false, "linear", 0.2, {
            heap,
            offsets: { src: x, weights: w, dst: y },
          })
        : kind === "bwdd"
        ? () =>
          dnnlConvBackwardData(dnnl, g, { heap, offsets: { diffSrc: x, weights: w, diffDst: y } })
        : () =>
          dnnlConvBackwardWeights(dnnl, g, {
            heap,
            offsets: { src: x, diffWeights: w, diffDst: y },
          });
      cells.push(msPerCall(() => void call()).toFixed(3));
    }
    if (kind === "bwdw") {
      const backend = asWasmBackend(tf.backend());
      const xT = tf.fill([BATCH, shape.size, shape.size, shape.cin], 0.5);
      const dyT = tf.fill(info.outShape, 0.5);
      const attrs = {
        strides: shape.stride,
        pad: shape.pad ?? "same",
        dataFormat: "NHWC" as const,
        filterShape: [shape.k, shape.k, shape.cin, shape.cout] as [number, number, number, number],
      };
      cells.push(
        msPerCall(() =>
          backend.disposeData(conv2DBackpropFilterWasm(backend, xT, dyT, attrs).dataId)
        )
          .toFixed(3),
      );
      tf.dispose([xT, dyT]);
    } else {
      cells.push("");
    }
    console.log(
      `| ${shape.label} | ${kind} | ${(multiplyAdds(g) / 1e6).toFixed(1)} | ${cells.join(" | ")} |`,
    );
  }
}

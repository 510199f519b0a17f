/**
 * A guard on the wasm forward convolutions and poolings against a TF.js 4.22 bug that corrupts the wasm heap.
 *
 * With a numeric `pad`, tfjs-core's `computeConv2DInfo` sizes the output from the filter
 * *height* and stride *height* for both spatial dimensions (`computeOutputShape2D`). With a
 * non-square filter or stride the output tensor is then too small for what XNNPACK writes, and
 * the wasm kernel writes past it (found here with a 1×3 filter, strides [3, 1], pad 1: later ops
 * fail with "memory access out of bounds"). The cpu backend silently returns a wrongly sized
 * result instead. The guard refuses these calls with a RangeError before anything is written.
 *
 * @module
 */
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { replaceWasmKernel } from "./wasm_internals.ts";

function pair(value: number | number[] | undefined): [number, number] {
  if (value === undefined) return [1, 1];
  if (typeof value === "number") return [value, value];
  return [value[0], value[1] ?? value[0]];
}

/**
 * Throws a RangeError naming the parameters when `pad` is a number and the (dilated) filter or the
 * strides are not square: the case tfjs-core sizes wrongly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkNumericPadding } from "./wasm_conv2d_guard.ts";
 * checkNumericPadding("Conv2D", [3, 3, 1, 1], { pad: 1, strides: 2 }); // fine
 * try {
 *   checkNumericPadding("Conv2D", [1, 3, 1, 1], { pad: 1, strides: [3, 1] });
 * } catch (error) {
 *   assert.ok(error instanceof RangeError);
 * }
 * ```
 */
export function checkNumericPadding(
  kernelName: string,
  filterShape: readonly number[],
  attrs: { pad?: unknown; strides?: number | number[]; dilations?: number | number[] },
): void {
  if (typeof attrs.pad !== "number") return;
  const [strideHeight, strideWidth] = pair(attrs.strides);
  const [dilationHeight, dilationWidth] = pair(attrs.dilations);
  const effectiveHeight = filterShape[0] + (filterShape[0] - 1) * (dilationHeight - 1);
  const effectiveWidth = filterShape[1] + (filterShape[1] - 1) * (dilationWidth - 1);
  if (effectiveHeight === effectiveWidth && strideHeight === strideWidth) return;
  throw new RangeError(
    `${kernelName} (wasm): pad ${attrs.pad} (a number) with a ${effectiveHeight}×${effectiveWidth} ` +
      `filter and strides [${strideHeight}, ${strideWidth}] is refused: TF.js 4.22 sizes the ` +
      `output of a numeric padding from the filter and stride heights alone, and the wasm kernel ` +
      `would write past the output. Use 'same', 'valid' or explicit padding ` +
      `[[0, 0], [top, bottom], [left, right], [0, 0]].`,
  );
}

/**
 * Wraps the wasm `Conv2D`, `FusedConv2D`, `DepthwiseConv2dNative`, `FusedDepthwiseConv2D`,
 * `MaxPool` and `AvgPool` kernels (whose output sizes all come from `computeConv2DInfo`) with
 * {@link checkNumericPadding}. Idempotent; returns whether it wrapped anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerWasmConvGuards } from "./wasm_conv2d_guard.ts";
 * registerWasmConvGuards();
 * assert.ok(registerWasmConvGuards() === false);
 * ```
 */
export function registerWasmConvGuards(): boolean {
  let replaced = false;
  for (const kernelName of ["MaxPool", "AvgPool"]) {
    replaced = replaceWasmKernel(kernelName, (original: KernelFunc): KernelFunc => (args) => {
      const attrs = args.attrs as {
        filterSize: number | number[];
        pad?: unknown;
        strides?: number | number[];
      };
      const [height, width] = typeof attrs.filterSize === "number"
        ? [attrs.filterSize, attrs.filterSize]
        : attrs.filterSize;
      checkNumericPadding(kernelName, [height, width], attrs);
      return original(args);
    }) || replaced;
  }
  for (
    const kernelName of ["Conv2D", "FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2D"]
  ) {
    replaced = replaceWasmKernel(kernelName, (original: KernelFunc): KernelFunc => (args) => {
      const { filter } = args.inputs as { filter: TensorInfo };
      checkNumericPadding(
        kernelName,
        filter.shape,
        args.attrs as Parameters<typeof checkNumericPadding>[2],
      );
      return original(args);
    }) || replaced;
  }
  return replaced;
}

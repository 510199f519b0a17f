/**
 * The one build of the project's hand-written WebAssembly text modules (`philox_fill.wat`,
 * `native_elementwise.wat`): wabt's `wat2wasm` (npm `wabt`, pinned in deno.json) assembles the
 * text without debug names, so the bytes depend on the code only, and the bytes are committed as a
 * generated TypeScript module of base64 lines. Each module's test rebuilds the text and compares
 * the result with the committed file, so the build is reproducible.
 *
 * @module
 */
import wabtInit from "wabt";

/**
 * The module's bytes, assembled from the WAT text `source` (validated; no debug names).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assembleWat } from "./wat_module.ts";
 * const bytes = await assembleWat("add.wat", `(module (func (export "add") (param i32 i32)
 *   (result i32) local.get 0 local.get 1 i32.add))`);
 * const { instance } = await WebAssembly.instantiate(bytes);
 * assert.equal((instance.exports.add as (a: number, b: number) => number)(2, 3), 5);
 * await assert.rejects(() => assembleWat("bad.wat", "(module (func i32.add))"));
 * ```
 */
export async function assembleWat(
  watName: string,
  source: string,
  options: { simd?: boolean } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof source !== "string" || source.length === 0) {
    throw new TypeError(`assembleWat: ${watName} must be WAT text, got ${typeof source}`);
  }
  const wabt = await wabtInit();
  const module = wabt.parseWat(watName, source, options.simd ? { simd: true } : {});
  try {
    module.validate();
    const { buffer } = module.toBinary({ log: false, write_debug_names: false });
    return new Uint8Array(buffer);
  } finally {
    module.destroy();
  }
}

/**
 * The generated TypeScript module holding `bytes` as base64 lines of 90 characters, with a header
 * that says it is generated, by what, and which test checks it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { watModuleSource } from "./wat_module.ts";
 * const text = watModuleSource(new Uint8Array([0, 97, 115, 109]), ["The bytes of `x.wat`."], "X");
 * assert.match(text, /export const X: string = \[\n  "AGFzbQ==",\n\]\.join\(""\);/);
 * assert.match(text, /^\/\*\*\n \* The bytes of `x.wat`.\n \*\n \* @module/);
 * ```
 */
export function watModuleSource(
  bytes: Uint8Array,
  header: readonly string[],
  constName: string,
): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const base64 = btoa(binary);
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += 90) lines.push(base64.slice(at, at + 90));
  return [
    "/**",
    ...header.map((line) => ` * ${line}`),
    " *",
    " * @module",
    " */",
    "",
    "/** The module's bytes, base64 (lines joined). */",
    `export const ${constName}: string = [`,
    ...lines.map((line) => `  "${line}",`),
    '].join("");',
    "",
  ].join("\n");
}

/**
 * File URLs and paths (`node:url`), for dynamic imports of user files and spawning sibling scripts.
 *
 * @module
 */
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The `file://` URL of an absolute path.
 *
 * @example
 * ```ts
 * import { toFileUrl } from "./file_url.ts";
 * console.assert(toFileUrl("/tmp/a b.ts") === "file:///tmp/a%20b.ts");
 * ```
 */
export function toFileUrl(absolutePath: string): string {
  return pathToFileURL(absolutePath).href;
}

/**
 * The path of a `file://` URL (`node:url`'s fileURLToPath).
 *
 * @example
 * ```ts
 * import { fromFileUrl } from "./file_url.ts";
 * console.assert(fromFileUrl(new URL("file:///tmp/a%20b.ts")) === "/tmp/a b.ts");
 * ```
 */
export function fromFileUrl(url: URL): string {
  return fileURLToPath(url);
}

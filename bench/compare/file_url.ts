/**
 * `node:url`'s pathToFileURL as a string, for dynamic imports of user files.
 *
 * @module
 */
import { pathToFileURL } from "node:url";

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

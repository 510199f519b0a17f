/**
 * `node:url`'s fileURLToPath, for tests that spawn a fixture next to them.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/**
 * The path of a `file://` URL.
 *
 * @example
 * ```ts
 * import { fromFileUrl } from "./file_url_test_helpers.ts";
 * console.assert(fromFileUrl(new URL("file:///tmp/a%20b.ts")) === "/tmp/a b.ts");
 * ```
 */
export function fromFileUrl(url: URL): string {
  return fileURLToPath(url);
}

/**
 * `deno task playground [--port N]`: builds the page, serves it on localhost and prints the URL.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { startPlayground } from "./server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { port: { type: "string", default: "8000" }, help: { type: "boolean", default: false } },
});
if (values.help) {
  console.log("deno task playground [--port N]   (N = 0 picks a free port; default 8000)");
  Deno.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer in [0, 65535], got ${values.port}`);
  Deno.exit(2);
}
const playground = await startPlayground({ port });
console.log(`usam playground: ${playground.url}  (Ctrl-C stops it)`);

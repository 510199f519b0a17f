/**
 * `deno task merge`: the command-line entry of `src/experiments/merge_command.ts` (see there, or
 * `deno task merge --help`).
 *
 * ```sh
 * deno task merge DIR... [--out DIR] [--preset NAME | --grid FILE] [--allow-incomplete]
 * ```
 *
 * @module
 */
import { mergeMain } from "../src/experiments/merge_command.ts";

if (import.meta.main) {
  Deno.exit(await mergeMain(Deno.args));
}

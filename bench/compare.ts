/**
 * `deno task compare`: the command-line entry of `src/experiments/compare_command.ts` (see there,
 * or `deno task compare --help`).
 *
 * ```sh
 * deno task compare --preset ci|cpu|paper | --grid FILE [--out DIR] [--shard i/n] [--jobs N]
 * ```
 *
 * @module
 */
import { compareMain } from "../src/experiments/compare_command.ts";

if (import.meta.main) {
  Deno.exit(await compareMain(Deno.args));
}

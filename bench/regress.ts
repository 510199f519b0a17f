/**
 * `deno task regress`: the command-line entry of `src/experiments/regress_command.ts` (see there,
 * or `deno task regress --help`).
 *
 * ```sh
 * deno task regress [--update] [--out DIR] [--backend NAME] [--baseline FILE] [--jobs N]
 * ```
 *
 * @module
 */
import { regressMain } from "../src/experiments/regress_command.ts";

if (import.meta.main) {
  Deno.exit(await regressMain(Deno.args));
}

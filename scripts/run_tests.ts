/**
 * `deno task test`: `deno test -A --doc` (plus any arguments given) with `TMPDIR` pointing at a
 * private folder that is removed afterwards. Tests that leak temporary files or folders then leave
 * nothing in the machine's /tmp; the leftovers are listed on stderr so that the leaking tests can
 * be found and fixed. The exit code is `deno test`'s.
 *
 * @module
 */

/**
 * The names of the entries `dir` holds, sorted (none when it does not exist).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leftovers } from "./run_tests.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/b`, "");
 * await Deno.mkdir(`${dir}/a`);
 * assert.deepEqual(await leftovers(dir), ["a", "b"]);
 * await Deno.remove(dir, { recursive: true });
 * assert.deepEqual(await leftovers(dir), []);
 * ```
 */
export async function leftovers(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

if (import.meta.main) {
  const privateTmp = await Deno.makeTempDir({ prefix: "usam-test-tmp-" });
  // Ctrl-C reaches `deno test` too (same process group): wait for it, then clean up.
  const ignore = () => {};
  Deno.addSignalListener("SIGINT", ignore);
  let code = 1;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--doc", ...Deno.args],
      env: { TMPDIR: privateTmp },
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    code = (await child.status).code;
  } finally {
    const left = await leftovers(privateTmp);
    if (left.length > 0) {
      const shown = left.slice(0, 10).join(", ") + (left.length > 10 ? ", …" : "");
      console.error(
        `deno task test: the tests left ${left.length} temporary item(s), now removed: ${shown}`,
      );
    }
    await Deno.remove(privateTmp, { recursive: true });
    Deno.removeSignalListener("SIGINT", ignore);
  }
  Deno.exit(code);
}

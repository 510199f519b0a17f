/**
 * The result path of `deno task train --out`: where a relative path points, and whether the
 * result (and its checkpoint folder beside it) can be written there, checked before training so
 * that a bad `--out` fails in a second rather than after the whole run.
 *
 * @module
 */
import { dirname, isAbsolute, join } from "node:path";

/**
 * A user-given path, relative to the folder the user ran the command in. `deno task` runs its
 * command in the folder of deno.json and puts the user's folder in `INIT_CWD`; a path relative to
 * the repository root would put `--out run.json` somewhere the user did not ask for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { userPath } from "./out_path.ts";
 * assert.equal(userPath("runs/a.json", "/home/me"), "/home/me/runs/a.json");
 * assert.equal(userPath("/tmp/a.json", "/home/me"), "/tmp/a.json");
 * assert.equal(userPath("runs/a.json", ""), "runs/a.json"); // no INIT_CWD: the current folder
 * ```
 */
export function userPath(
  path: string,
  initCwd: string | undefined = Deno.env.get("INIT_CWD"),
): string {
  return isAbsolute(path) || !initCwd ? path : join(initCwd, path);
}

/**
 * Checks that a result can be written at `path`: it is not a folder, and its folder exists (it is
 * made when missing) and takes a new file. Throws a `RangeError` naming `--out`, the path and the
 * reason; the probe file it writes is removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOutPath } from "./out_path.ts";
 * const dir = await Deno.makeTempDir();
 * await checkOutPath(`${dir}/sub/run.json`);
 * await assert.rejects(checkOutPath(dir), /--out .* is a folder/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkOutPath(path: string): Promise<void> {
  let existing: Deno.FileInfo | null = null;
  try {
    existing = await Deno.stat(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw unusable(path, error);
  }
  if (existing?.isDirectory) {
    throw new RangeError(
      `--out ${path} is a folder; give a file path, such as ${join(path, "run.json")}`,
    );
  }
  const folder = dirname(path);
  const probe = join(folder, `.usam-probe-${Deno.pid}-${crypto.randomUUID()}`);
  try {
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(probe, "", { createNew: true });
  } catch (error) {
    throw unusable(path, error);
  }
  await Deno.remove(probe);
}

function unusable(path: string, error: unknown): RangeError {
  const reason = error instanceof Error ? error.message : String(error);
  return new RangeError(`--out ${path} cannot be written (${reason})`, { cause: error });
}

/**
 * A copy of parsed options with the named path options that were given taken through
 * {@link userPath} (defaults are not in `given`: they stay relative to the repository root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { userPaths } from "./out_path.ts";
 * const given = { out: "runs", jobs: 2 };
 * assert.deepEqual(userPaths(given, ["out", "grid"], "/home/me"), { out: "/home/me/runs", jobs: 2 });
 * ```
 */
export function userPaths(
  given: Readonly<Record<string, unknown>>,
  keys: readonly string[],
  initCwd: string | undefined = Deno.env.get("INIT_CWD"),
): Record<string, unknown> {
  const resolved = { ...given };
  for (const key of keys) {
    const value = resolved[key];
    if (typeof value === "string" && value !== "") resolved[key] = userPath(value, initCwd);
  }
  return resolved;
}

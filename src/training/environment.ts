/**
 * The one description of where a run ran: the source commit and the machine, next to the backend
 * and versions of `src/backends` `describeEnvironment`. `train` records it in every run result;
 * `deno task regress` stores the same commit and machine in the baseline and the history.
 *
 * @module
 */
import { cpus, hostname, totalmem } from "node:os";
import { describeEnvironment } from "../backends/mod.ts";
import type { RunEnvironment } from "./result.ts";

let cachedCommit: Promise<string | null> | undefined;

/**
 * The git commit checked out in the repository that holds `dir`, with "-dirty" when tracked files
 * have local changes (untracked files do not count); null outside a checkout or without git.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitCommit } from "./environment.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await gitCommit(dir), null); // not a checkout
 * await Deno.remove(dir);
 * ```
 */
export async function gitCommit(dir: string): Promise<string | null> {
  const git = (args: string[]) =>
    new Deno.Command("git", {
      args: ["-C", dir, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
  try {
    const head = await git(["rev-parse", "HEAD"]);
    if (!head.success) return null;
    const commit = new TextDecoder().decode(head.stdout).trim();
    if (!/^[0-9a-f]{40}$/.test(commit)) return null;
    const status = await git(["status", "--porcelain", "--untracked-files=no"]);
    const dirty = status.success && status.stdout.length > 0;
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return null; // git not installed, or no permission to run it
  }
}

/**
 * The git commit of this source tree ({@link gitCommit} of this module's folder); null when the
 * module is not loaded from a file. Computed once per process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sourceCommit } from "./environment.ts";
 * const commit = await sourceCommit();
 * assert.ok(commit === null || /^[0-9a-f]{40}(-dirty)?$/.test(commit));
 * ```
 */
export function sourceCommit(): Promise<string | null> {
  cachedCommit ??= (async () => {
    const dir = new URL(".", import.meta.url);
    if (dir.protocol !== "file:") return null;
    return await gitCommit(decodeURIComponent(dir.pathname));
  })();
  return cachedCommit;
}

/**
 * "N× model" from `node:os` `cpus()`: the first CPU's model with its runs of white space
 * collapsed, or "unknown CPU" when the system names none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuDescription } from "./environment.ts";
 * assert.equal(cpuDescription([{ model: " AMD  EPYC " }, { model: "AMD EPYC" }]), "2× AMD EPYC");
 * assert.equal(cpuDescription([]), "0× unknown CPU");
 * ```
 */
export function cpuDescription(list: readonly { model?: string }[]): string {
  const model = list[0]?.model?.replace(/\s+/g, " ").trim() || "unknown CPU";
  return `${list.length}× ${model}`;
}

/**
 * "host · os-arch · N× CPU model · M GiB" (parts that need a permission not granted are left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { machineDescription } from "./environment.ts";
 * assert.ok(machineDescription().includes(Deno.build.arch));
 * ```
 */
export function machineDescription(): string {
  const parts: string[] = [];
  try {
    parts.push(hostname());
  } catch {
    // no --allow-sys
  }
  parts.push(`${Deno.build.os}-${Deno.build.arch}`);
  try {
    parts.push(cpuDescription(cpus()));
    parts.push(`${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  } catch {
    parts.push(`${navigator.hardwareConcurrency} cores`);
  }
  return parts.join(" · ");
}

/**
 * The environment of a run on the backend `initBackend` chose.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runEnvironment } from "./environment.ts";
 * const env = await runEnvironment({ backend: "cpu", adapter: null, description: "cpu (asked)" });
 * assert.equal(env.backend, "cpu");
 * ```
 */
export async function runEnvironment(
  chosen: { backend: string; adapter: string | null; description: string },
): Promise<RunEnvironment> {
  return {
    ...describeEnvironment(),
    backend: chosen.backend,
    adapter: chosen.adapter,
    backendChoice: chosen.description,
    commit: await sourceCommit(),
    machine: machineDescription(),
  };
}

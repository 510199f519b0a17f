/**
 * Where a comparison ran: the git commit and a short machine description, for the baseline and
 * the history of `deno task regress`.
 *
 * @module
 */
import { cpus, hostname, totalmem } from "node:os";

/**
 * The current commit (`git rev-parse HEAD`), or null outside a git checkout.
 *
 * @example
 * ```ts
 * import { gitCommit } from "./environment.ts";
 * const commit = await gitCommit();
 * console.assert(commit === null || /^[0-9a-f]{40}$/.test(commit));
 * ```
 */
export async function gitCommit(): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    if (!out.success) return null;
    const text = new TextDecoder().decode(out.stdout).trim();
    return /^[0-9a-f]{40}$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/**
 * "host · os-arch · N× CPU model · M GiB".
 *
 * @example
 * ```ts
 * import { machineDescription } from "./environment.ts";
 * console.assert(machineDescription().includes(Deno.build.arch));
 * ```
 */
export function machineDescription(): string {
  const cpuList = cpus();
  const model = cpuList[0]?.model?.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  return `${hostname()} · ${Deno.build.os}-${Deno.build.arch} · ${cpuList.length}× ${model} · ${
    (totalmem() / 2 ** 30).toFixed(0)
  } GiB`;
}

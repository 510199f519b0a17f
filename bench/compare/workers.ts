/**
 * Parallel runs on one machine: `--jobs N` starts N worker processes of `bench/compare.ts` on the
 * same result folder, worker j taking runs j, j+N, ... of the (shard's) run list. TF.js runs one
 * training on one core at a time, so N workers use N cores. They share nothing but the folder, where
 * every result is written atomically under its own name, so they cannot collide.
 *
 * @module
 */
import { fromFileUrl } from "./file_url.ts";

/**
 * Spawns `jobs` workers running `bench/compare.ts <args> --worker j/jobs --no-report`, forwarding
 * their output line by line with a `[w j]` prefix; resolves to their exit codes.
 *
 * @example
 * ```ts ignore
 * import { runWorkers } from "./workers.ts";
 * const codes = await runWorkers(["--preset", "ci", "--out", "results/runs/ci"], 2, console.log);
 * ```
 */
export async function runWorkers(
  args: readonly string[],
  jobs: number,
  write: (text: string) => void,
): Promise<number[]> {
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new RangeError(`--jobs must be an integer >= 1, got ${jobs}`);
  }
  const script = fromFileUrl(new URL("../compare.ts", import.meta.url));
  const children = Array.from({ length: jobs }, (_, k) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args, "--worker", `${k + 1}/${jobs}`, "--no-report"],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const forward = async (stream: ReadableStream<Uint8Array>) => {
      let pending = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop()!;
        for (const line of lines) write(`[w${k + 1}] ${line}\n`);
      }
      if (pending) write(`[w${k + 1}] ${pending}\n`);
    };
    return Promise.all([forward(child.stdout), forward(child.stderr), child.status]).then((
      [, , s],
    ) => s.code);
  });
  return await Promise.all(children);
}

/**
 * Parallel runs on one machine: `--jobs N` starts N worker processes of the compare command on the
 * same result folder. Each worker walks the whole run list and takes the runs whose lock it gets
 * (`lock.ts`), so the workers share the grid without duplicate work and the faster ones take more
 * runs. TF.js trains on one core at a time, so N workers use N cores.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/**
 * Spawns `jobs` workers running `compare_command.ts <args> --no-report`, forwarding their output
 * line by line with a `[wj]` prefix; resolves to their exit codes.
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
  const script = fileURLToPath(new URL("./compare_command.ts", import.meta.url));
  const children = Array.from({ length: jobs }, (_, k) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args, "--no-report"],
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

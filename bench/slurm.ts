/**
 * `deno run -A bench/slurm.ts (--preset NAME | --grid FILE) --shards N [options]`: writes the
 * Slurm job scripts of a comparison (src/experiments/slurm.ts): a job array with one
 * `deno task compare --shard i/N` per task and a merge job that runs after all of them succeeded.
 * Submit with `bash <scripts>/submit.sh` on the cluster's login node.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { basename, join } from "node:path";
import { type SlurmJobOptions, writeSlurmJob } from "../src/experiments/slurm.ts";

const HELP = `Usage: deno run -A bench/slurm.ts (--preset NAME | --grid FILE) --shards N [options]

Writes shards.sbatch (a job array, one shard of the grid per task), merge.sbatch (deno task
merge over the shard folders, after all tasks succeeded) and submit.sh into --scripts.

  --shards N            array tasks (required)
  --out DIR             results: DIR/shard-i, DIR/merged (+ report), DIR/logs
                        (default results/runs/<grid>-slurm)
  --scripts DIR         where the scripts go (default <out>/slurm)
  --repo DIR            the usam checkout on the compute nodes (default: this one)
  --partition NAME      --time T  --cpus-per-task N  --mem M  --max-concurrent K
  --backend NAME        --data-dir DIR   passed to deno task compare
  -h, --help            this text
`;

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new RangeError(`--${name} must be an integer >= 1, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/**
 * The command without `Deno.exit`: returns the exit code (0 written, 2 bad usage, the message
 * on `error`).
 *
 * @example
 * ```ts
 * import { slurmMain } from "./slurm.ts";
 * import assert from "node:assert/strict";
 * const out = Deno.makeTempDirSync();
 * const lines: string[] = [];
 * const code = await slurmMain(["--preset", "ci", "--shards", "4", "--out", out], (t) => lines.push(t));
 * assert.equal(code, 0);
 * assert.match(Deno.readTextFileSync(`${out}/slurm/shards.sbatch`), /--array=1-4/);
 * const errors: string[] = [];
 * assert.equal(await slurmMain(["--preset", "ci"], () => {}, (t) => errors.push(t)), 2);
 * assert.match(errors[0], /--shards N is required/);
 * Deno.removeSync(out, { recursive: true });
 * ```
 */
export async function slurmMain(
  argv: readonly string[],
  write: (text: string) => void = (t) => console.log(t),
  error: (text: string) => void = (t) => console.error(t),
): Promise<number> {
  let options: SlurmJobOptions;
  let scripts: string;
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        preset: { type: "string" },
        grid: { type: "string" },
        shards: { type: "string" },
        out: { type: "string" },
        scripts: { type: "string" },
        repo: { type: "string" },
        partition: { type: "string" },
        time: { type: "string" },
        "cpus-per-task": { type: "string" },
        mem: { type: "string" },
        "max-concurrent": { type: "string" },
        backend: { type: "string" },
        "data-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      write(HELP);
      return 0;
    }
    if ((values.preset === undefined) === (values.grid === undefined)) {
      throw new RangeError("give exactly one of --preset or --grid");
    }
    const shards = positiveInteger("shards", values.shards);
    if (shards === undefined) throw new RangeError("--shards N is required");
    const name = values.preset ?? basename(values.grid!).replace(/\.[^.]+$/, "");
    const out = values.out ?? join("results", "runs", `${name}-slurm`);
    scripts = values.scripts ?? join(out, "slurm");
    options = {
      grid: values.preset !== undefined ? { preset: values.preset } : { file: values.grid! },
      name,
      shards,
      out,
      repoDir: values.repo ?? Deno.cwd(),
      partition: values.partition,
      time: values.time,
      cpusPerTask: positiveInteger("cpus-per-task", values["cpus-per-task"]),
      memory: values.mem,
      maxConcurrent: positiveInteger("max-concurrent", values["max-concurrent"]),
      backend: values.backend,
      dataDir: values["data-dir"],
    };
    const written = await writeSlurmJob(options, scripts);
    write(`wrote ${written.shardsPath}, ${written.mergePath}\nsubmit: bash ${written.submitPath}`);
    return 0;
  } catch (e) {
    error(`slurm: ${(e as Error).message} (see --help)`);
    return 2;
  }
}

if (import.meta.main) {
  Deno.exit(await slurmMain(Deno.args));
}

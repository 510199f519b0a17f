/**
 * Scale-out through Slurm: the job scripts that run a comparison grid as a job array, one shard
 * per array task (`deno task compare --shard i/N`, each into its own folder), and a merge job that
 * starts only when every shard succeeded (`sbatch --dependency=afterok:<array job>`) and combines
 * the folders with `deno task merge`, which reports missing and duplicated runs and writes the
 * report.
 *
 * Three files: `shards.sbatch` (the array), `merge.sbatch` and `submit.sh`, which submits both
 * and prints the job ids. Nothing here talks to Slurm; `bash submit.sh` on a login node does.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";

/** Where the grid comes from, as `deno task compare` and `deno task merge` take it. */
export type SlurmGridSource = { preset: string } | { file: string };

/** Options of {@link slurmScripts} and {@link writeSlurmJob}. */
export interface SlurmJobOptions {
  /** The grid: a preset name or a grid file (made absolute: jobs may start elsewhere). */
  grid: SlurmGridSource;
  /** Grid name, for job names (e.g. "ci"). */
  name: string;
  /** Number of shards = array tasks (>= 1). */
  shards: number;
  /** Result root: shard i writes `<out>/shard-i`, the merge `<out>/merged`, logs `<out>/logs`. */
  out: string;
  /** The usam checkout the jobs run in (`cd` before `deno task`). */
  repoDir: string;
  /** `--partition`; omitted when undefined. */
  partition?: string;
  /** `--time` per shard, e.g. "02:00:00"; omitted when undefined. */
  time?: string;
  /** `--cpus-per-task` (default 1); above 1 each shard runs `--jobs` that many workers. */
  cpusPerTask?: number;
  /** `--mem` per shard, e.g. "4G"; omitted when undefined. */
  memory?: string;
  /** At most this many array tasks at once (`--array=1-N%k`); no limit when undefined. */
  maxConcurrent?: number;
  /** `--backend` for compare; compare's default when undefined. */
  backend?: string;
  /** `--data-dir` for compare; compare's default when undefined. */
  dataDir?: string;
  /** The deno executable on the compute nodes (default "deno"). */
  deno?: string;
}

/** The three scripts, as text. */
export interface SlurmScripts {
  /** The job array: one shard per task. */
  shards: string;
  /** The merge job (submitted with a dependency on the array). */
  merge: string;
  /** Submits the array, then the merge with `--dependency=afterok:<array id>`. */
  submit: string;
}

/** Single-quotes a word for bash (so paths with spaces or `$` survive). */
function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function checkOptions(o: SlurmJobOptions): void {
  const where = "slurmScripts";
  if (o === null || typeof o !== "object") {
    throw new TypeError(`${where}: options must be an object, got ${JSON.stringify(o)}`);
  }
  const grid = o.grid as Record<string, unknown> | undefined;
  const preset = grid?.preset;
  const file = grid?.file;
  if ((typeof preset === "string" && preset !== "") === (typeof file === "string" && file !== "")) {
    throw new TypeError(
      `${where}: grid must be { preset } or { file }, got ${JSON.stringify(o.grid)}`,
    );
  }
  if (typeof o.name !== "string" || !/^[A-Za-z0-9_.-]+$/.test(o.name)) {
    throw new RangeError(
      `${where}: name must be letters, digits, _ . or -, got ${JSON.stringify(o.name)}`,
    );
  }
  if (!Number.isInteger(o.shards) || o.shards < 1) {
    throw new RangeError(`${where}: shards must be an integer >= 1, got ${o.shards}`);
  }
  for (const key of ["out", "repoDir"] as const) {
    if (typeof o[key] !== "string" || o[key] === "") {
      throw new TypeError(`${where}: ${key} must be a folder path, got ${JSON.stringify(o[key])}`);
    }
  }
  if (o.cpusPerTask !== undefined && (!Number.isInteger(o.cpusPerTask) || o.cpusPerTask < 1)) {
    throw new RangeError(`${where}: cpusPerTask must be an integer >= 1, got ${o.cpusPerTask}`);
  }
  if (
    o.maxConcurrent !== undefined && (!Number.isInteger(o.maxConcurrent) || o.maxConcurrent < 1)
  ) {
    throw new RangeError(`${where}: maxConcurrent must be an integer >= 1, got ${o.maxConcurrent}`);
  }
  if (o.time !== undefined && !/^(\d+-)?\d+(:\d\d){0,2}$/.test(o.time)) {
    throw new RangeError(
      `${where}: time must be a Slurm time such as 90, 02:00:00 or 1-12:00:00, got ${
        JSON.stringify(o.time)
      }`,
    );
  }
}

/**
 * The job scripts for a grid. Paths are made absolute (against the current folder), because jobs
 * start in Slurm's working folder, not the caller's.
 *
 * @example
 * ```ts
 * import { slurmScripts } from "./slurm.ts";
 * import assert from "node:assert/strict";
 * const s = slurmScripts({ grid: { preset: "ci" }, name: "ci", shards: 8, out: "/scratch/ci", repoDir: "/home/me/usam" });
 * assert.match(s.shards, /#SBATCH --array=1-8\n/);
 * assert.match(s.shards, /--shard "\$\{SLURM_ARRAY_TASK_ID\}\/8"/);
 * assert.match(s.submit, /--dependency=afterok:"\$array"/);
 * ```
 */
export function slurmScripts(options: SlurmJobOptions): SlurmScripts {
  checkOptions(options);
  const o = options;
  const out = resolve(o.out);
  const repo = resolve(o.repoDir);
  const deno = o.deno ?? "deno";
  const gridArgs = "preset" in o.grid
    ? ["--preset", o.grid.preset]
    : ["--grid", isAbsolute(o.grid.file) ? o.grid.file : resolve(o.grid.file)];
  const cpus = o.cpusPerTask ?? 1;
  const header = (jobName: string, log: string, extra: string[]) =>
    [
      "#!/bin/bash",
      `#SBATCH --job-name=${quote(jobName)}`,
      `#SBATCH --output=${quote(join(out, "logs", log))}`,
      ...(o.partition !== undefined ? [`#SBATCH --partition=${quote(o.partition)}`] : []),
      ...extra,
    ].join("\n");
  const compareArgs = [
    ...gridArgs,
    ...(o.backend !== undefined ? ["--backend", o.backend] : []),
    ...(o.dataDir !== undefined ? ["--data-dir", resolve(o.dataDir)] : []),
    ...(cpus > 1 ? ["--jobs", String(cpus)] : []),
    "--no-report",
  ].map(quote).join(" ");
  const array = `1-${o.shards}${o.maxConcurrent !== undefined ? `%${o.maxConcurrent}` : ""}`;
  const shards = `${
    header(`${o.name}-shards`, "shard-%a.out", [
      `#SBATCH --array=${array}`,
      "#SBATCH --ntasks=1",
      `#SBATCH --cpus-per-task=${cpus}`,
      ...(o.time !== undefined ? [`#SBATCH --time=${o.time}`] : []),
      ...(o.memory !== undefined ? [`#SBATCH --mem=${quote(o.memory)}`] : []),
    ])
  }
# Shard i of ${o.shards} of grid ${o.name}: rerunning a task resumes it (finished runs are skipped).
set -euo pipefail
cd ${quote(repo)}
shard_dir=${quote(out)}/shard-"\${SLURM_ARRAY_TASK_ID}"
mkdir -p "$shard_dir"
exec ${
    quote(deno)
  } task compare ${compareArgs} --shard "\${SLURM_ARRAY_TASK_ID}/${o.shards}" --out "$shard_dir"
`;
  const shardDirs = Array.from({ length: o.shards }, (_, k) => quote(join(out, `shard-${k + 1}`)))
    .join(" ");
  const merge = `${
    header(`${o.name}-merge`, "merge.out", [
      "#SBATCH --ntasks=1",
      "#SBATCH --cpus-per-task=1",
    ])
  }
# Runs after every shard of grid ${o.name} succeeded (afterok); fails on missing or duplicated runs.
set -euo pipefail
cd ${quote(repo)}
exec ${quote(deno)} task merge ${shardDirs} ${gridArgs.map(quote).join(" ")} --out ${
    quote(join(out, "merged"))
  }
`;
  const submit = `#!/bin/bash
# Submits grid ${o.name} as ${o.shards} array tasks and the merge that waits for all of them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p ${quote(join(out, "logs"))}
array=$(sbatch --parsable "$here/shards.sbatch")
array=\${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/merge.sbatch")
merge=\${merge%%;*}
echo "shards: job $array (${o.shards} array tasks); merge: job $merge (after all succeed)"
echo "results: ${join(out, "merged")}/report/report.html"
`;
  return { shards, merge, submit };
}

/** Paths written by {@link writeSlurmJob}. */
export interface WrittenSlurmJob {
  shardsPath: string;
  mergePath: string;
  submitPath: string;
}

/**
 * Writes `shards.sbatch`, `merge.sbatch` and `submit.sh` (executable) into `scriptDir`.
 *
 * @example
 * ```ts
 * import { writeSlurmJob } from "./slurm.ts";
 * import assert from "node:assert/strict";
 * const dir = Deno.makeTempDirSync();
 * const w = await writeSlurmJob({ grid: { preset: "ci" }, name: "ci", shards: 4, out: `${dir}/runs`, repoDir: "." }, dir);
 * assert.match(Deno.readTextFileSync(w.mergePath), /deno task merge .*shard-4/);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function writeSlurmJob(
  options: SlurmJobOptions,
  scriptDir: string,
): Promise<WrittenSlurmJob> {
  if (typeof scriptDir !== "string" || scriptDir === "") {
    throw new TypeError(
      `writeSlurmJob: scriptDir must be a folder path, got ${JSON.stringify(scriptDir)}`,
    );
  }
  const scripts = slurmScripts(options);
  await Deno.mkdir(scriptDir, { recursive: true });
  const shardsPath = join(scriptDir, "shards.sbatch");
  const mergePath = join(scriptDir, "merge.sbatch");
  const submitPath = join(scriptDir, "submit.sh");
  await Deno.writeTextFile(shardsPath, scripts.shards, { mode: 0o755 });
  await Deno.writeTextFile(mergePath, scripts.merge, { mode: 0o755 });
  await Deno.writeTextFile(submitPath, scripts.submit, { mode: 0o755 });
  return { shardsPath, mergePath, submitPath };
}

/**
 * The Slurm recipe on a real Slurm: a single-node cluster (Debian's slurm-wlm with munge) started
 * by the test in a temporary folder (its own munge key and socket, its own slurm.conf on free
 * ports, state, spool and logs), so nothing of the machine's own configuration is used or changed.
 * The test submits a 4-shard grid of 4 tiny runs (300 Fashion-MNIST images, one epoch) with the
 * generated `submit.sh`, waits for the merge job, and checks that every run is found exactly once.
 *
 * It is skipped, with the reason printed, only where Slurm cannot start: the binaries are missing
 * or the test is not root (slurmd must be able to start jobs as the submitting user).
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hostname } from "node:os";
import { scanResults } from "../report/results_dir.ts";
import { slurmScripts, writeSlurmJob } from "./slurm.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BINARIES = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"];

function cannotStart(): string | null {
  const missing = BINARIES.filter((b) => {
    try {
      return !Deno.statSync(b).isFile;
    } catch {
      return true;
    }
  });
  if (missing.length) {
    return `${missing.join(", ")} missing (apt-get install slurm-wlm munge)`;
  }
  if (Deno.uid() !== 0) return `not root (uid ${Deno.uid()}): slurmd cannot run jobs`;
  return null;
}

const skipReason = cannotStart();
if (skipReason) console.log(`SKIPPED the Slurm test: ${skipReason}`);

Deno.test("slurmScripts: one shard per array task, merge after all of them", () => {
  const s = slurmScripts({
    grid: { file: "grids/tiny.json" },
    name: "tiny",
    shards: 3,
    out: "/scratch/my runs",
    repoDir: "/opt/usam",
    partition: "cpu",
    time: "01:30:00",
    cpusPerTask: 2,
    maxConcurrent: 2,
    backend: "wasm",
  });
  assert.match(s.shards, /^#!\/bin\/bash\n/);
  assert.match(s.shards, /#SBATCH --array=1-3%2\n/);
  assert.match(s.shards, /#SBATCH --partition=cpu\n/);
  assert.match(s.shards, /#SBATCH --time=01:30:00\n/);
  assert.match(s.shards, /#SBATCH --cpus-per-task=2\n/);
  assert.match(s.shards, /#SBATCH --output='\/scratch\/my runs\/logs\/shard-%a.out'\n/);
  const gridFile = join(Deno.cwd(), "grids/tiny.json");
  assert.ok(s.shards.includes(
    `deno task compare --grid ${gridFile} --backend wasm --jobs 2 --no-report ` +
      `--shard "\${SLURM_ARRAY_TASK_ID}/3" --out "$shard_dir"`,
  ));
  assert.ok(s.shards.includes(`shard_dir='/scratch/my runs'/shard-"\${SLURM_ARRAY_TASK_ID}"`));
  assert.ok(s.merge.includes(
    `deno task merge '/scratch/my runs/shard-1' '/scratch/my runs/shard-2' ` +
      `'/scratch/my runs/shard-3' --grid ${gridFile} --out '/scratch/my runs/merged'`,
  ));
  assert.match(s.submit, /sbatch --parsable --dependency=afterok:"\$array" "\$here\/merge.sbatch"/);
  // Without the optional settings, no stray lines.
  const plain = slurmScripts({
    grid: { preset: "ci" },
    name: "ci",
    shards: 1,
    out: "/o",
    repoDir: "/r",
  });
  assert.doesNotMatch(plain.shards, /--partition|--time|--mem|--jobs|--array=1-1%/);
  assert.match(plain.shards, /--preset ci --no-report --shard "\$\{SLURM_ARRAY_TASK_ID\}\/1"/);
});

Deno.test("slurmScripts rejects bad options by name", () => {
  const base = { grid: { preset: "ci" }, name: "ci", shards: 2, out: "/o", repoDir: "/r" };
  assert.throws(
    () => slurmScripts({ ...base, shards: 0 }),
    /shards must be an integer >= 1, got 0/,
  );
  assert.throws(() => slurmScripts({ ...base, shards: 1.5 }), RangeError);
  assert.throws(() => slurmScripts({ ...base, grid: {} as never }), /grid must be \{ preset \}/);
  assert.throws(() => slurmScripts({ ...base, name: "a b" }), /name must be letters.*"a b"/);
  assert.throws(() => slurmScripts({ ...base, out: "" }), /out must be a folder path/);
  assert.throws(() => slurmScripts({ ...base, time: "soon" }), /time must be a Slurm time.*"soon"/);
  assert.throws(() => slurmScripts({ ...base, cpusPerTask: 0 }), /cpusPerTask must be .*got 0/);
});

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function run(command: string, args: string[], env: Record<string, string>) {
  const output = await new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

async function waitFor<T>(
  what: string,
  seconds: number,
  probe: () => Promise<T | null>,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}`);
}

/** munged, slurmctld and slurmd in the foreground, configured under `dir`. */
async function startCluster(dir: string) {
  const node = hostname().split(".")[0];
  const munge = join(dir, "munge");
  await Deno.mkdir(munge, { recursive: true, mode: 0o700 });
  for (const sub of ["state", "spool", "log"]) {
    await Deno.mkdir(join(dir, sub), { recursive: true });
  }
  const key = crypto.getRandomValues(new Uint8Array(128));
  await Deno.writeFile(join(munge, "munge.key"), key, { mode: 0o600 });
  const socket = join(munge, "munge.socket");
  const conf = join(dir, "slurm.conf");
  const cpus = Math.min(2, navigator.hardwareConcurrency);
  await Deno.writeTextFile(join(dir, "plugstack.conf"), "");
  await Deno.writeTextFile(
    conf,
    [
      "ClusterName=usamtest",
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${freePort()}`,
      `SlurmdPort=${freePort()}`,
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `AuthInfo=socket=${socket}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
      `PlugStackConfig=${join(dir, "plugstack.conf")}`,
      // No cgroups in a container: track processes by parent id, no task binding, no accounting.
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "ReturnToService=2",
      "MpiDefault=none",
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN`,
      `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const env = { SLURM_CONF: conf };
  const daemons: Deno.ChildProcess[] = [];
  const spawn = (command: string, args: string[]) => {
    const child = new Deno.Command(command, { args, env, stdout: "null", stderr: "piped" })
      .spawn();
    daemons.push(child);
    return child;
  };
  const stop = async () => {
    // Cancel what is left of the test's jobs on this test cluster (SLURM_CONF), then the daemons.
    if (daemons.length === 3) await run("scancel", ["--user", String(Deno.uid())], env);
    for (const child of daemons.reverse()) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.stderr.cancel().catch(() => {});
      await child.status;
    }
  };
  try {
    spawn("/usr/sbin/munged", [
      "--foreground",
      "--force",
      `--socket=${socket}`,
      `--key-file=${join(munge, "munge.key")}`,
      `--log-file=${join(munge, "munged.log")}`,
      `--pid-file=${join(munge, "munged.pid")}`,
      `--seed-file=${join(munge, "munged.seed")}`,
    ]);
    await waitFor("the munge socket", 20, async () => {
      try {
        return (await Deno.stat(socket)).isSocket ? true : null;
      } catch {
        return null;
      }
    });
    spawn("/usr/sbin/slurmctld", ["-D", "-i", "-f", conf]);
    spawn("/usr/sbin/slurmd", ["-D", "-f", conf, "-N", node]);
    await waitFor("the node to be idle", 60, async () => {
      const r = await run("sinfo", ["-h", "-N", "-o", "%t"], env);
      return r.code === 0 && r.stdout.trim() === "idle" ? true : null;
    });
  } catch (error) {
    await stop();
    const logs = await Promise.all(
      [join(dir, "log", "slurmctld.log"), join(dir, "log", "slurmd.log")].map((p) =>
        Deno.readTextFile(p).catch(() => "(no log)")
      ),
    );
    throw new Error(`${(error as Error).message}\n${logs.map((l) => l.slice(-2000)).join("\n")}`);
  }
  return { env, stop };
}

Deno.test({
  name: "a 4-shard grid on a single-node Slurm: array, dependent merge, every run once",
  ignore: skipReason !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "usam-slurm-" });
    const cluster = await startCluster(join(dir, "cluster"));
    try {
      // 2 optimizers × 2 seeds = 4 runs, one per shard; tiny enough for a few seconds each.
      const gridFile = join(dir, "tiny.json");
      await Deno.writeTextFile(
        gridFile,
        JSON.stringify({
          name: "slurm-tiny",
          datasets: ["fashion-mnist"],
          models: ["mlp"],
          optimizers: [{ optimizer: "sgd" }, { optimizer: "sam" }],
          seeds: [0, 1],
          settings: [{ name: "clean" }],
          common: { epochs: 1, trainLimit: 300, testLimit: 200, batchSize: 32, hessianEvery: 0 },
        }),
      );
      const out = join(dir, "runs");
      const written = await writeSlurmJob(
        { grid: { file: gridFile }, name: "slurm-tiny", shards: 4, out, repoDir: REPO },
        join(dir, "job"),
      );
      const submitted = await run("bash", [written.submitPath], cluster.env);
      assert.equal(submitted.code, 0, `submit.sh failed: ${submitted.stderr}`);
      const ids = submitted.stdout.match(/shards: job (\d+) .*merge: job (\d+)/);
      assert.ok(ids, `submit.sh printed ${JSON.stringify(submitted.stdout)}`);
      const mergeJob = ids[2];
      // The merge waits for the array: right after submission it is pending on its dependency
      // (each shard needs seconds: deno's start, the data, one epoch).
      const early = await run("scontrol", ["show", "job", mergeJob], cluster.env);
      assert.match(early.stdout, /JobState=PENDING Reason=Dependency/);
      assert.match(early.stdout, new RegExp(`Dependency=afterok:${ids[1]}_\\*`));
      const state = await waitFor("the merge job to finish", 600, async () => {
        const r = await run("scontrol", ["show", "job", mergeJob], cluster.env);
        const s = r.stdout.match(/JobState=(\w+)/)?.[1];
        if (!s || ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"].includes(s)) return null;
        return { state: s, exit: r.stdout.match(/ExitCode=(\S+)/)?.[1] };
      });
      const log = async (name: string) =>
        await Deno.readTextFile(join(out, "logs", name)).catch(() => "(no log)");
      const logs = [
        ...(await Promise.all([1, 2, 3, 4].map((i) => log(`shard-${i}.out`)))),
        await log("merge.out"),
      ];
      assert.deepEqual(state, { state: "COMPLETED", exit: "0:0" }, logs.join("\n---\n"));

      // Every shard ran exactly one run, and the shards' runs are disjoint.
      const perShard = await Promise.all(
        [1, 2, 3, 4].map(async (i) => (await scanResults([join(out, `shard-${i}`)])).runs),
      );
      assert.deepEqual(perShard.map((r) => r.length), [1, 1, 1, 1], logs.join("\n---\n"));
      const shardIds = perShard.flat().map((r) => r.record.run.id);
      assert.equal(new Set(shardIds).size, 4);
      // The merge found all four, each once, and reported no missing or duplicated run.
      const merged = await scanResults([join(out, "merged")]);
      assert.deepEqual(merged.runs.map((r) => r.record.run.id).sort(), [...shardIds].sort());
      assert.deepEqual(
        merged.runs.map((r) => `${r.record.run.method} ${r.record.run.seed}`).sort(),
        ["sam 0", "sam 1", "sgd 0", "sgd 1"],
      );
      assert.ok(merged.runs.every((r) => r.record.status === "completed"));
      const mergeLog = logs[4];
      assert.match(mergeLog, /4 runs from 4 folder\(s\)/);
      assert.doesNotMatch(mergeLog, /missing|duplicate/i);
      const report = JSON.parse(
        await Deno.readTextFile(join(out, "merged", "report", "report.json")),
      );
      assert.equal(report.runs, 4);
      await Deno.stat(join(out, "merged", "report", "report.html"));
    } finally {
      await cluster.stop();
    }
    await Deno.remove(dir, { recursive: true });
  },
});

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { compareMain } from "./compare_command.ts";
import { scanResults } from "../report/results_dir.ts";

// One real run of 4 epochs on the deterministic wasm backend, killed with SIGKILL once its first
// checkpoint is on disk: the rerun must continue from that epoch (not from epoch 0) and reach
// exactly the figures of an uninterrupted run.
const grid = {
  name: "resume",
  datasets: ["fashion-mnist"],
  models: ["mlp"],
  optimizers: [{ optimizer: "sam", flags: { rho: 0.05 } }],
  seeds: [3],
  settings: [{ name: "clean" }],
  common: { epochs: 4, trainLimit: 3000, testLimit: 300, validationFraction: 0.1 },
};

const COMMAND = fileURLToPath(new URL("./compare_command.ts", import.meta.url));

async function waitForCheckpoint(dir: string, child: Deno.ChildProcess): Promise<void> {
  for (let k = 0; k < 1200; k++) {
    try {
      for (const entry of Deno.readDirSync(dir)) {
        if (entry.name.endsWith(".checkpoint")) {
          Deno.statSync(`${dir}/${entry.name}/checkpoint.bin`);
          return;
        }
      }
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGKILL");
  throw new Error("no checkpoint appeared within 30 s");
}

Deno.test("a run killed inside compare resumes from its last epoch, to the same figures", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(grid));
  const args = ["--grid", `${dir}/grid.json`, "--backend", "wasm", "--no-report"];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", COMMAND, ...args, "--out", `${dir}/killed`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForCheckpoint(`${dir}/killed`, child);
  child.kill("SIGKILL");
  assert.equal((await child.status).signal, "SIGKILL");
  assert.equal((await scanResults([`${dir}/killed`])).runs.length, 0, "killed before the end");

  const out: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };
  assert.equal(await compareMain([...args, "--out", `${dir}/killed`], io), 0, out.join(""));
  const resumed = out.join("").match(/resumed .* after epoch (\d)/);
  assert.ok(resumed, `no resume:\n${out.join("")}`);
  assert.ok(Number(resumed[1]) >= 1 && Number(resumed[1]) < 4);
  // The stale lock of the killed process was taken over, and nothing is left behind.
  const left = [...Deno.readDirSync(`${dir}/killed`)].map((e) => e.name)
    .filter((n) => n.endsWith(".lock") || n.endsWith(".checkpoint"));
  assert.deepEqual(left, []);

  assert.equal(await compareMain([...args, "--out", `${dir}/straight`], { ...io }), 0);
  const [killed] = (await scanResults([`${dir}/killed`])).runs;
  const [straight] = (await scanResults([`${dir}/straight`])).runs;
  assert.equal(killed.record.epochs.length, 4);
  // Bitwise the same run: every epoch's losses and accuracies are equal (not just close).
  const figures = (r: typeof killed) =>
    r.record.epochs.map((e) => [e.trainLoss, e.validationAccuracy, e.testLoss, e.testAccuracy]);
  assert.deepEqual(figures(killed), figures(straight));
  await Deno.remove(dir, { recursive: true });
});

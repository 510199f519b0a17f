import assert from "node:assert/strict";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { scanResults } from "../report/results_dir.ts";
import { fakeResult, fixtureRuns } from "./kill_fixture.ts";
import { runFileName, runPending } from "./runner.ts";

Deno.test("runPending skips finished runs, redoes unreadable ones, tolerates leftovers", async () => {
  const outDir = await Deno.makeTempDir();
  const runs = fixtureRuns(4);
  const calls: number[] = [];
  const train = (flags: { seed?: number }) => {
    calls.push(flags.seed!);
    return Promise.resolve(fakeResult(flags.seed!, 2));
  };
  const first = await runPending({ outDir, runs: runs.slice(0, 2), train });
  assert.deepEqual([first.completed, first.skipped], [2, 0]);
  // Damage run 1's file, leave a temporary file and a foreign file.
  const damaged = `${outDir}/${runFileName(runs[1])}`;
  await Deno.writeTextFile(damaged, (await Deno.readTextFile(damaged)).slice(0, 50));
  await Deno.writeTextFile(`${outDir}/${runFileName(runs[2])}.tmp-1-ff`, '{"stat');
  const lines: string[] = [];
  const second = await runPending({
    outDir,
    runs,
    train,
    progress: { isTerminal: false, write: (t) => lines.push(t) },
  });
  assert.equal(second.skipped, 1);
  assert.equal(second.completed, 3);
  assert.deepEqual(calls, [0, 1, 1, 2, 3]);
  assert.equal(second.scan.unreadable.length, 1);
  assert.equal(second.scan.temporary.length, 1);
  assert.equal(lines.length, 3);
  assert.match(
    lines[2],
    /^\[4\/4\] completed fashion-mnist\/mlp\/clean sgd seed 3 in [\d.]+s · 0 left · ETA 0s\n$/,
  );
  const scan = await scanResults([outDir]);
  assert.equal(scan.runs.length, 4);
  assert.equal(scan.unreadable.length, 0);
  assert.deepEqual(scan.runs.map((r) => r.record.run.seed).sort(), [0, 1, 2, 3]);
  await Deno.remove(outDir, { recursive: true });
});

Deno.test("failed runs are kept unless retryFailed; a crash writes nothing", async () => {
  const outDir = await Deno.makeTempDir();
  const runs = fixtureRuns(2);
  const failing = () =>
    Promise.resolve({ ...fakeResult(0, 1), status: "failed" as const, final: null });
  const first = await runPending({ outDir, runs: runs.slice(0, 1), train: failing });
  assert.equal(first.failed, 1);
  const kept = await runPending({ outDir, runs: runs.slice(0, 1), train: failing });
  assert.equal(kept.skipped, 1);
  const retried = await runPending({
    outDir,
    runs: runs.slice(0, 1),
    train: failing,
    retryFailed: true,
  });
  assert.equal(retried.failed, 1);
  const crash = await runPending({
    outDir,
    runs,
    train: () => Promise.reject(new Error("out of memory")),
  });
  assert.deepEqual(crash.crashed.map((c) => c.message), ["out of memory"]);
  assert.equal((await scanResults([outDir])).runs.length, 1);
  await assert.rejects(
    () => runPending({ outDir: "", runs, train: failing }),
    /--out must be a folder path/,
  );
  await Deno.remove(outDir, { recursive: true });
});

Deno.test("kill -9 in the middle of a comparison leaves no corrupt file; a rerun completes it", async () => {
  const outDir = await Deno.makeTempDir();
  const fixture = fileURLToPath(new URL("./kill_fixture.ts", import.meta.url));
  const runs = 30;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fixture, outDir, String(runs)],
    stdout: "piped",
    stderr: "null",
  })
    .spawn();
  // Kill once a few results are on disk: the runs take ~20 ms each to write 4 MB, so the kill
  // lands at a random point of a write most of the time.
  const reader = child.stdout.getReader();
  let seen = "";
  while ((seen.match(/\n/g) ?? []).length < 3) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  child.kill("SIGKILL");
  await reader.cancel();
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");
  const killed = await scanResults([outDir]);
  assert.equal(killed.unreadable.length, 0, JSON.stringify(killed.unreadable));
  assert.ok(
    killed.runs.length >= 3 && killed.runs.length < runs,
    `${killed.runs.length} runs after the kill`,
  );
  const rerun = await runPending({
    outDir,
    runs: fixtureRuns(runs),
    train: (f) => Promise.resolve(fakeResult(f.seed!, 2)),
  });
  assert.equal(rerun.skipped, killed.runs.length);
  assert.equal(rerun.completed, runs - killed.runs.length);
  const final = await scanResults([outDir]);
  assert.equal(final.runs.length, runs);
  assert.equal(final.unreadable.length, 0);
  await Deno.remove(outDir, { recursive: true });
});

Deno.test("a run locked by another live worker is waited for, then counted as theirs", async () => {
  const outDir = await Deno.makeTempDir();
  const [run] = fixtureRuns(1);
  const base = `${outDir}/${runFileName(run).replace(/\.json$/, "")}`;
  // This process's own pid on this host: a live owner, so the lock is not stale.
  await Deno.writeTextFile(
    `${base}.lock`,
    JSON.stringify({ pid: Deno.pid, host: hostname(), since: "now" }),
  );
  let trained = 0;
  const lines: string[] = [];
  const pass = await runPending({
    outDir,
    runs: [run],
    train: () => {
      trained++;
      return Promise.resolve(fakeResult(0, 1));
    },
    waitForOthers: false,
    progress: { isTerminal: false, write: (t) => lines.push(t) },
  });
  assert.equal(trained, 0);
  assert.deepEqual(pass.heldByOthers, [run.id]);
  // The other worker finishes: its result appears and its lock goes; the waiter counts it.
  const waiting = runPending({
    outDir,
    runs: [run],
    train: () => Promise.reject(new Error("must not run")),
    pollMs: 20,
    progress: { isTerminal: false, write: (t) => lines.push(t) },
  });
  await new Promise((r) => setTimeout(r, 100));
  await Deno.writeTextFile(
    `${base}.json`,
    JSON.stringify({ ...fakeResult(0, 1), run: { ...run, flags: undefined } }),
  );
  await Deno.remove(`${base}.lock`);
  const waited = await waiting;
  assert.equal(waited.byOthers, 1);
  assert.equal(waited.completed, 0);
  assert.ok(
    lines.some((l) => /waiting for 1 run\(s\) held by other workers \(e\.g\. pid \d+/.test(l)),
  );
  await Deno.remove(outDir, { recursive: true });
});

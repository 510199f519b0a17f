import assert from "node:assert/strict";
import { hostname } from "node:os";
import { processAlive, tryLock } from "./lock.ts";

async function deadPid(): Promise<number> {
  const child = new Deno.Command("true", { stdout: "null", stderr: "null" }).spawn();
  await child.status;
  return child.pid;
}

Deno.test("run lock: exclusive, released, stale locks of dead processes are taken over", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/run.lock`;
  const first = await tryLock(path);
  assert.ok(first.acquired);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(path)).pid, Deno.pid);
  const second = await tryLock(path);
  assert.ok(!second.acquired);
  assert.equal(second.owner?.pid, Deno.pid, "the refusal names the owner");
  await first.release();
  await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);

  // A lock left by a killed process of this host is stale.
  const dead = await deadPid();
  assert.equal(processAlive(dead), false);
  await Deno.writeTextFile(path, JSON.stringify({ pid: dead, host: hostname(), since: "x" }));
  const takeover = await tryLock(path);
  assert.ok(takeover.acquired);
  assert.equal(takeover.tookOverStale?.pid, dead);
  if (takeover.acquired) await takeover.release();

  // An empty lock file (not ours: ours appear whole) is respected while fresh, stale after a minute.
  await Deno.writeTextFile(path, "");
  assert.ok(!(await tryLock(path)).acquired);
  const old = new Date(Date.now() - 120_000);
  await Deno.utime(path, old, old);
  const fromEmpty = await tryLock(path);
  assert.ok(fromEmpty.acquired);
  if (fromEmpty.acquired) await fromEmpty.release();
  // No private file is left beside the lock.
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);

  // A lock held from another host cannot be checked from here: it is respected.
  await Deno.writeTextFile(path, JSON.stringify({ pid: dead, host: "elsewhere", since: "x" }));
  assert.ok(!(await tryLock(path)).acquired);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("run lock: of many concurrent takers exactly one gets it", async () => {
  const dir = await Deno.makeTempDir();
  const attempts = await Promise.all(Array.from({ length: 8 }, () => tryLock(`${dir}/x.lock`)));
  assert.equal(attempts.filter((a) => a.acquired).length, 1);
  await Deno.remove(dir, { recursive: true });
});

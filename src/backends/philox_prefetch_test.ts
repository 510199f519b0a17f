/**
 * The background prefetch of the host draws: the same bits whichever thread fills, the thread
 * serving the next step once it has finished (waited for on the slots' state words, not by
 * sleeping), the main thread taking back what the thread has not started, and `"off"`.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { philoxFillKeyed } from "../math/philox.ts";
import type { PhiloxAttrs } from "./philox_kernel.ts";
import {
  philoxPrefetchSettled,
  philoxPrefetchStats,
  prefetchedFill,
  resetPhiloxPrefetchStats,
  setPhiloxPrefetch,
} from "./philox_prefetch.ts";

const SIZE = 50_003;
/** The requests a draw of SIZE values makes (pieces of 16,384 values). */
const PIECES = Math.ceil(SIZE / 16384);

function attrsAt(step: number, distribution: PhiloxAttrs["distribution"]): PhiloxAttrs {
  return {
    key0: 11,
    key1: 1,
    step,
    sample: 1,
    stream: 0,
    offset: 4 * 7 + 1,
    size: SIZE,
    distribution,
  };
}

function reference(a: PhiloxAttrs): Float32Array | Int32Array {
  const out = a.distribution === "bits" ? new Int32Array(a.size) : new Float32Array(a.size);
  return philoxFillKeyed(
    out,
    [a.key0, a.key1],
    [a.sample, a.step, a.stream],
    a.offset,
    a.distribution,
  );
}

function draw(a: PhiloxAttrs): Float32Array | Int32Array {
  const out = a.distribution === "bits" ? new Int32Array(a.size) : new Float32Array(a.size);
  return prefetchedFill(out, a);
}

Deno.test("prefetch: once the thread has finished, the next step is served from it, bit for bit", async () => {
  setPhiloxPrefetch("worker");
  for (const distribution of ["gaussian", "uniform", "bits"] as const) {
    resetPhiloxPrefetchStats();
    assert.deepEqual(draw(attrsAt(0, distribution)), reference(attrsAt(0, distribution)));
    assert.equal(philoxPrefetchStats().filled, PIECES); // nothing requested before step 0
    for (let step = 1; step <= 3; step++) {
      await philoxPrefetchSettled(); // the thread has filled step `step`
      assert.deepEqual(draw(attrsAt(step, distribution)), reference(attrsAt(step, distribution)));
      const stats = philoxPrefetchStats();
      assert.equal(stats.prefetched, PIECES * step, `${distribution} step ${step}`);
      assert.equal(stats.filled, PIECES);
    }
  }
  setPhiloxPrefetch("off");
});

Deno.test("prefetch: draws taken at once (the thread racing or not started) keep the bits", () => {
  setPhiloxPrefetch("worker");
  resetPhiloxPrefetchStats();
  for (let step = 10; step < 30; step++) {
    assert.deepEqual(draw(attrsAt(step, "gaussian")), reference(attrsAt(step, "gaussian")));
  }
  const stats = philoxPrefetchStats();
  assert.equal(stats.prefetched + stats.filled, 20 * PIECES);
  assert.ok(stats.raced <= stats.filled);
  setPhiloxPrefetch("off");
});

Deno.test("prefetch: a step other than the requested one (a resume, a jump) is filled afresh", async () => {
  setPhiloxPrefetch("worker");
  resetPhiloxPrefetchStats();
  draw(attrsAt(5, "gaussian"));
  await philoxPrefetchSettled(); // step 6 is ready, but step 9 is asked
  assert.deepEqual(draw(attrsAt(9, "gaussian")), reference(attrsAt(9, "gaussian")));
  assert.deepEqual(philoxPrefetchStats().prefetched, 0);
  setPhiloxPrefetch("off");
});

Deno.test("prefetch off: every draw filled on the main thread, the same bits", () => {
  setPhiloxPrefetch("off");
  resetPhiloxPrefetchStats();
  for (let step = 0; step < 3; step++) {
    assert.deepEqual(draw(attrsAt(step, "uniform")), reference(attrsAt(step, "uniform")));
  }
  assert.deepEqual(philoxPrefetchStats(), { prefetched: 0, filled: 3, raced: 0 });
  assert.throws(() => setPhiloxPrefetch("thread" as never), /mode must be "worker" or "off"/);
});

/** /proc/<pid>/task/<tid>/stat: field 19 is the nice value (after the ")" of the name). */
function niceOf(task: string): number {
  const stat = Deno.readTextFileSync(`/proc/${Deno.pid}/task/${task}/stat`);
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

/**
 * The main thread's nice value before this file starts a prefetch thread: the suite may itself run
 * under `nice` (a mutation run, a background check), so "keeps its priority" means this value.
 */
const MAIN_NICE_AT_START = process.platform === "linux" ? niceOf(String(Deno.pid)) : 0;

Deno.test({
  name: "prefetch: on Linux the thread runs at nice 19 and the main thread keeps its priority",
  ignore: process.platform !== "linux",
  async fn() {
    setPhiloxPrefetch("worker");
    draw(attrsAt(0, "gaussian"));
    await philoxPrefetchSettled(); // the thread is up and has served
    const tasks = [...Deno.readDirSync(`/proc/${Deno.pid}/task`)].map((entry) => entry.name);
    assert.equal(niceOf(String(Deno.pid)), MAIN_NICE_AT_START); // the main thread
    // The prefetch thread (the threads of earlier tests' stopped ones may not have exited yet).
    assert.ok(tasks.some((task) => niceOf(task) === 19));
    setPhiloxPrefetch("off");
  },
});

import assert from "node:assert/strict";
import { Progress, RunCounter } from "./run_counter.ts";

Deno.test("run counter: one line per finished run with the runs left and the ETA", () => {
  const lines: string[] = [];
  const counter = new RunCounter(4, 1, { isTerminal: false, write: (t) => lines.push(t) });
  counter.finished("a", "completed", 10);
  counter.skipped();
  counter.finished("b", "failed", 20);
  // After two runs of 10 s and 20 s, none is left.
  assert.deepEqual(lines, [
    "[2/4] completed a in 10.0s · 2 left · ETA 20s\n",
    "[4/4] failed b in 20.0s · 0 left · ETA 0s\n",
  ]);
  const long: string[] = [];
  const q = new RunCounter(200, 0, { isTerminal: false, write: (t) => long.push(t) });
  q.finished("x", "completed", 65);
  assert.deepEqual(long, ["[1/200] completed x in 65.0s · 199 left · ETA 3h35m\n"]);
  assert.throws(
    () => new RunCounter(3, 4, { isTerminal: false, write: () => {} }),
    /alreadyDone must be an integer in \[0, 3\], got 4/,
  );
});

Deno.test("progress bar: redrawn in place with an ETA on a terminal, absent in plain logs", () => {
  let now = 0;
  const tty: string[] = [];
  const p = new Progress({ isTerminal: true, write: (t) => tty.push(t) }, () => now);
  p.bar("epoch 1/2", 0, 10);
  now = 1000;
  p.bar("epoch 1/2", 5, 10, "loss 1.0");
  now = 1050; // within 100 ms of the last draw: skipped
  p.bar("epoch 1/2", 6, 10);
  p.line("epoch 1/2 done");
  assert.equal(tty.length, 4);
  const clearLine = "\x1b[K";
  assert.equal(tty[0], `\repoch 1/2 ${"░".repeat(30)} 0/10${clearLine}`);
  // 5 steps in 1 s: 5 steps left take 1 s.
  assert.equal(
    tty[1],
    `\repoch 1/2 ${"█".repeat(15)}${"░".repeat(15)} 5/10 loss 1.0 eta 1s${clearLine}`,
  );
  assert.equal(tty[2], "\r\x1b[K");
  assert.equal(tty[3], "epoch 1/2 done\n");
  const plain: string[] = [];
  const q = new Progress({ isTerminal: false, write: (t) => plain.push(t) });
  q.bar("epoch 1/2", 5, 10);
  q.line("done");
  assert.deepEqual(plain, ["done\n"]);
});

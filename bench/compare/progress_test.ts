import assert from "node:assert/strict";
import { Progress } from "./progress.ts";

Deno.test("progress on a terminal rewrites one line; plain output prints one line per run", () => {
  const tty: string[] = [];
  const p = new Progress(4, 1, { isTerminal: true, write: (t) => tty.push(t) });
  p.starting("a");
  p.finished("a", "completed", 10);
  p.starting("b");
  p.finished("b", "failed", 20);
  p.close();
  assert.ok(tty.slice(0, 4).every((t) => t.startsWith("\r\x1b[2K")));
  assert.match(tty[0], /\[1\/4\] running a · ETA \?/);
  // After two runs of 10 s and 20 s, one run is left: ETA is the mean, 15 s.
  assert.match(tty[3], /\[3\/4\] failed b in 20\.0s · 1 left · ETA 15s$/);
  assert.equal(tty[4], "\n");
  const plain: string[] = [];
  const q = new Progress(200, 0, { isTerminal: false, write: (t) => plain.push(t) });
  q.starting("x");
  q.finished("x", "completed", 65);
  assert.deepEqual(plain, ["[1/200] completed x in 65.0s · 199 left · ETA 3h35m\n"]);
  assert.throws(
    () => new Progress(3, 4, { isTerminal: false, write: () => {} }),
    /alreadyDone must be an integer in \[0, 3\], got 4/,
  );
});

import assert from "node:assert/strict";
import { createProgress, type ProgressEvent } from "./progress.ts";

Deno.test("progress: plain lines every 10% when not a terminal, a redrawn bar when asked", () => {
  const lines: string[] = [];
  const plain = createProgress("f.gz", 1000, "lines", (text) => lines.push(text));
  for (let received = 0; received <= 1000; received += 50) plain.update(received);
  plain.finish();
  // 0%, 10%, ..., 100%: eleven lines, each ending in a newline and none redrawing.
  assert.equal(lines.length, 11);
  assert.ok(lines.every((line) => line.endsWith("\n") && !line.includes("\r")));
  assert.match(lines[0], /^f\.gz: 0%, 0\.0\/0\.0 MB/);
  assert.match(lines[10], /^f\.gz: 100%, /);

  const drawn: string[] = [];
  const bar = createProgress("f.gz", 1000, "bar", (text) => drawn.push(text));
  bar.update(500); // the first update draws; later ones within 100 ms are skipped
  bar.update(600);
  bar.finish();
  assert.equal(drawn.length, 2);
  assert.ok(drawn[0].startsWith(`\rf.gz [${"#".repeat(15)}${" ".repeat(15)}]  50% `), drawn[0]);
  assert.ok(drawn[1].endsWith("done\x1b[K\n"), drawn[1]);

  const events: ProgressEvent[] = [];
  const callback = createProgress("f.gz", undefined, (event) => events.push(event));
  callback.update(7);
  callback.finish();
  assert.deepEqual(events.map((e) => [e.received, e.total, e.done]), [[7, undefined, false], [
    7,
    undefined,
    true,
  ]]);
  assert.throws(
    () => createProgress("f.gz", 1, "loud" as "bar"),
    /progress must be "auto", "bar", "lines", "none" or a function, got "loud"/,
  );
});

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
  // The bar, then on finish the bar cleared and the closing line.
  assert.equal(drawn.length, 3);
  assert.ok(drawn[0].startsWith(`\rf.gz ${"█".repeat(15)}${"░".repeat(15)} 0.0/0.0 MB`), drawn[0]);
  assert.equal(drawn[1], "\r\x1b[K");
  assert.match(drawn[2], /^f\.gz 0\.0\/0\.0 MB, [\d.]+ MB\/s done\n$/);

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

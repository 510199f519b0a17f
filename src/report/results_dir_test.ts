import assert from "node:assert/strict";
import { scanResults, writeJsonAtomic, writeTextAtomic } from "./results_dir.ts";
import { parseRunRecord } from "../training/result.ts";
import { syntheticRun } from "./test_fixtures.ts";

Deno.test("scanResults sorts runs, unreadable files and leftovers", async () => {
  const dir = await Deno.makeTempDir();
  const good = syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8 });
  await writeJsonAtomic(`${dir}/good.json`, good);
  const text = JSON.stringify(good);
  await Deno.writeTextFile(`${dir}/truncated.json`, text.slice(0, text.length / 2));
  await Deno.writeTextFile(`${dir}/foreign.json`, JSON.stringify({ hello: 1 }));
  await Deno.writeTextFile(`${dir}/good.json.tmp-123-abc`, text.slice(0, 10));
  await Deno.writeTextFile(`${dir}/notes.txt`, "ignored");
  const scan = await scanResults([dir, `${dir}/missing`]);
  assert.equal(scan.runs.length, 1);
  assert.deepEqual(scan.runs[0].record, good);
  assert.deepEqual(scan.unreadable.map((u) => u.path.split("/").pop()), [
    "foreign.json",
    "truncated.json",
  ]);
  assert.match(scan.unreadable[0].reason, /field status is invalid/);
  assert.match(scan.unreadable[1].reason, /not valid JSON/);
  assert.deepEqual(scan.temporary.map((p) => p.split("/").pop()), ["good.json.tmp-123-abc"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeJsonAtomic leaves no temporary file and replaces the whole file", async () => {
  const dir = await Deno.makeTempDir();
  await writeJsonAtomic(`${dir}/a.json`, { long: "x".repeat(10_000) });
  await writeJsonAtomic(`${dir}/a.json`, { short: 1 });
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/a.json`)), { short: 1 });
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.deepEqual(names, ["a.json"]);
  await assert.rejects(() => writeJsonAtomic("", {}), /path must be a non-empty string/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseRunRecord names the bad field", () => {
  const run = syntheticRun({ method: "sgd", seed: 0, accuracy: 0.8 });
  const broken = { ...run, epochs: [{ ...run.epochs[0], testAccuracy: "high" }] };
  assert.throws(
    () => parseRunRecord(broken, "r.json"),
    /r\.json: field epochs\[0\]\.testAccuracy is invalid, got "high"/,
  );
  assert.throws(
    () => parseRunRecord({ ...run, run: { ...run.run, seed: 1.5 } }, "r.json"),
    /run\.seed/,
  );
  assert.throws(
    () => parseRunRecord({ ...run, final: { ...run.final, testAccuracy: 7 } }, "r.json"),
    /final\.testAccuracy is invalid, got 7/,
  );
  const failed = syntheticRun({ method: "sgd", seed: 0, accuracy: 0, status: "failed" });
  assert.equal(
    parseRunRecord(JSON.parse(JSON.stringify(failed)), "f.json").failure?.message,
    "loss is NaN at step 5",
  );
});

Deno.test("writeTextAtomic names itself for a bad path; JSON ends with a newline", async () => {
  for (const path of ["", 42]) {
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      () => writeTextAtomic(path as any, "x"),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message ===
          `writeTextAtomic: path must be a non-empty string, got ${JSON.stringify(path)}`,
    );
  }
  const dir = await Deno.makeTempDir();
  await writeJsonAtomic(`${dir}/a.json`, { a: 1 });
  assert.equal(await Deno.readTextFile(`${dir}/a.json`), '{\n  "a": 1\n}\n');
  await Deno.remove(dir, { recursive: true });
});

Deno.test("scanResults: runs in name order, folders named .json skipped, a file given as a folder refused", async () => {
  const dir = await Deno.makeTempDir();
  const names = ["m.json", "c.json", "x.json", "a.json", "q.json", "b.json", "z.json", "k.json"];
  for (const [seed, name] of names.entries()) {
    await writeJsonAtomic(`${dir}/${name}`, syntheticRun({ method: "sgd", seed, accuracy: 0.5 }));
  }
  await Deno.mkdir(`${dir}/folder.json`);
  await Deno.writeTextFile(`${dir}/foreign.json`, JSON.stringify({ hello: 1 }));
  const scan = await scanResults([dir]);
  assert.deepEqual(scan.runs.map((r) => r.path.split("/").pop()), [...names].sort());
  // The folder is neither a run nor an unreadable file; the foreign file's reason is the parser's
  // message itself (naming the file), not an Error's string form.
  assert.deepEqual(scan.unreadable.map((u) => u.path.split("/").pop()), ["foreign.json"]);
  assert.ok(
    scan.unreadable[0].reason.startsWith(`${dir}/foreign.json: field`),
    scan.unreadable[0].reason,
  );
  // A missing folder is empty; a path that is a file is an error, not silently empty.
  await assert.rejects(() => scanResults([`${dir}/a.json`]), Deno.errors.NotADirectory);
  await Deno.remove(dir, { recursive: true });
});

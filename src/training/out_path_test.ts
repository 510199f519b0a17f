import assert from "node:assert/strict";
import { join } from "node:path";
import { checkOutPath, userPath, userPaths } from "./out_path.ts";

Deno.test("userPath joins a relative path to the user's folder and leaves absolute ones", () => {
  assert.equal(userPath("a/b.json", "/home/me"), "/home/me/a/b.json");
  assert.equal(userPath("/abs/b.json", "/home/me"), "/abs/b.json");
  assert.equal(userPath("b.json", ""), "b.json");
});

Deno.test("userPath and userPaths default to INIT_CWD, the folder deno task was run from", () => {
  const saved = Deno.env.get("INIT_CWD");
  try {
    Deno.env.set("INIT_CWD", "/from/here");
    assert.equal(userPath("a.json"), "/from/here/a.json");
    assert.deepEqual(userPaths({ out: "runs" }, ["out"]), { out: "/from/here/runs" });
    Deno.env.delete("INIT_CWD");
    assert.equal(userPath("a.json"), "a.json");
  } finally {
    if (saved === undefined) Deno.env.delete("INIT_CWD");
    else Deno.env.set("INIT_CWD", saved);
  }
});

Deno.test("userPaths resolves only the named, given, non-empty string options", () => {
  const given = { out: "runs", grid: "", jobs: 2, resume: "/abs/c", other: "x" };
  const resolved = userPaths(given, ["out", "grid", "jobs", "resume", "missing"], "/u");
  assert.deepEqual(resolved, { out: "/u/runs", grid: "", jobs: 2, resume: "/abs/c", other: "x" });
  assert.equal("missing" in resolved, false);
  // A copy: the input is unchanged.
  assert.equal(given.out, "runs");
});

Deno.test("checkOutPath makes the folder, removes its probe, and names --out when it cannot write", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "deep", "er", "run.json");
    await checkOutPath(path);
    const made = [...Deno.readDirSync(join(dir, "deep", "er"))];
    assert.deepEqual(made, [], "the probe file is removed and the result is not created");
    // An existing result file is fine (it will be replaced).
    await Deno.writeTextFile(join(dir, "old.json"), "{}");
    await checkOutPath(join(dir, "old.json"));
    assert.equal(await Deno.readTextFile(join(dir, "old.json")), "{}");
    // A folder is refused, with a file path suggested.
    await assert.rejects(checkOutPath(dir), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.equal(
        error.message,
        `--out ${dir} is a folder; give a file path, such as ${join(dir, "run.json")}`,
      );
      return true;
    });
    // A folder that cannot be made (a file stands in its place): RangeError with the reason.
    const blocked = join(dir, "old.json", "run.json");
    await assert.rejects(checkOutPath(blocked), (error: Error) => {
      assert.ok(error instanceof RangeError);
      // The reason is the stat's (a file stands where a folder should), not a later mkdir's.
      assert.match(error.message, /^--out .*old\.json\/run\.json cannot be written \(.+stat.+\)$/);
      assert.ok(error.cause instanceof Error);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "checkOutPath reports a folder that cannot be made (procfs refuses mkdir, even for root)",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const path = `/proc/usam-no-such-${Deno.pid}/run.json`;
    await assert.rejects(checkOutPath(path), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.match(
        error.message,
        /^--out \/proc\/usam-no-such-\d+\/run\.json cannot be written \(.*mkdir/,
      );
      return true;
    });
  },
});

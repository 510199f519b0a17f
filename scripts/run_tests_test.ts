import assert from "node:assert/strict";
import { join } from "node:path";
import { leftovers } from "./run_tests.ts";

const SCRIPT = new URL("./run_tests.ts", import.meta.url).pathname;

Deno.test("deno task test runs the tests in a private TMPDIR and removes what they leak", async () => {
  const outer = await Deno.makeTempDir({ prefix: "usam-run-tests-" });
  try {
    // A test that leaks a temporary folder and records where TMPDIR pointed.
    const testFile = join(outer, "leak_test.ts");
    const record = join(outer, "tmpdir.txt");
    await Deno.writeTextFile(
      testFile,
      `Deno.test("leaks", async () => {
        const dir = await Deno.makeTempDir({ prefix: "leaked-" });
        await Deno.writeTextFile(${JSON.stringify(record)}, Deno.env.get("TMPDIR") + "\\n" + dir);
      });\n`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SCRIPT, testFile],
      env: { TMPDIR: outer, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const [tmpdir, leaked] = (await Deno.readTextFile(record)).split("\n");
    assert.notEqual(tmpdir, outer, "the tests ran with a private TMPDIR");
    assert.ok(leaked.startsWith(tmpdir), leaked);
    assert.match(stderr, /left 1 temporary item\(s\), now removed: leaked-/);
    assert.deepEqual(await leftovers(tmpdir), [], "the private TMPDIR is gone");
    assert.deepEqual(await leftovers(outer), ["leak_test.ts", "tmpdir.txt"]);
  } finally {
    await Deno.remove(outer, { recursive: true });
  }
});

Deno.test("deno task test passes deno test's exit code through", async () => {
  const outer = await Deno.makeTempDir({ prefix: "usam-run-tests-" });
  try {
    const testFile = join(outer, "fail_test.ts");
    await Deno.writeTextFile(testFile, `Deno.test("fails", () => { throw new Error("no"); });\n`);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SCRIPT, testFile],
      env: { TMPDIR: outer, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 1);
    assert.deepEqual(await leftovers(outer), ["fail_test.ts"]);
  } finally {
    await Deno.remove(outer, { recursive: true });
  }
});

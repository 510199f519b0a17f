import assert from "node:assert/strict";
import { join } from "node:path";
import { compareMain, parseCompareArgs } from "./compare_command.ts";
import { mergeMain } from "./merge_command.ts";
import { regressMain } from "./regress_command.ts";

type Main = (
  argv: readonly string[],
  io: { stdout?: (t: string) => void; stderr?: (t: string) => void },
) => Promise<number>;

const COMMANDS: [string, Main][] = [
  ["compare", compareMain],
  ["merge", mergeMain],
  ["regress", regressMain],
];

async function capture(main: Main, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join(""), err: err.join("") };
}

Deno.test("compare, merge and regress: --help exits 0 with the usage; bad flags one prefixed line, exit 2", async () => {
  for (const [name, main] of COMMANDS) {
    const help = await capture(main, ["--help"]);
    assert.equal(help.code, 0, name);
    assert.match(help.out, new RegExp(`^Usage: deno task ${name} `), name);
    assert.match(help.out, /-h, --help +show this help/, name);
    assert.equal(help.err, "", name);
    const bad = await capture(main, ["--bogus"]);
    assert.equal(bad.code, 2, name);
    assert.equal(bad.out, "", name);
    // One line, the command's prefix, no node hint about positionals.
    assert.equal(bad.err, `${name}: Unknown option '--bogus' (see --help)\n`, name);
  }
  const merge = await capture(mergeMain, ["--help"]);
  assert.match(merge.out, /DIR\.\.\. +the result folders to combine/);
});

Deno.test("compare, merge and regress take relative paths from INIT_CWD (where deno task was run)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "usam-init-cwd-" });
  const saved = Deno.env.get("INIT_CWD");
  Deno.env.set("INIT_CWD", dir);
  try {
    const args = await parseCompareArgs(["--preset", "ci", "--out", "mine"]);
    assert.equal(args.out, join(dir, "mine"));
    // Defaults stay where the documentation says: under the repository's results/.
    assert.equal((await parseCompareArgs(["--preset", "ci"])).out, join("results", "runs", "ci"));
    await Deno.writeTextFile(join(dir, "afile"), "");
    const merge = await capture(mergeMain, ["afile"]);
    assert.equal(merge.code, 2);
    assert.equal(
      merge.err,
      `merge: result folder ${JSON.stringify(join(dir, "afile"))} is not a folder\n`,
    );
    const regress = await capture(regressMain, ["--baseline", "none.json"]);
    assert.equal(regress.code, 2);
    assert.ok(regress.err.includes(join(dir, "none.json")), regress.err);
  } finally {
    if (saved === undefined) Deno.env.delete("INIT_CWD");
    else Deno.env.set("INIT_CWD", saved);
    await Deno.remove(dir, { recursive: true });
  }
});

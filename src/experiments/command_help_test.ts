import assert from "node:assert/strict";
import { compareMain } from "./compare_command.ts";
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

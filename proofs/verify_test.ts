import assert from "node:assert/strict";
import { DEFAULT_VERIFY_OUT } from "./verify.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function git(args: string[]) {
  const output = await new Deno.Command("git", {
    args: ["-C", ROOT, ...args],
    stdout: "null",
    stderr: "null",
  })
    .output();
  return output.code;
}

const hasGit = await git(["rev-parse", "--git-dir"]).then((code) => code === 0, () => false);

Deno.test({
  name:
    "deno task verify writes outside the tracked tree by default (runs then record a clean commit)",
  ignore: !hasGit, // a source tree without git has no commit to keep clean
  fn: async () => {
    assert.equal(
      await git(["check-ignore", "-q", DEFAULT_VERIFY_OUT]),
      0,
      `${DEFAULT_VERIFY_OUT} is not git-ignored`,
    );
    assert.notEqual(
      await git(["ls-files", "--error-unmatch", DEFAULT_VERIFY_OUT]),
      0,
      "it is tracked",
    );
  },
});

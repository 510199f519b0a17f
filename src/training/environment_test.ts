import assert from "node:assert/strict";
import { cpus, hostname } from "node:os";
import { machineDescription, runEnvironment, sourceCommit } from "./environment.ts";

async function git(args: string[]): Promise<{ ok: boolean; text: string }> {
  const dir = new URL(".", import.meta.url).pathname;
  try {
    const out = await new Deno.Command("git", { args: ["-C", dir, ...args], stderr: "null" })
      .output();
    return { ok: out.success, text: new TextDecoder().decode(out.stdout) };
  } catch {
    return { ok: false, text: "" };
  }
}

Deno.test("sourceCommit is git's HEAD, marked -dirty exactly when tracked files changed", async () => {
  const head = await git(["rev-parse", "HEAD"]);
  const commit = await sourceCommit();
  if (!head.ok) {
    assert.equal(commit, null, "outside a checkout there is no commit");
    return;
  }
  const status = await git(["status", "--porcelain", "--untracked-files=no"]);
  const expected = head.text.trim() + (status.text.length > 0 ? "-dirty" : "");
  assert.equal(commit, expected);
  assert.match(commit!, /^[0-9a-f]{40}(-dirty)?$/);
  // Computed once: the same promise on every call.
  assert.equal(sourceCommit(), sourceCommit());
});

Deno.test("machineDescription lists host, os-arch, CPU count and model, and memory in GiB", () => {
  const parts = machineDescription().split(" · ");
  assert.equal(parts.length, 4, machineDescription());
  assert.equal(parts[0], hostname());
  assert.equal(parts[1], `${Deno.build.os}-${Deno.build.arch}`);
  const cpu = /^(\d+)× (\S.*)$/.exec(parts[2]);
  assert.ok(cpu, parts[2]);
  assert.equal(Number(cpu[1]), cpus().length);
  // The model is the first CPU's, with runs of spaces collapsed and no padding.
  assert.doesNotMatch(cpu[2], /\s{2}|^\s|\s$/);
  assert.equal(cpu[2], cpus()[0]?.model?.replace(/\s+/g, " ").trim() || "unknown CPU");
  // Memory to the nearest GiB, from Deno's own reading (not node:os, which the code uses).
  const gib = Deno.systemMemoryInfo().total / 2 ** 30;
  const shown = /^(\d+) GiB$/.exec(parts[3]);
  assert.ok(shown, parts[3]);
  assert.ok(Math.abs(Number(shown[1]) - gib) <= 0.5 + 1e-9, `${parts[3]} vs ${gib} GiB`);
});

Deno.test("runEnvironment records the chosen backend, its choice, the versions, commit and machine", async () => {
  const env = await runEnvironment({
    backend: "wasm",
    adapter: "some adapter",
    description: "wasm (asked)",
  });
  assert.equal(env.backend, "wasm");
  assert.equal(env.adapter, "some adapter");
  assert.equal(env.backendChoice, "wasm (asked)");
  assert.equal(env.deno, Deno.version.deno);
  assert.match(env.tfjs, /^4\.\d+\.\d+$/);
  assert.equal(env.commit, await sourceCommit());
  assert.equal(env.machine, machineDescription());
});

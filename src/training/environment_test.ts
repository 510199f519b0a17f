import assert from "node:assert/strict";
import { cpus, hostname } from "node:os";
import {
  cpuDescription,
  gitCommit,
  machineDescription,
  runEnvironment,
  sourceCommit,
} from "./environment.ts";

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

Deno.test("gitCommit: HEAD of the checkout, -dirty only for changed tracked files, null outside", async () => {
  const dir = await Deno.makeTempDir();
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("git", {
      args: ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.org", ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.ok(out.success, `git ${args.join(" ")}`);
    return new TextDecoder().decode(out.stdout).trim();
  };
  try {
    assert.equal(await gitCommit(dir), null, "not a checkout");
    await run("init", "-q");
    assert.equal(await gitCommit(dir), null, "a checkout without a commit has no HEAD");
    await Deno.writeTextFile(`${dir}/a.txt`, "one\n");
    await run("add", "a.txt");
    await run("commit", "-q", "-m", "first");
    const head = await run("rev-parse", "HEAD");
    assert.match(head, /^[0-9a-f]{40}$/);
    assert.equal(await gitCommit(dir), head);
    await Deno.mkdir(`${dir}/sub`);
    await Deno.writeTextFile(`${dir}/sub/untracked.txt`, "x");
    assert.equal(await gitCommit(`${dir}/sub`), head, "untracked files do not make it dirty");
    await Deno.writeTextFile(`${dir}/a.txt`, "two\n");
    assert.equal(await gitCommit(dir), `${head}-dirty`);
    assert.equal(await gitCommit(`${dir}/sub`), `${head}-dirty`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cpuDescription: count and the first model, white space collapsed, or unknown", () => {
  assert.equal(
    cpuDescription([{ model: "  Intel(R)   Xeon\tGold  " }, { model: "other" }]),
    "2× Intel(R) Xeon Gold",
  );
  assert.equal(cpuDescription([{ model: "" }]), "1× unknown CPU");
  assert.equal(cpuDescription([{ model: "   " }]), "1× unknown CPU");
  assert.equal(cpuDescription([{}]), "1× unknown CPU");
  assert.equal(cpuDescription([]), "0× unknown CPU");
});

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./interrupt_fixture.ts", import.meta.url));

const grid = {
  name: "interrupt",
  datasets: ["fashion-mnist"],
  models: ["mlp"],
  optimizers: [{ optimizer: "sgd" }],
  seeds: [0],
  settings: [{ name: "clean" }],
  common: { epochs: 1 },
};

/** Resolves once the stream's text matches (or the stream ends); keeps reading after. */
function watch(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const listeners: (() => void)[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      listeners.splice(0).forEach((f) => f());
    }
    listeners.splice(0).forEach((f) => f());
  })();
  const seen = async (pattern: RegExp, ended: () => boolean) => {
    while (!pattern.test(text) && !ended()) await new Promise<void>((r) => listeners.push(r));
  };
  return { seen, done, text: () => text };
}

Deno.test("compare: the first Ctrl-C asks for a graceful stop, the second quits at once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "usam-interrupt-" });
  try {
    await Deno.writeTextFile(`${dir}/grid.json`, JSON.stringify(grid));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", FIXTURE, `${dir}/grid.json`, `${dir}/out`],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let ended = false;
    const status = child.status.then((s) => {
      ended = true;
      return s;
    });
    const stdout = watch(child.stdout);
    const stderr = watch(child.stderr);
    await stdout.seen(/training/, () => ended);
    child.kill("SIGINT");
    await stderr.seen(/interrupted \(SIGINT\): stopping after the current step/, () => ended);
    assert.match(stderr.text(), /press Ctrl-C again to quit now/);
    // Now the fake computes for 15 s without yielding: a listener could not run before that,
    // so the process must die of the signal itself.
    await stdout.seen(/blocking/, () => ended);
    child.kill("SIGINT");
    const { signal, code } = await status;
    await Promise.all([stdout.done, stderr.done]);
    assert.equal(signal, "SIGINT", `exit code ${code}, stderr:\n${stderr.text()}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

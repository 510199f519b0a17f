/**
 * The train command, stopped for good after one epoch, for the SIGKILL test of `cli_test.ts`:
 * `deno run -A pause_fixture.ts EPOCH <train flags>` runs `cli.ts`'s `main` unchanged, except that
 * once it has printed the line of epoch EPOCH (`epoch 1/3: ...`) its main thread blocks forever.
 * `train()` calls `onEpoch`, which prints that line, only after the epoch's checkpoint is on disk,
 * so a kill sent on seeing the line always finds that checkpoint and never a later one or a result
 * file, however the two processes are scheduled.
 *
 * @module
 */
import { main } from "./cli.ts";

if (import.meta.main) {
  const [epoch, ...argv] = Deno.args;
  if (!/^[1-9]\d*$/.test(epoch ?? "")) {
    console.error(`EPOCH must be a positive integer, got ${JSON.stringify(epoch)}`);
    Deno.exit(2);
  }
  const marker = new RegExp(`^epoch ${epoch}/\\d+:`, "m");
  const decoder = new TextDecoder();
  const write = Deno.stdout.writeSync.bind(Deno.stdout);
  Deno.stdout.writeSync = (bytes: Uint8Array): number => {
    let written = 0;
    while (written < bytes.length) written += write(bytes.subarray(written));
    if (marker.test(decoder.decode(bytes))) {
      // Nothing notifies this word: the thread sleeps until the test's SIGKILL.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    return written;
  };
  Deno.exit(await main(argv));
}

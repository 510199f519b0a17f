/**
 * Download progress: a redrawn bar on a terminal, a plain line every 10% (or every 100 MB when
 * the size is unknown) otherwise, so that CI logs stay short.
 *
 * @module
 */
import { Progress as ProgressDisplay } from "../io/progress.ts";

/**
 * One progress report: bytes received so far and the total when the server said it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ProgressEvent } from "./progress.ts";
 * const event: ProgressEvent = { label: "x.gz", received: 5, total: 10, done: false };
 * assert(event.received <= event.total!);
 * ```
 */
export interface ProgressEvent {
  /** The file being transferred. */
  readonly label: string;
  /** Bytes so far. */
  readonly received: number;
  /** The announced length, if any. */
  readonly total: number | undefined;
  /** Whether this is the last report. */
  readonly done: boolean;
}

/**
 * How to show progress: `"auto"` (a bar when stderr is a terminal, plain lines otherwise),
 * `"bar"`, `"lines"`, `"none"`, or a callback that receives every event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ProgressMode } from "./progress.ts";
 * const events: number[] = [];
 * const mode: ProgressMode = (event) => events.push(event.received);
 * assert(typeof mode === "function");
 * ```
 */
export type ProgressMode = "auto" | "bar" | "lines" | "none" | ((event: ProgressEvent) => void);

/**
 * A progress reporter for one transfer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createProgress } from "./progress.ts";
 * const seen: number[] = [];
 * const progress = createProgress("x.gz", 10, (e) => seen.push(e.received));
 * progress.update(4);
 * progress.update(10);
 * progress.finish();
 * assert(seen.join() === "4,10,10");
 * ```
 */
export interface Progress {
  /** Reports the total bytes received so far. */
  update(received: number): void;
  /** Reports the end (success or not), ending the bar's line. */
  finish(): void;
}

/**
 * Creates a progress reporter writing to stderr (or to `write`, or calling the given callback).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createProgress } from "./progress.ts";
 * const quiet = createProgress("x.gz", undefined, "none");
 * quiet.update(1);
 * quiet.finish();
 * // A callback sees every update and then one `done` event with the last count.
 * const events: { received: number; done: boolean }[] = [];
 * const report = createProgress("x.gz", 10, ({ received, done }) => events.push({ received, done }));
 * report.update(4);
 * report.update(10);
 * report.finish();
 * assert.deepEqual(events, [
 *   { received: 4, done: false },
 *   { received: 10, done: false },
 *   { received: 10, done: true },
 * ]);
 * ```
 */
export function createProgress(
  label: string,
  total: number | undefined,
  mode: ProgressMode = "auto",
  write: (text: string) => void = writeStderr,
): Progress {
  if (typeof mode === "function") {
    let last = 0;
    return {
      update(received) {
        last = received;
        mode({ label, received, total, done: false });
      },
      finish() {
        mode({ label, received: last, total, done: true });
      },
    };
  }
  if (!["auto", "bar", "lines", "none"].includes(mode)) {
    throw new RangeError(
      `progress must be "auto", "bar", "lines", "none" or a function, got ${JSON.stringify(mode)}`,
    );
  }
  if (mode === "none") return { update() {}, finish() {} };
  const bar = mode === "bar" || (mode === "auto" && Deno.stderr.isTerminal());
  const started = performance.now();
  let received = 0;
  let lastStep = -1;
  const rate = () => received / 1e6 / Math.max((performance.now() - started) / 1000, 1e-3);
  const describe = () =>
    `${(received / 1e6).toFixed(1)}${total ? `/${(total / 1e6).toFixed(1)}` : ""} MB, ${
      rate().toFixed(1)
    } MB/s`;
  // The terminal bar is the project's one progress display (src/io/progress.ts); only the
  // byte figures are this module's.
  const display = new ProgressDisplay({ isTerminal: true, write });
  return {
    update(bytes) {
      received = bytes;
      if (bar) {
        if (total) display.bar(label, received, total, describe(), false);
        else display.bar(label, 0, 1, describe(), false);
      } else {
        const step = total ? Math.floor((10 * received) / total) : Math.floor(received / 100e6);
        if (step > lastStep) {
          lastStep = step;
          write(`${label}: ${total ? `${Math.min(10 * step, 100)}%, ` : ""}${describe()}\n`);
        }
      }
    },
    finish() {
      if (bar) display.line(`${label} ${describe()} done`);
    },
  };
}

const encoder = new TextEncoder();

function writeStderr(text: string): void {
  const bytes = encoder.encode(text);
  for (let written = 0; written < bytes.length;) {
    written += Deno.stderr.writeSync(bytes.subarray(written));
  }
}

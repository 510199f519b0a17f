/**
 * The one progress display of `deno task train` and of comparisons (`src/experiments`). On a
 * terminal a single status line is redrawn in place (a bar with an ETA, at most 10 times a
 * second); elsewhere (CI logs, Slurm output files) nothing is redrawn and only whole lines are
 * printed, so logs stay short. It sits with the other process-level helpers so that every layer
 * may use it.
 *
 * @module
 */

/** Where progress goes. */
export interface ProgressSink {
  /** True for a terminal (rewrite one status line with `\r`). */
  isTerminal: boolean;
  write(text: string): void;
}

/**
 * "3h05m", "4m07s", "12s"; "?" when unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./progress.ts";
 * assert.equal(formatDuration(12_900), "3h35m");
 * assert.equal(formatDuration(Number.NaN), "?");
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, "0")}m`
    : m > 0
    ? `${m}m${String(r).padStart(2, "0")}s`
    : `${r}s`;
}

/**
 * A redrawn status line with a bar and an ETA on a terminal, plain lines otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Progress } from "./progress.ts";
 * const out: string[] = [];
 * const p = new Progress({ isTerminal: false, write: (t) => out.push(t) });
 * p.bar("epoch 1/2", 5, 10);
 * p.line("epoch 1/2 done");
 * assert.deepEqual(out, ["epoch 1/2 done\n"]);
 * ```
 */
export class Progress {
  readonly #sink: ProgressSink;
  readonly #now: () => number;
  #drawn = false;
  #lastDraw = -Infinity;
  #barLabel = "";
  #barStart = 0;
  #barFirst = 0;

  /** @param now milliseconds clock (injectable for tests). */
  constructor(sink: ProgressSink, now: () => number = () => performance.now()) {
    this.#sink = sink;
    this.#now = now;
  }

  /**
   * Redraws the bar (terminal only): `label ██░░ done/total detail eta Ns` (without `done/total`
   * when `counts` is false, e.g. for bytes the detail states better). The ETA is the rate since
   * the first update of this label; a new label restarts it.
   */
  bar(label: string, done: number, total: number, detail = "", counts = true): void {
    if (!this.#sink.isTerminal) return;
    const now = this.#now();
    if (label !== this.#barLabel) {
      this.#barLabel = label;
      this.#barStart = now;
      this.#barFirst = done;
    }
    if (done < total && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const width = 30;
    const filled = Math.max(0, Math.min(width, Math.round((width * done) / Math.max(total, 1))));
    const rate = (done - this.#barFirst) / Math.max(now - this.#barStart, 1e-9);
    const eta = done > this.#barFirst ? ` eta ${formatDuration((total - done) / rate / 1000)}` : "";
    this.#sink.write(
      `\r${label} ${"█".repeat(filled)}${"░".repeat(width - filled)}${
        counts ? ` ${done}/${total}` : ""
      }${detail ? ` ${detail}` : ""}${eta}\x1b[K`,
    );
    this.#drawn = true;
  }

  /** Prints a whole line (clearing the bar first on a terminal). */
  line(text: string): void {
    this.clear();
    this.#sink.write(`${text}\n`);
  }

  /** Removes the bar from the terminal. */
  clear(): void {
    if (this.#drawn) this.#sink.write("\r\x1b[K");
    this.#drawn = false;
  }
}

/**
 * Progress of a grid: runs done and left, with an ETA from this session's mean run time, drawn
 * with the one progress display (`src/io/progress.ts`).
 *
 * @module
 */
import { formatDuration, Progress, type ProgressSink } from "../io/progress.ts";

export { formatDuration, Progress, type ProgressSink } from "../io/progress.ts";

/**
 * Counts the runs of a grid and prints one line per finished run with the runs left and an ETA
 * from the mean time of this session's runs (runs found finished on disk do not count toward it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunCounter } from "./run_counter.ts";
 * const lines: string[] = [];
 * const counter = new RunCounter(3, 1, { isTerminal: false, write: (t) => lines.push(t) });
 * counter.finished("sgd seed 0", "completed", 10);
 * assert.match(lines[0], /\[2\/3\] completed sgd seed 0 in 10\.0s · 1 left · ETA 10s/);
 * ```
 */
export class RunCounter {
  readonly #total: number;
  #done: number;
  #sessionRuns = 0;
  #sessionSeconds = 0;
  /** The status line (use its `bar` for the steps of the current run). */
  readonly progress: Progress;

  /**
   * @param total runs in this shard.
   * @param alreadyDone runs found finished on disk (skipped).
   */
  constructor(total: number, alreadyDone: number, sink: ProgressSink) {
    if (!Number.isInteger(total) || total < 0) {
      throw new RangeError(`RunCounter: total must be an integer >= 0, got ${total}`);
    }
    if (!Number.isInteger(alreadyDone) || alreadyDone < 0 || alreadyDone > total) {
      throw new RangeError(
        `RunCounter: alreadyDone must be an integer in [0, ${total}], got ${alreadyDone}`,
      );
    }
    this.#total = total;
    this.#done = alreadyDone;
    this.progress = new Progress(sink);
  }

  /** Seconds left at the mean pace of this session's runs (NaN before the first one). */
  get etaSeconds(): number {
    if (this.#sessionRuns === 0) return Number.NaN;
    return (this.#sessionSeconds / this.#sessionRuns) * (this.#total - this.#done);
  }

  /** The prefix of the current run's bar: `[done/total] label`. */
  prefix(label: string): string {
    return `[${this.#done}/${this.#total}] ${label}`;
  }

  /** Counts a run that another worker finished (or holds) without a line of its own. */
  skipped(): void {
    this.#done += 1;
  }

  /** Records a finished run and prints its line. */
  finished(label: string, status: string, seconds: number): void {
    this.#done += 1;
    this.#sessionRuns += 1;
    this.#sessionSeconds += seconds;
    this.progress.line(
      `[${this.#done}/${this.#total}] ${status} ${label} in ${seconds.toFixed(1)}s · ${
        this.#total - this.#done
      } left · ETA ${formatDuration(this.etaSeconds)}`,
    );
  }
}

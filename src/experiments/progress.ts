/**
 * The one progress display of training and comparisons. On a terminal a single status line is
 * redrawn in place (a bar with an ETA, at most 10 times a second); elsewhere (CI logs, Slurm
 * output files) nothing is redrawn and only whole lines are printed, so logs stay short.
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
   * Redraws the bar (terminal only): `label ██░░ done/total detail eta Ns`. The ETA is the rate
   * since the first update of this label; a new label restarts it.
   */
  bar(label: string, done: number, total: number, detail = ""): void {
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
      `\r${label} ${"█".repeat(filled)}${"░".repeat(width - filled)} ${done}/${total}${
        detail ? ` ${detail}` : ""
      }${eta}\x1b[K`,
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

/**
 * Counts the runs of a grid and prints one line per finished run with the runs left and an ETA
 * from the mean time of this session's runs (runs found finished on disk do not count toward it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunCounter } from "./progress.ts";
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

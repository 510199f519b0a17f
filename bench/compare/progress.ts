/**
 * Progress of a comparison: runs done and left, and an ETA from the mean time of the runs
 * finished in this session. On a terminal one line is rewritten in place; otherwise (CI logs,
 * Slurm output files) one plain line per finished run.
 *
 * @module
 */

/** Where progress goes. */
export interface ProgressSink {
  /** True for a terminal (rewrite one status line with `\r`). */
  isTerminal: boolean;
  write(text: string): void;
}

function formatDuration(seconds: number): string {
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
 * Counts runs and prints progress lines.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const lines: string[] = [];
 * const p = new Progress(3, 1, { isTerminal: false, write: (t) => lines.push(t) });
 * p.finished("sgd seed 0", "completed", 10);
 * console.assert(lines[0].includes("2/3") && lines[0].includes("ETA 10s"));
 * ```
 */
export class Progress {
  readonly #total: number;
  #done: number;
  #sessionRuns = 0;
  #sessionSeconds = 0;
  readonly #sink: ProgressSink;

  /**
   * @param total runs in this shard.
   * @param alreadyDone runs found finished on disk (skipped).
   */
  constructor(total: number, alreadyDone: number, sink: ProgressSink) {
    if (!Number.isInteger(total) || total < 0) {
      throw new RangeError(`Progress: total must be an integer >= 0, got ${total}`);
    }
    if (!Number.isInteger(alreadyDone) || alreadyDone < 0 || alreadyDone > total) {
      throw new RangeError(
        `Progress: alreadyDone must be an integer in [0, ${total}], got ${alreadyDone}`,
      );
    }
    this.#total = total;
    this.#done = alreadyDone;
    this.#sink = sink;
  }

  /** Seconds left at the mean pace of this session's runs (NaN before the first one). */
  get etaSeconds(): number {
    if (this.#sessionRuns === 0) return Number.NaN;
    return (this.#sessionSeconds / this.#sessionRuns) * (this.#total - this.#done);
  }

  /** Announces the run about to start (terminal only: plain logs get one line per finished run). */
  starting(label: string): void {
    if (!this.#sink.isTerminal) return;
    this.#sink.write(
      `\r\x1b[2K[${this.#done}/${this.#total}] running ${label} · ETA ${
        formatDuration(this.etaSeconds)
      }`,
    );
  }

  /** Records a finished run and prints the status. */
  finished(label: string, status: string, seconds: number): void {
    this.#done += 1;
    this.#sessionRuns += 1;
    this.#sessionSeconds += seconds;
    const left = this.#total - this.#done;
    const line = `[${this.#done}/${this.#total}] ${status} ${label} in ${
      seconds.toFixed(1)
    }s · ${left} left · ETA ${formatDuration(this.etaSeconds)}`;
    this.#sink.write(this.#sink.isTerminal ? `\r\x1b[2K${line}` : `${line}\n`);
  }

  /** Ends the terminal status line. */
  close(): void {
    if (this.#sink.isTerminal) this.#sink.write("\n");
  }
}

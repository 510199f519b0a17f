/**
 * The compute plan of the study (`results/study/PLAN.md`): runs × epochs × measured seconds per
 * epoch, split into parts that each fit a working session. Each part is one `deno task compare`
 * command: the demo, then per model its tuning runs (`--tuning-only`), then each setting's final
 * runs; a part too long for a session is split with `--shard i/n` (round-robin, so every shard
 * gets every method). The seconds come from `scripts/study_timing.ts` (`timing.json`).
 *
 * @module
 */
import {
  cellMethodKey,
  expandGrid,
  type GridDeclaration,
  optimizerForModel,
  type RunSpec,
  selectShard,
  type Trial,
  trialsOf,
  tuningRuns,
} from "./grid.ts";
import { studyDemoGrid, studyGrid, studyParts } from "./presets/study.ts";

/** What `scripts/study_timing.ts` measured for one model. */
export interface ModelTiming {
  timedImages: number;
  /** Training seconds per image, per method label. */
  trainSecondsPerImage: Record<string, number>;
  /** Forward (evaluation) seconds per image. */
  evaluationSecondsPerImage: number;
  /** Seconds of one Hessian measurement (trace, ‖H‖_F, λ_max on the fixed subset). */
  hessianSecondsPerMeasurement: number;
}

/** `timing.json`. */
export interface StudyTiming {
  measured: string;
  backend: string;
  /** Load averages (1, 5, 15 min) before and after the timing runs. */
  load: number[];
  loadAfter?: number[];
  cores: number;
  /** What `auto` resolved to, when the script recorded it. */
  resolvedBackend?: string;
  /** A remark added by hand (e.g. why a rerun was not used). */
  note?: string;
  models: Record<string, ModelTiming>;
}

/** Options of {@link studyPlan}. */
export interface StudyPlanOptions {
  /** A working session's seconds (default 2.5 h). */
  sessionSeconds?: number;
  /** Factor on the measured seconds (default 1.5: the timing ran on a shared, loaded machine). */
  margin?: number;
  /** The models planned (default: those with a timing, except ResNet: the third cut). */
  models?: string[];
  /** Full training-set size before the settings (default 60,000). */
  trainImages?: number;
  /** Test-set size (default 10,000). */
  testImages?: number;
  /** Where the runs go (default `results/study/runs`). */
  runsDir?: string;
}

/** One session-sized part of the plan. */
export interface PlanPart {
  /** 1-based position in the run order. */
  index: number;
  what: string;
  command: string;
  runs: number;
  /** Epochs summed over the part's runs. */
  epochs: number;
  /** Estimated seconds with the margin applied. */
  seconds: number;
}

/** The plan. */
export interface StudyPlan {
  parts: PlanPart[];
  /** Models left out, with the estimated seconds they would take (margin applied). */
  cut: { model: string; seconds: number; reason: string }[];
  sessionSeconds: number;
  margin: number;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`studyPlan: ${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * The estimated seconds of one run: per epoch, training images × the method's seconds per image,
 * plus validation and test images × the evaluation seconds per image, plus one Hessian
 * measurement on the epochs that record it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSeconds } from "./study_plan.ts";
 * const timing = { timedImages: 1, trainSecondsPerImage: { sgd: 1e-4 }, evaluationSecondsPerImage: 1e-5,
 *   hessianSecondsPerMeasurement: 2 };
 * const run = { method: "sgd", flags: { epochs: 2, validationFraction: 0.1, hessianEvery: 1 } };
 * // 54,000 × 1e-4 + 16,000 × 1e-5 + 2 = 7.56 s per epoch
 * assert.ok(Math.abs(runSeconds(run, timing) - 15.12) < 1e-9);
 * ```
 */
export function runSeconds(
  run: Pick<RunSpec, "method" | "flags">,
  timing: ModelTiming,
  sizes: { trainImages?: number; testImages?: number } = {},
): number {
  const perImage = timing.trainSecondsPerImage[run.method];
  if (perImage === undefined) {
    throw new RangeError(`runSeconds: no timing for method ${JSON.stringify(run.method)}`);
  }
  const f = run.flags;
  const learner = Math.min(f.trainLimit ?? Infinity, sizes.trainImages ?? 60_000) *
    (f.trainFraction ?? 1);
  const validation = learner * (f.validationFraction ?? 0);
  const test = Math.min(f.testLimit ?? Infinity, sizes.testImages ?? 10_000);
  const epochs = f.epochs ?? 10;
  const hessianEvery = f.hessianEvery ?? 0;
  const measurements = hessianEvery > 0 ? Math.floor(epochs / hessianEvery) : 0;
  return epochs *
      ((learner - validation) * perImage + (validation + test) * timing.evaluationSecondsPerImage) +
    measurements * timing.hessianSecondsPerMeasurement;
}

/** The middle trial of each tuned method (what the timing measured), to size the final runs. */
function middleSelection(grid: GridDeclaration): Map<string, Trial> {
  const selection = new Map<string, Trial>();
  const setting = grid.tuning?.setting?.name;
  for (const model of grid.models) {
    for (const s of grid.settings) {
      for (const o of grid.optimizers.map((o) => optimizerForModel(o, model))) {
        if (!o.search) continue;
        const trials = trialsOf(o.search);
        const key = cellMethodKey({
          dataset: grid.datasets[0],
          model,
          setting: setting ?? s.name,
          method: o.label ?? o.optimizer,
        });
        selection.set(key, trials[Math.floor(trials.length / 2)]);
      }
    }
  }
  return selection;
}

/**
 * The plan: parts in run order, each within `sessionSeconds` after the margin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { studyPlan } from "./study_plan.ts";
 * const methods = { sgd: 1e-4, adam: 1e-4, sam: 2e-4, asam: 2e-4, "trace-sam": 2e-4, "frob-sam": 3e-4, "det-sam": 2e-4 };
 * const mlp = { timedImages: 1, trainSecondsPerImage: methods, evaluationSecondsPerImage: 1e-5,
 *   hessianSecondsPerMeasurement: 2 };
 * const plan = studyPlan({ measured: "", backend: "wasm", load: [], cores: 2, models: { mlp } });
 * assert.ok(plan.parts.every((p) => p.seconds <= plan.sessionSeconds));
 * assert.equal(plan.parts[0].what, "demo");
 * ```
 */
export function studyPlan(timing: StudyTiming, options: StudyPlanOptions = {}): StudyPlan {
  const sessionSeconds = positive("sessionSeconds", options.sessionSeconds ?? 2.5 * 3600);
  const margin = positive("margin", options.margin ?? 1.5);
  const runsDir = options.runsDir ?? "results/study/runs";
  const sizes = { trainImages: options.trainImages, testImages: options.testImages };
  const models = options.models ?? Object.keys(timing.models).filter((m) => m !== "resnet");
  for (const m of models) {
    if (!timing.models[m]) throw new RangeError(`studyPlan: no timing for model ${m}`);
  }
  const cost = (runs: readonly RunSpec[]) =>
    margin *
    runs.reduce((s, r) => s + runSeconds(r, timing.models[r.model], sizes), 0);
  const parts: PlanPart[] = [];
  const add = (what: string, base: string, runs: RunSpec[]) => {
    if (runs.length === 0) return;
    let count = Math.max(1, Math.ceil(cost(runs) / sessionSeconds));
    // Round-robin shards are not exactly equal: grow the count until the longest one fits.
    while (
      count < runs.length &&
      Math.max(
          ...Array.from(
            { length: count },
            (_, k) => cost(selectShard(runs, { index: k + 1, count })),
          ),
        ) > sessionSeconds
    ) count++;
    for (let k = 1; k <= count; k++) {
      const mine = count > 1 ? selectShard(runs, { index: k, count }) : runs;
      parts.push({
        index: parts.length + 1,
        what: count > 1 ? `${what} (shard ${k}/${count})` : what,
        command: `${base}${count > 1 ? ` --shard ${k}/${count}` : ""}`,
        runs: mine.length,
        epochs: mine.reduce((s, r) => s + (r.flags.epochs ?? 10), 0),
        seconds: cost(mine),
      });
    }
  };
  const compare = (preset: string, out: string, backend = "auto") =>
    `nice -n 10 deno task compare --preset ${preset} --out ${runsDir}/${out} --backend ${backend} --no-report`;
  // The demo began on wasm (before the native backend was merged): it finishes on wasm, so that
  // its ten runs share one backend.
  add("demo", compare("study-demo", "demo", "wasm"), expandGrid(studyDemoGrid()));
  const cut: StudyPlan["cut"] = [];
  const study = studyGrid();
  for (const model of study.models) {
    const modelParts = studyParts().filter((p) => p.grid.models[0] === model);
    const tuning = tuningRuns(modelParts[0].grid);
    const finals = modelParts.map((p) => ({
      part: p,
      runs: expandGrid(p.grid, middleSelection(p.grid)),
    }));
    if (!models.includes(model)) {
      if (timing.models[model]) {
        cut.push({
          model,
          seconds: cost(tuning) + finals.reduce((s, f) => s + cost(f.runs), 0),
          reason: "ResNet last: on this machine it does not fit the sessions (third cut)",
        });
      }
      continue;
    }
    add(`${model} tuning`, `${compare(modelParts[0].name, "main")} --tuning-only`, tuning);
    for (const f of finals) {
      add(`${model} ${f.part.grid.settings[0].name} finals`, compare(f.part.name, "main"), f.runs);
    }
  }
  return { parts, cut, sessionSeconds, margin };
}

const hours = (s: number) => (s / 3600).toFixed(2);

/**
 * `PLAN.md`: the measured seconds per epoch, the formula, the parts, the totals and the cuts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { studyPlan, studyPlanMarkdown } from "./study_plan.ts";
 * const methods = { sgd: 1e-4, adam: 1e-4, sam: 2e-4, asam: 2e-4, "trace-sam": 2e-4, "frob-sam": 3e-4, "det-sam": 2e-4 };
 * const mlp = { timedImages: 1, trainSecondsPerImage: methods, evaluationSecondsPerImage: 1e-5,
 *   hessianSecondsPerMeasurement: 2 };
 * const timing = { measured: "", backend: "wasm", load: [], cores: 2, models: { mlp } };
 * assert.match(studyPlanMarkdown(timing, studyPlan(timing)), /\| 1 \| demo \|/);
 * ```
 */
export function studyPlanMarkdown(timing: StudyTiming, plan: StudyPlan): string {
  const lines: string[] = [];
  lines.push("# The study: compute plan", "");
  lines.push(
    `Generated by \`deno task study:plan\` from \`results/study/timing.json\` (measured ${timing.measured} ` +
      `by \`scripts/study_timing.ts\`, backend \`${timing.backend}\`, ${timing.cores} cores, load average ` +
      `${timing.load.map((v) => v.toFixed(1)).join("/")} before and ${
        (timing.loadAfter ?? []).map((v) => v.toFixed(1)).join("/")
      } after). Every estimate is multiplied by a margin of ${plan.margin} (\`--margin\`): the runs ` +
      `share the machine with other work and measure the Hessian every epoch. Rerun the timing on a ` +
      `quiet machine and \`deno task study:plan\` to resize.`,
    "",
  );
  if (timing.resolvedBackend) lines.push(`Backend used: \`${timing.resolvedBackend}\`.`, "");
  if (timing.note) lines.push(timing.note, "");
  lines.push(
    "Seconds of a run = epochs × (training images × training s/image of the method + (validation + " +
      "test images) × evaluation s/image) + Hessian measurements × s/measurement. Full data: 60,000 " +
      "training images, 10% held out for validation (54,000 / 6,000; 10%-data: 5,400 / 600), 10,000 " +
      "test images; the Hessian (trace, ‖H‖_F, λ_max; 10 probes / Lanczos steps on a fixed 512-image " +
      "subset) every epoch of a final run, never in tuning.",
    "",
  );
  lines.push("## Measured seconds per epoch (full clean data, without margin)", "");
  const methods = Object.keys(Object.values(timing.models)[0]?.trainSecondsPerImage ?? {});
  lines.push(`| model | ${methods.join(" | ")} | Hessian s | evaluation s |`);
  lines.push(`| --- | ${methods.map(() => "---:").join(" | ")} | ---: | ---: |`);
  for (const [model, t] of Object.entries(timing.models)) {
    lines.push(
      `| ${model} | ${
        methods.map((m) => (t.trainSecondsPerImage[m] * 54_000).toFixed(1)).join(" | ")
      } | ${t.hessianSecondsPerMeasurement.toFixed(1)} | ${
        (t.evaluationSecondsPerImage * 16_000).toFixed(1)
      } |`,
    );
  }
  lines.push(
    "",
    "Training seconds per epoch are the timed steps' seconds per image × 54,000. The first method " +
      "timed per model (SGD) includes kernel warm-up, so SGD's figure is high (on the CNN it exceeds " +
      "SAM's); the real runs will show it.",
    "",
  );
  lines.push("## Parts", "");
  lines.push(
    `Each part fits a session of ${
      hours(plan.sessionSeconds)
    } h with the margin; a session may run ` +
      "several short parts in a row. Run them in order: a setting's finals need its model's tuning. " +
      "Every command resumes; commit the finished run files (`*.json` beside the ignored locks and " +
      "checkpoints) as they appear.",
    "",
  );
  lines.push("| part | what | runs | epochs | estimated h | command |");
  lines.push("| ---: | --- | ---: | ---: | ---: | --- |");
  for (const p of plan.parts) {
    lines.push(
      `| ${p.index} | ${p.what} | ${p.runs} | ${p.epochs} | ${
        hours(p.seconds)
      } | \`${p.command}\` |`,
    );
  }
  const total = plan.parts.reduce((s, p) => s + p.seconds, 0);
  lines.push(
    "",
    `Total: ${plan.parts.reduce((s, p) => s + p.runs, 0)} runs, ${
      hours(total)
    } h with the margin ` +
      `(${hours(total / plan.margin)} h measured), about ${
        Math.ceil(total / plan.sessionSeconds)
      } sessions.`,
    "",
  );
  lines.push("## Cuts (the issue's shrink order)", "");
  lines.push(
    "1. Applied: each method is tuned once per model, on the clean setting, with one seed (100) and " +
      "a 5-epoch schedule without the Hessian; the selected values are reused in the 10%-data and " +
      "20%-noise settings.",
    "2. Not applied: the search spaces keep three values of rho (and of lambda for Trace-, Frob- " +
      "and Det-SAM): 33 trials per model. SGD and Adam are not tuned (one shared learning rate " +
      "0.05 with cosine decay for the SGD family; Adam 0.001 as a reference).",
  );
  if (plan.cut.length > 0) {
    for (const c of plan.cut) {
      lines.push(
        `3. Applied: ${c.model} is left out of the plan: ${c.reason}; it would take ${
          hours(c.seconds)
        } h here (${Math.ceil(c.seconds / plan.sessionSeconds)} sessions). Its presets exist ` +
          `(\`study-${c.model}-*\`) for a faster machine.`,
      );
    }
  } else {
    lines.push("3. Not applied: every model is planned.");
  }
  lines.push(
    "",
    "Final seeds: 0–4 (5 fresh seeds, disjoint from the tuning seed), never fewer.",
    "",
  );
  return lines.join("\n");
}

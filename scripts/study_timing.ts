/**
 * Sizing of the study: seconds per epoch of each model and method on this machine, from short
 * runs with the `study` preset's flags (the middle value of each search space), extrapolated to
 * the full data. Prints a JSON object (and writes it to `--out`), which `results/study/PLAN.md`
 * is computed from. Run it on a quiet machine to resize the plan:
 *
 * `deno run -A scripts/study_timing.ts [--backend auto] [--out results/study/timing.json]`
 *
 * Per model it times, with `train`: each method for one epoch on a few batches (training seconds
 * per image); SGD with the test set at 1,000 and at 4,000 images (evaluation seconds per image);
 * SGD with the Hessian measured once (the Hessian's seconds per measurement).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { train } from "../src/training/train.ts";
import type { BackendName } from "../src/backends/init.ts";
import { studyGrid } from "../src/experiments/presets/study.ts";
import { type GridFlags, optimizerForModel } from "../src/experiments/grid.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "auto" },
    out: { type: "string", default: "results/study/timing.json" },
    models: { type: "string", default: "mlp,cnn,resnet" },
  },
});

/** Training images per timing run: enough batches of 128 to average over, few enough to be quick. */
const IMAGES: Record<string, number> = { mlp: 3840, cnn: 1280, resnet: 640 };

const grid = studyGrid();
const backend = args.values.backend as BackendName;
/** The backend `auto` resolved to, as the run records say. */
let resolvedBackend = backend as string;

async function timed(flags: GridFlags) {
  const started = performance.now();
  const result = await train({ ...grid.common, ...flags, epochs: 1 }, { backend });
  const wall = (performance.now() - started) / 1000;
  const epoch = result.epochs[0];
  resolvedBackend = String(result.environment.backend);
  return { wall, train: epoch.seconds, images: result.counts?.train ?? 0 };
}

const out: Record<string, unknown> = {
  measured: new Date().toISOString(),
  backend,
  load: Deno.loadavg(),
  cores: navigator.hardwareConcurrency,
  models: {} as Record<string, unknown>,
};
for (const model of args.values.models!.split(",")) {
  const images = IMAGES[model];
  const base: GridFlags = { model: model as GridFlags["model"], trainLimit: images };
  const methods: Record<string, number> = {};
  for (const o of grid.optimizers.map((o) => optimizerForModel(o, model))) {
    const middle: GridFlags = {};
    for (const [key, values] of Object.entries(o.search ?? {})) {
      (middle as Record<string, number>)[key] = values[Math.floor(values.length / 2)];
    }
    const t = await timed({
      ...base,
      ...o.flags,
      ...middle,
      optimizer: o.optimizer,
      testLimit: 1000,
      hessianEvery: 0,
    });
    methods[o.label ?? o.optimizer] = t.train / t.images;
    console.error(`${model} ${o.optimizer}: ${(t.train / t.images * 1000).toFixed(3)} ms/image`);
  }
  const small = await timed({ ...base, optimizer: "sgd", testLimit: 1000, hessianEvery: 0 });
  const large = await timed({ ...base, optimizer: "sgd", testLimit: 4000, hessianEvery: 0 });
  const hessian = await timed({ ...base, optimizer: "sgd", testLimit: 1000, hessianEvery: 1 });
  const evalPerImage = Math.max(0, (large.wall - large.train - (small.wall - small.train)) / 3000);
  const hessianSeconds = Math.max(0, hessian.wall - hessian.train - (small.wall - small.train));
  (out.models as Record<string, unknown>)[model] = {
    timedImages: images,
    trainSecondsPerImage: methods,
    evaluationSecondsPerImage: evalPerImage,
    hessianSecondsPerMeasurement: hessianSeconds,
  };
  console.error(
    `${model}: eval ${(evalPerImage * 1000).toFixed(3)} ms/image, Hessian ${
      hessianSeconds.toFixed(1)
    } s`,
  );
}
out.loadAfter = Deno.loadavg();
out.resolvedBackend = resolvedBackend;
await Deno.mkdir(args.values.out!.replace(/\/[^/]*$/, ""), { recursive: true });
await Deno.writeTextFile(args.values.out!, JSON.stringify(out, null, 2) + "\n");
console.log(JSON.stringify(out, null, 2));

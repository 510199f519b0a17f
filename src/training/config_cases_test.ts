/**
 * The training config's table, row by row: every range at its boundaries with its message, which
 * optimizer uses which hyperparameter, each optimizer's defaults, the warnings and advice in full,
 * and the `--help` text as the user reads it.
 */
import assert from "node:assert/strict";
import {
  checkGivenFlags,
  configWarnings,
  DEFAULT_TRAIN_CONFIG,
  DEFAULT_TRAIN_INVOCATION,
  divergenceAdvice,
  makeTrainConfig,
  makeTrainInvocation,
  optimizerDefaults,
  parseTrainArgs,
  type TrainConfig,
  trainHelp,
  validateTrainConfig,
} from "./config.ts";
import { OPTIMIZER_NAMES } from "../optimizers/factory.ts";

Deno.test("each range accepts its boundary values and refuses the next ones, with its message", () => {
  const accepts: Partial<TrainConfig>[] = [
    { momentum: 0 },
    { momentum: 0.999 },
    { gamma: 1 },
    { gamma: 1e-9 },
    { warmup: 0 },
    { epochs: 3, warmup: 2.5 },
    { trainFraction: 1 },
    { labelNoise: 0 },
    { validationFraction: 0 },
    { validationFraction: 0.99 },
    { hessianEvery: 0 },
    { hessianSamples: 2 },
    { optimizer: "trace-sam", samples: 1 },
    { optimizer: "frob-sam", samples: 2 },
    { lambda: 0 },
    { eta: 0 },
    { weightDecay: 0 },
    { batchSize: 1 },
    { epochs: 1 },
    { hessianSubset: 1 },
    { trainLimit: 1 },
    { testLimit: 1 },
    { trainLimit: null, testLimit: null },
    { schedule: "multistep", milestones: [1] },
    { schedule: "constant" },
    { seed: -3 },
    { rho: 1e-12, halfWidth: 1e-12, lr: 1e-12 },
  ];
  for (const partial of accepts) {
    const config = makeTrainConfig(partial);
    for (const [key, value] of Object.entries(partial)) {
      assert.deepEqual(config[key as keyof TrainConfig], value, JSON.stringify(partial));
    }
  }
  const refuses: [Partial<TrainConfig>, string][] = [
    [{ momentum: 1 }, "--momentum must be a number in [0, 1), got 1"],
    [{ momentum: -0.01 }, "--momentum must be a number in [0, 1), got -0.01"],
    [{ gamma: 0 }, "--gamma must be a number in (0, 1], got 0"],
    [{ gamma: 1.01 }, "--gamma must be a number in (0, 1], got 1.01"],
    [{ epochs: 3, warmup: 3 }, "--warmup must be a number of epochs in [0, epochs), got 3"],
    [{ warmup: -1 }, "--warmup must be a number of epochs in [0, epochs), got -1"],
    [{ trainFraction: 1.01 }, "--train-fraction must be in (0, 1], got 1.01"],
    [{ trainFraction: 0 }, "--train-fraction must be in (0, 1], got 0"],
    [
      { labelNoise: -0.1 },
      "--label-noise must be in [0, 1) (1 would corrupt every label, " +
      "leaving nothing true to learn), got -0.1",
    ],
    [{ validationFraction: 1 }, "--validation-fraction must be in [0, 1), got 1"],
    [{ hessianEvery: -1 }, "--hessian-every must be an integer >= 0, got -1"],
    [
      { hessianSamples: 1 },
      "--hessian-samples must be an integer >= 2 (a standard error needs " +
      "two probes), got 1",
    ],
    [
      { optimizer: "frob-sam", samples: 1 },
      "--samples must be an integer >= 1 (>= 2 for " +
      "frob-sam: an unbiased variance), got 1",
    ],
    [
      { optimizer: "trace-sam", samples: 0 },
      "--samples must be an integer >= 1 (>= 2 for " +
      "frob-sam: an unbiased variance), got 0",
    ],
    [{ lambda: -1 }, "--lambda must be a number >= 0, got -1"],
    [{ eta: -1 }, "--eta must be a number >= 0, got -1"],
    [{ weightDecay: -1e-9 }, "--weight-decay must be a number >= 0, got -1e-9"],
    [{ rho: 0 }, "--rho must be a positive number, got 0"],
    [{ halfWidth: 0 }, "--half-width must be a positive number, got 0"],
    [{ lr: 0 }, "--lr must be a positive number, got 0"],
    [{ batchSize: 0 }, "--batch-size must be a positive integer, got 0"],
    [{ epochs: 0 }, "--epochs must be a positive integer, got 0"],
    [{ hessianSubset: 0 }, "--hessian-subset must be a positive integer, got 0"],
    [{ trainLimit: 0 }, "--train-limit must be a positive integer, got 0"],
    [{ testLimit: 0 }, "--test-limit must be a positive integer, got 0"],
    [
      { schedule: "multistep", milestones: [0] },
      "--milestones must be positive integer epochs, got 0",
    ],
    [
      { schedule: "multistep", milestones: [5, 5] },
      "--milestones must be strictly increasing, got 5,5",
    ],
    [
      { schedule: "multistep", milestones: [2, 9, 4] },
      "--milestones must be strictly increasing, got 2,9,4",
    ],
    [
      { schedule: "multistep" },
      "--milestones must name at least one epoch for --schedule multistep",
    ],
    [
      { schedule: "step" as never },
      '--schedule must be one of constant, multistep, cosine, got "step"',
    ],
    [{ model: "vit" as never }, '--model must be one of mlp, cnn, resnet, vgg, wrn, got "vit"'],
    [{ seed: 0.5 }, "--seed must be an integer, got 0.5"],
  ];
  for (const [partial, message] of refuses) {
    assert.throws(() => makeTrainConfig(partial), { message }, JSON.stringify(partial));
  }
  // Integer fields refuse fractions (kind "integer"), whatever their range says.
  for (
    const key of [
      "batchSize",
      "epochs",
      "hessianEvery",
      "hessianSubset",
      "trainLimit",
      "testLimit",
      "seed",
    ] as const
  ) {
    assert.throws(() => makeTrainConfig({ [key]: 2.5 }), {
      name: "RangeError",
      message: `--${
        key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
      } must be an integer, got 2.5`,
    });
  }
  assert.throws(() => makeTrainConfig({ optimizer: "trace-sam", samples: 2.5 }), {
    message: "--samples must be an integer, got 2.5",
  });
  assert.throws(() => makeTrainConfig({ hessianEvery: 1, hessianSamples: 2.5 }), {
    message: "--hessian-samples must be an integer, got 2.5",
  });
  assert.throws(() => makeTrainConfig({ schedule: "multistep", milestones: [1.5] }), {
    message: "--milestones must be an integer, got 1.5",
  });
  assert.throws(() => makeTrainConfig({ epoch: 2 } as never), {
    name: "TypeError",
    message: /^config: unknown key "epoch" \(known: dataset, model, optimizer, rho,/,
  });
  assert.throws(() => parseTrainArgs(["--nope"]), {
    name: "RangeError",
    message: "train: Unknown option '--nope' (see --help)",
  });
  // The rising-milestones check holds for every schedule (a stored config is checked whole).
  assert.throws(
    () => validateTrainConfig({ ...DEFAULT_TRAIN_CONFIG, milestones: [3, 1] }),
    /strictly increasing, got 3,1/,
  );
});

Deno.test("makeTrainConfig refuses non-objects, drops undefined fields and copies the milestones", () => {
  for (const [value, shown] of [[null, "null"], [[1], "[1]"], [5, "5"]] as const) {
    assert.throws(() => makeTrainConfig(value as never), {
      name: "TypeError",
      message: `config must be an object, got ${shown}`,
    });
  }
  assert.throws(
    () => makeTrainConfig({ optimizer: "lion" as never }),
    /--optimizer must be one of/,
  );
  const config = makeTrainConfig({ lr: undefined, optimizer: undefined, epochs: 4 });
  assert.deepEqual(config, { ...DEFAULT_TRAIN_CONFIG, epochs: 4 });
  const milestones = [2, 4];
  const multistep = makeTrainConfig({ schedule: "multistep", milestones });
  milestones.push(1);
  assert.deepEqual(multistep.milestones, [2, 4]);
  const fresh = makeTrainConfig({});
  fresh.milestones.push(3);
  assert.deepEqual(DEFAULT_TRAIN_CONFIG.milestones, []);
  assert.deepEqual(makeTrainConfig({}).milestones, []);
  assert.ok(Object.isFrozen(DEFAULT_TRAIN_CONFIG) && Object.isFrozen(DEFAULT_TRAIN_INVOCATION));
});

Deno.test("makeTrainInvocation: defaults, undefined fields dropped, every field validated", () => {
  assert.deepEqual(makeTrainInvocation(), {
    out: null,
    resume: false,
    backend: "auto",
    dataDir: null,
    allowBackendChange: false,
  });
  assert.deepEqual(makeTrainInvocation(null as never), { ...DEFAULT_TRAIN_INVOCATION });
  assert.deepEqual(makeTrainInvocation({ out: undefined, resume: true }), {
    ...DEFAULT_TRAIN_INVOCATION,
    resume: true,
  });
  assert.throws(() => makeTrainInvocation({ resume: "yes" as never }), {
    name: "TypeError",
    message: '--resume must be a boolean, got "yes"',
  });
  assert.throws(() => makeTrainInvocation({ out: "" }), /--out must be a non-empty string/);
  assert.throws(
    () => makeTrainInvocation({ epochs: 2 } as never),
    /^TypeError: invocation: unknown key "epochs"/,
  );
});

Deno.test("each optimizer's defaults, and which optimizers each hyperparameter flag is for", () => {
  const base = { rho: 0.05, lambda: 1, samples: 1, eta: 0.01, halfWidth: 0.01, lr: 0.03 };
  const expected: Record<string, typeof base> = {
    sgd: base,
    adam: { ...base, lr: 0.001 },
    sam: base,
    asam: { ...base, rho: 0.5 },
    "trace-sam": { ...base, rho: 0.01 },
    "frob-sam": { ...base, rho: 0.01, lambda: 1e-4, samples: 2 },
    "det-sam": { ...base, rho: 1 },
  };
  assert.deepEqual([...OPTIMIZER_NAMES].sort(), Object.keys(expected).sort());
  for (const name of OPTIMIZER_NAMES) {
    assert.deepEqual(optimizerDefaults(name), expected[name], name);
  }
  // THEORY.md: rho for the whole SAM family; lambda and n for the universal class; eta for ASAM;
  // h for Det-SAM; momentum for every SGD-based optimizer.
  const users: Record<string, string[]> = {
    rho: ["sam", "asam", "trace-sam", "frob-sam", "det-sam"],
    lambda: ["trace-sam", "frob-sam", "det-sam"],
    samples: ["trace-sam", "frob-sam", "det-sam"],
    eta: ["asam"],
    halfWidth: ["det-sam"],
    momentum: ["sgd", "sam", "asam", "trace-sam", "frob-sam", "det-sam"],
  };
  for (const [key, list] of Object.entries(users)) {
    for (const optimizer of OPTIMIZER_NAMES) {
      const config = makeTrainConfig({ optimizer });
      if (list.includes(optimizer)) {
        assert.equal(checkGivenFlags(config, [key]), undefined, `${key} ${optimizer}`);
      } else {
        const flag = key === "halfWidth" ? "half-width" : key;
        assert.throws(() => checkGivenFlags(config, ["optimizer", key]), {
          name: "RangeError",
          message: `--${flag} has no effect with --optimizer ${optimizer} (it is used by ` +
            `${list.join(", ")}); remove it`,
        });
      }
    }
  }
  // Flags every optimizer uses are never refused.
  assert.equal(
    checkGivenFlags(makeTrainConfig({ optimizer: "adam" }), ["lr", "epochs", "seed"]),
    undefined,
  );
  assert.throws(() => checkGivenFlags(makeTrainConfig({}), ["weightDecay", "gamma"]), {
    name: "RangeError",
    message: "--gamma has no effect with --schedule cosine (only multistep uses it); remove it " +
      "or add --schedule multistep",
  });
  assert.throws(() => checkGivenFlags(makeTrainConfig({ schedule: "constant" }), ["milestones"]), {
    message: "--milestones has no effect with --schedule constant (only multistep uses it); " +
      "remove it or add --schedule multistep",
  });
  assert.throws(() => checkGivenFlags(makeTrainConfig({}), ["hessianSubset"]), {
    name: "RangeError",
    message:
      "--hessian-subset has no effect without --hessian-every k (the Hessian is not measured)",
  });
  assert.equal(
    checkGivenFlags(makeTrainConfig({ hessianEvery: 3 }), ["hessianSubset", "hessianSamples"]),
    undefined,
  );
});

Deno.test("the warnings and the divergence advice, word for word", () => {
  assert.deepEqual(configWarnings(makeTrainConfig({ batchSize: 64 }), 63), [
    "--batch-size 64 is larger than the 63 training images: every step takes the whole set " +
    "(one step per epoch)",
  ]);
  assert.deepEqual(configWarnings(makeTrainConfig({ batchSize: 64 })), []);
  const tiny = makeTrainConfig({ optimizer: "det-sam", rho: 2, halfWidth: 1e-7 });
  assert.deepEqual(configWarnings(tiny), [
    "--half-width 1e-7 with --rho 2 perturbs by at most 2.00e-7, below float32 resolution of the " +
    "weights (about 1e-7 of their size): the perturbed gradients equal the plain one and the run " +
    "is SGD's; use --half-width >= 5e-7",
  ]);
  // At exactly 1e-6 the perturbation is kept; other optimizers ignore the half-width.
  assert.deepEqual(
    configWarnings(makeTrainConfig({ optimizer: "det-sam", rho: 1, halfWidth: 1e-6 })),
    [],
  );
  assert.deepEqual(configWarnings(makeTrainConfig({ optimizer: "sam", halfWidth: 1e-30 })), []);
  assert.equal(configWarnings({ ...tiny, batchSize: 100 }, 10).length, 2);
  assert.equal(
    divergenceAdvice(makeTrainConfig({ optimizer: "det-sam", rho: 3, lambda: 2, lr: 0.1 })),
    "det-sam with rho 3, lambda 2: λ/ρ² = 0.2222 scales the penalty's gradient; lower it " +
      "(a larger --rho or a smaller --lambda; the ci preset trains with λ/ρ² = 1), or try a " +
      "smaller --lr (now 0.1)",
  );
  assert.equal(
    divergenceAdvice(makeTrainConfig({ optimizer: "asam" })),
    "try a smaller --rho (now 0.5) or a smaller --lr (now 0.03)",
  );
  assert.equal(
    divergenceAdvice(makeTrainConfig({ optimizer: "adam" })),
    "try a smaller --lr (now 0.001)",
  );
  assert.match(
    divergenceAdvice(makeTrainConfig({ optimizer: "frob-sam" })),
    /^frob-sam with .*λ\/ρ² = 1 /,
  );
});

Deno.test("--help reads, flag by flag, what each option is and its default", () => {
  const lines = trainHelp().split("\n");
  assert.deepEqual(lines.slice(0, 4), [
    "Usage: deno task train [flags]",
    "",
    "Trains one model with one optimizer and writes a JSON result (ARCHITECTURE.md, run result).",
    "",
  ]);
  assert.equal(lines.at(-1), "");
  const rows = new Map(
    lines.slice(4, -1).map((line) => {
      const m = /^ {2}(-h, --help|--[a-z-]+(?: <value>)?) +(.*)$/.exec(line);
      assert.ok(m, `help line ${JSON.stringify(line)}`);
      return [m[1].replace(" <value>", ""), m[2]];
    }),
  );
  const expected: [string, string][] = [
    ["--dataset", "fashion-mnist | mnist | cifar10 | cifar100 | svhn (default: fashion-mnist)"],
    ["--model", "mlp | cnn | resnet | vgg | wrn (default: mlp)"],
    ["--optimizer", "sgd | adam | sam | asam | trace-sam | frob-sam | det-sam (default: sgd)"],
    [
      "--rho",
      "perturbation radius (default: sam 0.05, asam 0.5, trace-sam 0.01, frob-sam 0.01, det-sam 1)",
    ],
    ["--lambda", "penalty weight (trace-sam, frob-sam, det-sam) (default: 1, frob-sam 1e-4)"],
    ["--samples", "perturbations per step (trace-sam, frob-sam, det-sam) (default: 1, frob-sam 2)"],
    ["--eta", "ASAM adaptive offset (default: 0.01)"],
    ["--half-width", "Det-SAM cube half-width (default: 0.01)"],
    ["--lr", "base learning rate (default: 0.03, adam 0.001)"],
    ["--momentum", "SGD momentum (not adam) (default: 0.8)"],
    ["--weight-decay", "L2 weight decay (default: 0)"],
    ["--batch-size", "training batch size (default: 32)"],
    ["--epochs", "training epochs (default: 10)"],
    ["--schedule", "constant | multistep | cosine (default: cosine)"],
    ["--milestones", "multistep epochs, comma-separated (e.g. 50,100,150) (default: none)"],
    ["--gamma", "multistep factor (default: 0.1)"],
    ["--warmup", "epochs of linear warmup (may be fractional) (default: 0)"],
    ["--seed", "seed of every random stream (default: 0)"],
    ["--train-fraction", "seeded fraction of train set kept (default: 1)"],
    ["--label-noise", "seeded fraction of labels corrupted (default: 0)"],
    [
      "--validation-fraction",
      "seeded stratified fraction of the learner's data (after --train-fraction and " +
      "--label-noise) held out for validation; 0 = none (default: 0)",
    ],
    ["--hessian-every", "Hessian measures every k epochs (0 = off) (default: 0)"],
    ["--hessian-samples", "Hutchinson probes and Lanczos steps (default: 20)"],
    ["--hessian-subset", "fixed seeded subset for the Hessian (default: 1000)"],
    ["--train-limit", "first N training images only (default: all)"],
    ["--test-limit", "first N test images only (default: all)"],
    [
      "--out",
      "result JSON; checkpoints go to <out without .json>.checkpoint/ (default: " +
      "results/runs/train-<timestamp>-<pid>.json)",
    ],
    ["--resume", "continue from the checkpoint of --out (default: false)"],
    ["--backend", "auto | native | wasm | webgpu | tensorflow | cpu (default: auto)"],
    ["--data-dir", "dataset directory (default: $USAM_DATA, cache, /usr/share/datasets)"],
    [
      "--allow-backend-change",
      "with --resume: continue a checkpoint written on another backend (refused otherwise) " +
      "(default: false)",
    ],
    ["-h, --help", "show this help"],
  ];
  assert.deepEqual([...rows.entries()], expected);
  // The defaults the help names are the ones a run without flags gets.
  const parsed = parseTrainArgs([]);
  assert.equal(parsed.config?.hessianSubset, 1000);
  assert.equal(parsed.config?.momentum, 0.8);
});

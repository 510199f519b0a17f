import assert from "node:assert/strict";
import {
  configWarnings,
  DEFAULT_TRAIN_CONFIG,
  DEFAULT_TRAIN_INVOCATION,
  divergenceAdvice,
  makeTrainConfig,
  parseTrainArgs,
  trainHelp,
  validateTrainConfig,
} from "./config.ts";

function parse(argv: string[]) {
  const parsed = parseTrainArgs(argv);
  assert.equal(parsed.help, false);
  return { ...parsed.config!, ...parsed.invocation! };
}

Deno.test("no flags gives the documented defaults", () => {
  assert.deepEqual(parse([]), { ...DEFAULT_TRAIN_CONFIG, ...DEFAULT_TRAIN_INVOCATION });
  assert.equal(DEFAULT_TRAIN_CONFIG.validationFraction, 0);
  assert.equal(DEFAULT_TRAIN_CONFIG.dataset, "fashion-mnist");
  assert.equal(DEFAULT_TRAIN_CONFIG.optimizer, "sgd");
});

Deno.test("every flag reaches its config field", () => {
  const config = parse([
    "--dataset=mnist",
    "--model",
    "cnn",
    "--optimizer",
    "det-sam",
    "--rho",
    "0.5",
    "--lambda",
    "2",
    "--samples",
    "3",
    "--half-width",
    "0.02",
    "--lr",
    "0.001",
    "--momentum",
    "0",
    "--weight-decay",
    "5e-4",
    "--batch-size",
    "128",
    "--epochs",
    "200",
    "--schedule",
    "multistep",
    "--milestones",
    "50,100,150",
    "--gamma",
    "0.2",
    "--warmup",
    "1.5",
    "--seed=-7",
    "--backend",
    "wasm",
    "--train-fraction",
    "0.1",
    "--label-noise",
    "0.2",
    "--validation-fraction",
    "0.15",
    "--hessian-every",
    "2",
    "--hessian-samples",
    "5",
    "--hessian-subset",
    "256",
    "--train-limit",
    "10000",
    "--test-limit",
    "500",
    "--out",
    "/tmp/run.json",
    "--resume",
    "--data-dir",
    "/data",
    "--allow-backend-change",
  ]);
  assert.deepEqual(config, {
    dataset: "mnist",
    model: "cnn",
    optimizer: "det-sam",
    rho: 0.5,
    lambda: 2,
    samples: 3,
    eta: 0.01,
    halfWidth: 0.02,
    lr: 0.001,
    momentum: 0,
    weightDecay: 5e-4,
    batchSize: 128,
    epochs: 200,
    schedule: "multistep",
    milestones: [50, 100, 150],
    gamma: 0.2,
    warmup: 1.5,
    seed: -7,
    backend: "wasm",
    trainFraction: 0.1,
    labelNoise: 0.2,
    validationFraction: 0.15,
    hessianEvery: 2,
    hessianSamples: 5,
    hessianSubset: 256,
    trainLimit: 10000,
    testLimit: 500,
    out: "/tmp/run.json",
    resume: true,
    dataDir: "/data",
    allowBackendChange: true,
  });
});

Deno.test("optimizer hyperparameters default to the authors' settings of that optimizer", () => {
  assert.equal(parse(["--optimizer", "sam"]).rho, 0.05);
  assert.equal(parse(["--optimizer", "asam"]).rho, 0.5);
  assert.equal(parse(["--optimizer", "asam"]).eta, 0.01);
  assert.equal(parse(["--optimizer", "asam", "--eta", "0.1"]).eta, 0.1);
  // Not the authors' CIFAR values (λ/ρ² = 200, in the paper preset): those diverge on the
  // default MLP (scripts/frob_sam_defaults.ts).
  const frob = parse(["--optimizer", "frob-sam"]);
  assert.deepEqual([frob.rho, frob.lambda, frob.samples], [0.01, 1e-4, 2]);
  const det = parse(["--optimizer", "det-sam"]);
  assert.deepEqual([det.rho, det.lambda, det.samples, det.halfWidth], [1, 1, 1, 0.01]);
  assert.equal(parse(["--optimizer", "trace-sam", "--rho", "0.2"]).rho, 0.2);
  // Adam's own step size unless --lr is given; the SGD family keeps 0.03.
  assert.equal(parse(["--optimizer", "adam"]).lr, 0.001);
  assert.equal(parse(["--optimizer", "adam", "--lr", "0.01"]).lr, 0.01);
  assert.equal(parse(["--optimizer", "sam"]).lr, 0.03);
});

Deno.test("invalid values are rejected with an error naming the flag and the value", () => {
  const cases: [string[], RegExp][] = [
    [["--lr=-1"], /--lr.*-1/],
    [["--lr", "abc"], /--lr.*abc/],
    [["--lr", ""], /--lr/],
    [["--epochs", "1.5"], /--epochs.*1\.5/],
    [["--epochs", "0"], /--epochs.*0/],
    [["--batch-size", "0x10"], /--batch-size.*0x10/],
    [["--optimizer", "lion"], /--optimizer.*lion/],
    [["--model", "vit"], /--model.*vit/],
    [["--schedule", "step"], /--schedule.*step/],
    [["--backend", "cuda"], /--backend.*cuda/],
    [["--schedule", "multistep"], /--milestones/],
    [["--schedule", "multistep", "--milestones", "5,3"], /--milestones.*5,3/],
    [["--momentum", "1"], /--momentum.*1/],
    [["--train-fraction", "0"], /--train-fraction.*0/],
    [["--label-noise", "1.5"], /--label-noise.*1\.5/],
    [["--validation-fraction", "1"], /--validation-fraction.*1/],
    [["--validation-fraction=-0.1"], /--validation-fraction.*-0\.1/],
    [["--rho", "0"], /--rho.*0/],
    [["--optimizer", "frob-sam", "--samples", "1"], /--samples.*1/],
    [["--warmup", "10"], /--warmup.*10/],
    [["--hessian-every=-1"], /--hessian-every.*-1/],
    [["--train-limit", "0"], /--train-limit.*0/],
    [["--no-such-flag"], /no-such-flag/],
    [["positional"], /positional/],
    [["--lr"], /--lr/],
  ];
  for (const [argv, pattern] of cases) {
    assert.throws(() => parseTrainArgs(argv), pattern, `argv ${argv.join(" ")}`);
  }
  assert.throws(() => makeTrainConfig({ lr: Number.NaN }), TypeError);
  assert.throws(
    () => validateTrainConfig({ ...DEFAULT_TRAIN_CONFIG, bogus: 1 } as never),
    /bogus/,
  );
  // A typo in a config key is refused, naming the key.
  assert.throws(() => makeTrainConfig({ epoch: 2 } as never), /unknown key "epoch"/);
});

Deno.test("the experiment config and the invocation options are apart", () => {
  const parsed = parseTrainArgs(["--backend", "cpu", "--out", "x.json", "--epochs", "2"]);
  assert.equal(parsed.help, false);
  assert.ok(!("backend" in parsed.config!) && !("out" in parsed.config!));
  assert.equal(parsed.invocation!.backend, "cpu");
  assert.equal(parsed.config!.epochs, 2);
  assert.throws(() => makeTrainConfig({ backend: "cpu" } as never), /unknown key "backend"/);
  // `--lr -1` is parsed as a value (and refused by its range), not as an unknown flag.
  assert.throws(() => parseTrainArgs(["--lr", "-1"]), /--lr must be a positive number, got -1/);
});

Deno.test("--help is recognized and lists every flag with its default", () => {
  assert.deepEqual(parseTrainArgs(["--help"]), { help: true });
  assert.deepEqual(parseTrainArgs(["-h", "--lr", "1"]), { help: true });
  const help = trainHelp();
  const flags = [
    "dataset",
    "model",
    "optimizer",
    "rho",
    "lambda",
    "samples",
    "eta",
    "half-width",
    "lr",
    "momentum",
    "weight-decay",
    "batch-size",
    "epochs",
    "schedule",
    "milestones",
    "gamma",
    "warmup",
    "seed",
    "backend",
    "train-fraction",
    "label-noise",
    "validation-fraction",
    "hessian-every",
    "hessian-samples",
    "hessian-subset",
    "train-limit",
    "test-limit",
    "out",
    "resume",
    "data-dir",
  ];
  for (const flag of flags) {
    const line = help.split("\n").find((l) => l.trimStart().startsWith(`--${flag} `));
    assert.ok(line, `--help lacks --${flag}`);
    if (flag !== "resume") assert.match(line, /\(default: .+\)/, `--${flag} has no default`);
  }
  assert.match(help, /--lr <value>\s+base learning rate \(default: 0\.03, adam 0\.001\)/);
  assert.match(help, /--optimizer <value>.*\(default: sgd\)/);
});

Deno.test("flags that would change nothing are refused before any work, naming flag and reason", () => {
  const cases: [string[], RegExp][] = [
    [["--optimizer", "sgd", "--rho", "5"], /--rho has no effect with --optimizer sgd/],
    [["--rho", "5"], /--rho has no effect with --optimizer sgd/],
    [["--optimizer", "sam", "--lambda", "1"], /--lambda has no effect with --optimizer sam/],
    [["--optimizer", "sam", "--samples", "2"], /--samples has no effect with --optimizer sam/],
    [["--optimizer", "trace-sam", "--eta", "0.1"], /--eta has no effect/],
    [["--optimizer", "frob-sam", "--half-width", "0.1"], /--half-width has no effect/],
    [
      ["--optimizer", "adam", "--momentum", "0.5"],
      /--momentum has no effect with --optimizer adam/,
    ],
    [["--milestones", "5"], /--milestones has no effect with --schedule cosine/],
    [["--gamma", "0.5"], /--gamma has no effect/],
    [["--hessian-samples", "5"], /--hessian-samples has no effect without --hessian-every/],
    [["--hessian-subset", "100"], /--hessian-subset has no effect/],
    // 1 corrupts every label; 1 Hessian probe gives no standard error (it failed after epoch 1).
    [["--label-noise", "1"], /--label-noise must be in \[0, 1\) \(1 would corrupt every label/],
    [
      ["--hessian-every", "1", "--hessian-samples", "1"],
      /--hessian-samples must be an integer >= 2/,
    ],
    [["--dataset", "imagenet"], /--dataset must be one of fashion-mnist, .*got "imagenet"/],
  ];
  for (const [argv, pattern] of cases) {
    assert.throws(() => parseTrainArgs(argv), pattern, `argv ${argv.join(" ")}`);
  }
  // The same values where they do something are accepted.
  assert.equal(parse(["--optimizer", "sam", "--rho", "5"]).rho, 5);
  assert.equal(
    parse(["--schedule", "multistep", "--milestones", "5", "--gamma", "0.5"]).gamma,
    0.5,
  );
  assert.equal(parse(["--hessian-every", "1", "--hessian-samples", "2"]).hessianSamples, 2);
  assert.equal(parse(["--label-noise", "0.99"]).labelNoise, 0.99);
  // A complete config (a checkpoint's, a grid's) holds every field: only given flags are checked.
  assert.equal(makeTrainConfig({ ...DEFAULT_TRAIN_CONFIG, optimizer: "sgd" }).rho, 0.05);
});

Deno.test("warnings name flags that are valid but will not do what they say", () => {
  const big = configWarnings(makeTrainConfig({ batchSize: 5000 }), 2000);
  assert.equal(big.length, 1);
  assert.match(big[0], /--batch-size 5000 is larger than the 2000 training images/);
  assert.deepEqual(configWarnings(makeTrainConfig({ batchSize: 2000 }), 2000), []);
  // rho·h = 1e-30 vanishes next to float32 weights: Det-SAM's step is SGD's.
  const tiny = configWarnings(makeTrainConfig({ optimizer: "det-sam", halfWidth: 1e-30 }));
  assert.equal(tiny.length, 1);
  assert.match(tiny[0], /--half-width 1e-30 .* the run is SGD's; use --half-width >= 0.000001/);
  assert.deepEqual(configWarnings(makeTrainConfig({ optimizer: "det-sam" })), []);
});

Deno.test("the divergence advice names λ/ρ² for the penalty optimizers and what to change", () => {
  const authors = makeTrainConfig({ optimizer: "frob-sam", rho: 0.005, lambda: 0.005 });
  assert.match(divergenceAdvice(authors), /rho 0.005, lambda 0.005: λ\/ρ² = 200 /);
  assert.match(divergenceAdvice(authors), /a larger --rho or a smaller --lambda/);
  assert.match(divergenceAdvice(makeTrainConfig({ optimizer: "trace-sam" })), /λ\/ρ² = 10000/);
  assert.match(
    divergenceAdvice(makeTrainConfig({ optimizer: "sam" })),
    /smaller --rho \(now 0.05\)/,
  );
  assert.match(divergenceAdvice(makeTrainConfig({})), /smaller --lr \(now 0.03\)/);
});

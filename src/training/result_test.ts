import assert from "node:assert/strict";
import {
  parseRunRecord,
  parseRunResult,
  readRunResult,
  runBackends,
  writeRunResult,
} from "./result.ts";
import { DEFAULT_TRAIN_CONFIG } from "./config.ts";

const epoch = {
  epoch: 1,
  trainLoss: 1,
  trainAccuracy: 0.5,
  testLoss: 1,
  testAccuracy: 0.5,
  seconds: 2,
  gradientEvaluations: 10,
};
const record = (epochs: unknown[]) => ({
  status: "completed",
  config: {},
  environment: { backend: "cpu" },
  epochs,
  final: { testAccuracy: 0.5, testLoss: 1, trainLoss: 1, seconds: 2 },
});

Deno.test("run records: per-epoch backend, Hessian and CPU seconds are read back, and validated", () => {
  const read = parseRunResult(
    record([{ ...epoch, backend: "wasm", hessianSeconds: 4.5, cpuSeconds: 1.25 }, {
      ...epoch,
      epoch: 2,
    }]),
    "r.json",
  );
  assert.equal(read.epochs[0].backend, "wasm");
  assert.equal(read.epochs[0].hessianSeconds, 4.5);
  assert.equal(read.epochs[0].cpuSeconds, 1.25);
  assert.equal(read.epochs[1].cpuSeconds, undefined);
  assert.throws(
    () => parseRunResult(record([{ ...epoch, cpuSeconds: "1.2" }]), "r.json"),
    /epochs\[0\]\.cpuSeconds/,
  );
  // An older file without the fields stays readable, its backend taken from the environment.
  assert.equal(read.epochs[1].backend, undefined);
  assert.deepEqual(runBackends(read), ["wasm", "cpu"]);
  assert.throws(
    () => parseRunResult(record([{ ...epoch, backend: 3 }]), "r.json"),
    /r\.json: field epochs\[0\]\.backend is invalid, got 3/,
  );
  assert.throws(
    () => parseRunResult(record([{ ...epoch, hessianSeconds: "slow" }]), "r.json"),
    /epochs\[0\]\.hessianSeconds/,
  );
});

const labels = {
  id: "g-1",
  grid: "g",
  dataset: "mnist",
  model: "mlp",
  method: "sam",
  setting: "clean",
  seed: 3,
};

Deno.test("run records: a complete file is read back field by field", () => {
  const json = {
    ...record([{
      ...epoch,
      validationLoss: 0.9,
      validationAccuracy: 0.6,
      imagesPerSecond: 500,
      hessianSeconds: 1.5,
      hessian: {
        trace: 10,
        frobenius: null,
        topEigenvalue: 4,
        standardError: { trace: 0.5, frobenius: null, topEigenvalue: 0.1 },
        samples: 20,
      },
    }]),
    environment: { backend: "cpu", machine: "m" },
    final: {
      testAccuracy: 0.5,
      testLoss: null,
      trainLoss: 1,
      seconds: 2,
      validationAccuracy: 0.6,
      validationLoss: 0.9,
    },
    counts: { train: 100, validation: 10, test: 50 },
    run: { ...labels, phase: "tuning", trial: "rho=0.1" },
  };
  const read = parseRunResult(json, "r.json");
  assert.equal(read.status, "completed");
  assert.deepEqual(read.environment, { backend: "cpu", machine: "m" });
  assert.deepEqual(read.counts, { train: 100, validation: 10, test: 50 });
  assert.equal(read.failure, undefined);
  assert.deepEqual(read.run, { ...labels, phase: "tuning", trial: "rho=0.1" });
  const e = read.epochs[0];
  assert.deepEqual(
    [e.validationLoss, e.validationAccuracy, e.imagesPerSecond, e.hessianSeconds],
    [0.9, 0.6, 500, 1.5],
  );
  assert.equal(e.cpuSeconds, undefined);
  assert.ok(!("cpuSeconds" in e) && !("backend" in e), "absent optional fields stay absent");
  // JSON's null for a non-finite measure comes back as NaN.
  assert.deepEqual(e.hessian, {
    trace: 10,
    frobenius: Number.NaN,
    topEigenvalue: 4,
    standardError: { trace: 0.5, frobenius: Number.NaN, topEigenvalue: 0.1 },
    samples: 20,
  });
  // A null loss (a diverged run's) is NaN; the rest of final is kept, validation included.
  assert.deepEqual(read.final, {
    testAccuracy: 0.5,
    testLoss: Number.NaN,
    trainLoss: 1,
    seconds: 2,
    validationAccuracy: 0.6,
    validationLoss: 0.9,
  });
  // Without the optional parts: no counts, no run, an environment that is not an object.
  const bare = parseRunResult({ ...record([epoch]), environment: "cpu" }, "r.json");
  assert.ok(!("counts" in bare) && !("run" in bare) && !("failure" in bare));
  assert.deepEqual(bare.environment, {});
  assert.deepEqual(Object.keys(bare.final!), ["testAccuracy", "testLoss", "trainLoss", "seconds"]);
  // A Hessian without standard errors or probe count, and a null Hessian, are accepted.
  const plainHessian = parseRunResult(
    record([{ ...epoch, hessian: { trace: 1, frobenius: 2, topEigenvalue: 3, standardError: 5 } }, {
      ...epoch,
      hessian: null,
    }]),
    "r.json",
  );
  assert.deepEqual(plainHessian.epochs[0].hessian, { trace: 1, frobenius: 2, topEigenvalue: 3 });
  assert.ok(!("hessian" in plainHessian.epochs[1]));
});

Deno.test("run records: failed runs keep their failure, or get a placeholder message", () => {
  const failed = { status: "failed", config: {}, epochs: [epoch], final: null };
  const withFailure = parseRunResult(
    { ...failed, failure: { message: "diverged", step: 7, epoch: 2 } },
    "f.json",
  );
  assert.deepEqual(withFailure.failure, { message: "diverged", step: 7, epoch: 2 });
  assert.equal(withFailure.final, null, "a failed run has no final figures, even if given");
  assert.deepEqual(
    parseRunResult({ ...failed, failure: { message: "m", step: "7", epoch: null } }, "f.json")
      .failure,
    { message: "m" },
  );
  assert.deepEqual(parseRunResult(failed, "f.json").failure, {
    message: "(no failure message recorded)",
  });
  assert.throws(
    () => parseRunResult({ ...failed, failure: { message: 3 } }, "f.json"),
    /f\.json: field failure\.message is invalid, got 3/,
  );
  // A completed run may carry a failure record (a resume after a failed epoch), read as given.
  assert.deepEqual(
    parseRunResult({ ...record([epoch]), failure: { message: "x" } }, "r.json").failure,
    { message: "x" },
  );
  assert.equal(parseRunResult(record([epoch]), "r.json").failure, undefined);
});

Deno.test("run records: each invalid field is named with its path and value", () => {
  const good = { ...record([epoch]), counts: { train: 1, validation: 0, test: 1 }, run: labels };
  const bad = (patch: Record<string, unknown>) => ({ ...good, ...patch });
  const cases: [unknown, string][] = [
    [null, "f.json: field (root) is invalid, got null"],
    [[good], "f.json: field (root) is invalid, got [{"],
    [bad({ status: "running" }), 'f.json: field status is invalid, got "running"'],
    [bad({ status: undefined }), "f.json: field status is invalid, got undefined"],
    [bad({ config: null }), "f.json: field config is invalid, got null"],
    [bad({ config: [] }), "f.json: field config is invalid, got []"],
    [bad({ epochs: {} }), "f.json: field epochs is invalid, got {}"],
    [bad({ epochs: [epoch, 5] }), "f.json: field epochs[1] is invalid, got 5"],
    [bad({ epochs: [{ ...epoch, testAccuracy: null }] }), "field epochs[0].testAccuracy"],
    [
      bad({ epochs: [{ ...epoch, trainLoss: "1" }] }),
      'field epochs[0].trainLoss is invalid, got "1"',
    ],
    [bad({ epochs: [{ ...epoch, backend: "" }] }), 'field epochs[0].backend is invalid, got ""'],
    [bad({ epochs: [{ ...epoch, hessian: [1] }] }), "field epochs[0].hessian is invalid, got [1]"],
    [
      bad({ epochs: [{ ...epoch, hessian: { trace: 1, frobenius: 1 } }] }),
      "epochs[0].hessian.topEigenvalue is invalid, got undefined",
    ],
    [
      bad({
        epochs: [{
          ...epoch,
          hessian: { trace: 1, frobenius: 1, topEigenvalue: 1, standardError: { trace: "x" } },
        }],
      }),
      'epochs[0].hessian.standardError.trace is invalid, got "x"',
    ],
    [
      bad({
        epochs: [{ ...epoch, hessian: { trace: 1, frobenius: 1, topEigenvalue: 1, samples: "2" } }],
      }),
      'epochs[0].hessian.samples is invalid, got "2"',
    ],
    [bad({ final: null }), "f.json: field final is invalid, got null"],
    [
      bad({ final: { ...good.final, seconds: undefined } }),
      "field final.seconds is invalid, got undefined",
    ],
    [
      bad({ final: { ...good.final, testAccuracy: 1.5 } }),
      "field final.testAccuracy is invalid, got 1.5",
    ],
    [
      bad({ final: { ...good.final, testAccuracy: -0.1 } }),
      "field final.testAccuracy is invalid, got -0.1",
    ],
    [
      bad({ final: { ...good.final, testAccuracy: null } }),
      "field final.testAccuracy is invalid, got null",
    ],
    [bad({ final: { ...good.final, validationLoss: "x" } }), "field final.validationLoss"],
    [bad({ counts: [1, 2, 3] }), "field counts is invalid, got [1,2,3]"],
    [bad({ counts: { train: 1, validation: 0 } }), "field counts.test is invalid, got undefined"],
    [bad({ run: "g-1" }), 'field run is invalid, got "g-1"'],
    [bad({ run: { ...labels, id: "" } }), 'field run.id is invalid, got ""'],
    [bad({ run: { ...labels, setting: 4 } }), "field run.setting is invalid, got 4"],
    [bad({ run: { ...labels, seed: 1.5 } }), "field run.seed is invalid, got 1.5"],
    [bad({ run: { ...labels, phase: "draft" } }), 'field run.phase is invalid, got "draft"'],
    [bad({ run: { ...labels, trial: "" } }), 'field run.trial is invalid, got ""'],
  ];
  for (const [json, message] of cases) {
    assert.throws(
      () => parseRunResult(json, "f.json"),
      (error: Error) => error instanceof TypeError && error.message.includes(message),
      `expected ${message}`,
    );
  }
  for (const field of ["grid", "dataset", "model", "method"]) {
    assert.throws(
      () => parseRunResult(bad({ run: { ...labels, [field]: "" } }), "f.json"),
      new RegExp(`field run\\.${field} is invalid`),
    );
  }
  for (const field of Object.keys(epoch)) {
    assert.throws(
      () => parseRunResult(bad({ epochs: [{ ...epoch, [field]: undefined }] }), "f.json"),
      new RegExp(`field epochs\\[0\\]\\.${field} is invalid, got undefined`),
    );
  }
  // Long values are cut to 80 characters in the message.
  const long = "x".repeat(200);
  assert.throws(
    () => parseRunResult(bad({ status: long }), "f.json"),
    (error: Error) => error.message === `f.json: field status is invalid, got "${"x".repeat(79)}`,
  );
  for (const key of ["testAccuracy", "testLoss", "trainLoss", "seconds"]) {
    assert.throws(
      () => parseRunResult(bad({ final: { ...good.final, [key]: "x" } }), "f.json"),
      { message: `f.json: field final.${key} is invalid, got "x"` },
    );
  }
  for (const key of ["train", "validation", "test"]) {
    assert.throws(
      () => parseRunResult(bad({ counts: { ...good.counts, [key]: "x" } }), "f.json"),
      { message: `f.json: field counts.${key} is invalid, got "x"` },
    );
  }
  // Accuracy is a fraction: both ends of [0, 1] are valid.
  for (const testAccuracy of [0, 1]) {
    assert.equal(
      parseRunResult(bad({ final: { ...good.final, testAccuracy } }), "f").final?.testAccuracy,
      testAccuracy,
    );
  }
  // Valid labels with a final phase and none at all are accepted.
  assert.equal(
    parseRunResult(bad({ run: { ...labels, phase: "final" } }), "f").run?.phase,
    "final",
  );
  assert.equal(parseRunResult(good, "f").run?.phase, undefined);
});

Deno.test("runBackends: the environment's backend stands in for epochs without one, once", () => {
  const epochs = [epoch, { ...epoch, epoch: 2 }];
  assert.deepEqual(runBackends({ environment: { backend: "cpu" }, epochs }), ["cpu"]);
  assert.deepEqual(runBackends({ environment: { backend: "cpu" }, epochs: [] }), ["cpu"]);
  assert.deepEqual(runBackends({ environment: {}, epochs }), []);
  assert.deepEqual(runBackends({ environment: { backend: 3 }, epochs: [] }), []);
  assert.deepEqual(
    runBackends({
      environment: {},
      epochs: [{ ...epoch, backend: "wasm" }, epoch, { ...epoch, backend: "wasm" }],
    }),
    ["wasm"],
  );
});

Deno.test("writeRunResult writes indented JSON with a final newline; readRunResult names the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/run.json`;
    const result = {
      ...record([epoch]),
      status: "completed" as const,
      config: DEFAULT_TRAIN_CONFIG,
      environment: {
        backend: "cpu",
        adapter: null,
        deno: "2",
        tfjs: "4",
        commit: null,
        machine: "",
      },
      epochs: [epoch],
      final: { testAccuracy: 0.5, testLoss: 1, trainLoss: 1, seconds: 2 },
    };
    await writeRunResult(path, result);
    const text = await Deno.readTextFile(path);
    assert.equal(text, JSON.stringify(result, null, 2) + "\n");
    assert.ok(text.startsWith('{\n  "status": "completed"'));
    const back = await readRunResult(path);
    assert.deepEqual(back.epochs, [epoch]);
    assert.deepEqual(back.config, { ...DEFAULT_TRAIN_CONFIG });
    await Deno.writeTextFile(path, JSON.stringify({ ...result, status: "x" }));
    await assert.rejects(readRunResult(path), new RegExp(`^TypeError: ${path}: field status`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseRunRecord requires the run labels", () => {
  assert.deepEqual(parseRunRecord({ ...record([epoch]), run: labels }, "r.json").run, labels);
  assert.throws(
    () => parseRunRecord(record([epoch]), "r.json"),
    { name: "TypeError", message: "r.json: field run is invalid, got undefined" },
  );
});

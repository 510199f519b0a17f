import assert from "node:assert/strict";
import { parseRunResult, runBackends } from "./result.ts";

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

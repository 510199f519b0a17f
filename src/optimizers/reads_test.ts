import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import {
  hasCanvas2d,
  runAsync,
  runSync,
  type StepProgram,
  syncReadsAvailable,
  syncReadsMissing,
} from "./reads.ts";

await tf.setBackend("cpu");

/** Reads three tensors in turn, each answer feeding the next; records what it saw and ran. */
function* chain(log: string[]): StepProgram<number> {
  try {
    const a = yield tf.tensor1d([1, 2]);
    log.push(`a=${[...a]}`);
    const b = yield tf.tensor1d([a[0] + a[1], 10]);
    log.push(`b=${[...b]}`);
    const c = yield tf.scalar(b[0] * b[1]);
    log.push(`c=${[...c]}`);
    return c[0] + 0.5;
  } finally {
    log.push("finally");
  }
}

Deno.test("runSync and runAsync answer every read in order, dispose each tensor, return the result", async () => {
  for (const run of [runSync, runAsync] as const) {
    const log: string[] = [];
    const before = tf.memory().numTensors;
    assert.equal(await run(chain(log)), 30.5);
    assert.deepEqual(log, ["a=1,2", "b=3,10", "c=30", "finally"]);
    assert.equal(tf.memory().numTensors, before, `${run.name} leaves no tensor`);
  }
  // A program that reads nothing returns at once.
  // deno-lint-ignore require-yield
  function* none(): StepProgram<string> {
    return "no reads";
  }
  assert.equal(runSync(none()), "no reads");
  assert.equal(await runAsync(none()), "no reads");
});

Deno.test("a failed read runs the program's finally blocks and propagates, even if the program swallows it", async () => {
  const failing = () => {
    const t = tf.tensor1d([1]);
    const fail = new Error("read failed");
    t.dataSync = () => {
      throw fail;
    };
    t.data = () => Promise.reject(fail);
    return t;
  };
  for (const run of [runSync, runAsync] as const) {
    const log: string[] = [];
    const program = function* (): StepProgram<number> {
      try {
        yield failing();
        log.push("after the read");
        return 1;
      } finally {
        log.push("finally");
      }
    };
    const before = tf.memory().numTensors;
    await assert.rejects(async () => await run(program()), /read failed/);
    assert.deepEqual(log, ["finally"], run.name);
    assert.equal(tf.memory().numTensors, before, `${run.name} disposed the failed tensor`);
    // The program catches the error and would go on: the driver still throws it.
    // The tensor it yields next is still handed over (the driver disposes it, unread), and the
    // program is closed: its finally blocks run, and a tensor one of them yields is disposed too.
    const swallowed: string[] = [];
    const swallowing = function* (): StepProgram<number> {
      try {
        try {
          yield failing();
        } catch {
          swallowed.push("caught");
        }
        swallowed.push("went on");
        yield tf.scalar(2);
        swallowed.push("read the next");
        return 2;
      } finally {
        swallowed.push("finally");
        yield tf.scalar(3);
        swallowed.push("after the finally's read");
      }
    };
    const beforeSwallowed = tf.memory().numTensors;
    await assert.rejects(async () => await run(swallowing()), /read failed/);
    assert.equal(
      tf.memory().numTensors,
      beforeSwallowed,
      `${run.name} disposed the tensors yielded after the failed read`,
    );
    // Closing resumes the finally block's yield with a return: the code after it does not run.
    assert.deepEqual(swallowed, ["caught", "went on", "finally"], run.name);
  }
});

Deno.test("the cpu backend reads synchronously; the missing-read error names the owner and the backend", () => {
  assert.equal(syncReadsAvailable(), true);
  const error = syncReadsMissing("trace-sam");
  assert.equal(
    error.message,
    "trace-sam: minimize() reads values synchronously, which the cpu backend does not support " +
      "here; use `await optimizer.step(f)` instead",
  );
});

Deno.test("a backend named webgpu reads synchronously only with a 2D canvas, which Deno lacks", async () => {
  // A cpu backend registered as "webgpu": the decision reads the backend's name and the canvas.
  const g = globalThis as { document?: unknown; OffscreenCanvas?: typeof OffscreenCanvas };
  const deno2d = g.document !== undefined ||
    (g.OffscreenCanvas !== undefined && new g.OffscreenCanvas(1, 1).getContext("2d") !== null);
  assert.equal(deno2d, false, "Deno has no document and a null OffscreenCanvas 2D context");
  tf.registerBackend("webgpu", () => new MathBackendCPU(), 0);
  try {
    await tf.setBackend("webgpu");
    assert.equal(tf.getBackend(), "webgpu");
    assert.equal(syncReadsAvailable(), false);
    // A document appearing later does not change the answer: the probe ran once.
    const scope = globalThis as { document?: unknown };
    scope.document = {};
    try {
      assert.equal(syncReadsAvailable(), false, "the answer is kept");
    } finally {
      delete scope.document;
    }
    assert.match(syncReadsMissing("sam").message, /^sam: minimize\(\) .* the webgpu backend /);
  } finally {
    await tf.setBackend("cpu");
    tf.removeBackend("webgpu");
  }
  assert.equal(syncReadsAvailable(), true);
});

Deno.test("hasCanvas2d: a document, or an OffscreenCanvas with a non-null 2D context; a throwing probe means none", () => {
  /** A canvas class whose `getContext` answers `context` for "2d" only, recording what it built. */
  const canvasAnswering = (context: unknown, built: number[][] = []) =>
    class {
      constructor(width: number, height: number) {
        built.push([width, height]);
      }
      getContext(kind: string): unknown {
        return kind === "2d" ? context : null;
      }
    };
  const throwing = class {
    constructor() {
      throw new Error("no canvas here");
    }
    getContext(): unknown {
      return {};
    }
  };
  assert.equal(hasCanvas2d({}), false, "neither global");
  assert.equal(hasCanvas2d({ document: {} }), true, "a browser page");
  // The document decides before any canvas is built: a throwing OffscreenCanvas is not reached.
  assert.equal(hasCanvas2d({ document: {}, OffscreenCanvas: throwing }), true);
  const built: number[][] = [];
  assert.equal(hasCanvas2d({ OffscreenCanvas: canvasAnswering({}, built) }), true, "a context");
  assert.deepEqual(built, [[1, 1]], "one 1x1 canvas is built to ask");
  assert.equal(hasCanvas2d({ OffscreenCanvas: canvasAnswering(null) }), false, "Deno's null");
  assert.equal(hasCanvas2d({ OffscreenCanvas: canvasAnswering(undefined) }), false);
  assert.equal(hasCanvas2d({ OffscreenCanvas: throwing }), false, "a throwing constructor");
  const throwingContext = class {
    getContext(): unknown {
      throw new Error("context lost");
    }
  };
  assert.equal(hasCanvas2d({ OffscreenCanvas: throwingContext }), false, "a throwing getContext");
  // Deno itself: an OffscreenCanvas whose 2D context is null, no document.
  assert.equal(hasCanvas2d(globalThis as Parameters<typeof hasCanvas2d>[0]), false);
});

/// <reference lib="dom" />
/**
 * The second tab: the paper's MLP (src/models) trained in the browser with TF.js on the wasm
 * backend, by two of the project's optimizers (src/optimizers) side by side on the same batches,
 * with live test accuracy and the Hessian's Frobenius norm (src/hessian, exact double-backprop
 * Hessian-vector products) after every epoch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createModel } from "../../src/models/mod.ts";
import {
  createOptimizer,
  OPTIMIZER_NAMES,
  type OptimizerHyperparameters,
  type UsamOptimizer,
} from "../../src/optimizers/mod.ts";
import { smallNetworkOptimizers } from "../../src/experiments/presets/optimizers.ts";
import { crossEntropyLoss, frobeniusEstimate } from "../../src/hessian/mod.ts";
import { Random } from "../../src/math/mod.ts";
// schedule.ts directly: the training layer's mod.ts also brings the file-system training loop.
import { createSchedule } from "../../src/training/schedule.ts";
import { decodeSubset, type Subset } from "../subset.ts";
import { formatNumber } from "./format.ts";
import { drawLinePlot, legendElement } from "./plot.ts";

const SUBSET_URL = "/data/fashion-mnist-subset.bin";
/** Okabe-Ito blue and vermillion for the two runs, solid and dashed. */
const RUN_STYLES = [
  { color: "#0072B2", dash: [] as number[] },
  { color: "#D55E00", dash: [6, 3] },
];
/** Images the Hessian's norm is estimated on (fixed, the first of the training subset). */
const HESSIAN_IMAGES = 128;
/** Rademacher probes per ‖H‖_F² estimate (one Hessian-vector product each). */
const HESSIAN_SAMPLES = 4;
/** Steps between test-accuracy points. */
const EVAL_EVERY = 16;
/** Steps between ‖H‖_F points: about four per epoch at batch 16, at ~the cost of the training. */
const HESSIAN_EVERY = 32;
/** SGD momentum of the SGD-based optimizers (the training CLI's default). */
const MOMENTUM = 0.8;

/**
 * The hyperparameters one optimizer trains with here: the `ci` preset's own settings
 * (`smallNetworkOptimizers`: the authors' values, Frob-SAM's made stable for small networks),
 * with the page's lr and momentum for the SGD base (Adam keeps the preset's lr).
 */
function hyperparametersOf(name: string, lr: number): OptimizerHyperparameters {
  const preset = smallNetworkOptimizers().find((o) => o.optimizer === name);
  const flags = (preset?.flags ?? {}) as OptimizerHyperparameters;
  return name === "adam" ? { ...flags, seed: 1 } : { lr, momentum: MOMENTUM, ...flags, seed: 1 };
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

interface Run {
  name: string;
  model: ReturnType<typeof createModel>;
  optimizer: UsamOptimizer;
  accuracy: [number, number][];
  hessian: [number, number][];
}

let backendReady: Promise<void> | undefined;

function startBackend(): Promise<void> {
  backendReady ??= (async () => {
    setWasmPaths("/wasm/");
    if (!(await tf.setBackend("wasm"))) throw new Error("the TF.js wasm backend did not start");
    await tf.ready();
  })();
  return backendReady;
}

/**
 * Builds the tab into `panel`; the data and the backend load when the tab is first shown.
 *
 * @example
 * ```ts ignore
 * import { mountMlpTab } from "./tab_mlp.ts";
 * const tab = mountMlpTab(document.getElementById("panel-mlp")!);
 * tab.show();
 * ```
 */
export function mountMlpTab(panel: HTMLElement): { show(): void } {
  let data: Subset | undefined;
  let loaded = false;
  const intro = element(
    "p",
    {},
    "The paper's MLP (six dense ReLU layers of 128) on a 2,000-image Fashion-MNIST subset, trained here by TF.js on its wasm backend. Both optimizers see the same batches; accuracy is on 1,000 held-out test images.",
  );
  const notice = element("div", { class: "notice", id: "mlp-notice", hidden: "" });
  const controls = element("div", { class: "mlp-controls" });
  const selects = ["sgd", "sam"].map((value, k) => {
    const select = element("select", {
      id: `mlp-optimizer-${k}`,
      "aria-label": `optimizer ${k + 1}`,
    });
    for (const name of OPTIMIZER_NAMES) select.append(element("option", { value: name }, name));
    select.value = value;
    const label = element("label", {}, `optimizer ${k + 1}`);
    label.append(select);
    controls.append(label);
    return select;
  });
  const number = (id: string, text: string, value: string, step: string) => {
    const input = element("input", { id, type: "number", value, step, style: "width: 64px" });
    const label = element("label", {}, text);
    label.append(input);
    controls.append(label);
    return input;
  };
  const lr = number("mlp-lr", "lr", "0.03", "0.01");
  const epochs = number("mlp-epochs", "epochs", "3", "1");
  const batchSize = number("mlp-batch", "batch", "16", "1");
  // One epoch on 2,000 images is ~125 steps: a cosine decay to 0 over the run (the training
  // CLI's default schedule) ends each run at a quiet point instead of mid-oscillation.
  const train = element("button", { class: "primary", id: "mlp-train" }, "Train");
  controls.append(train);
  const settingsNote = element("p", { class: "note", id: "mlp-settings" });
  const describe = () => {
    settingsNote.textContent =
      selects.map((s) =>
        `${s.value}: ${JSON.stringify(hyperparametersOf(s.value, Number(lr.value)))}`
      ).join("   ·   ") +
      "  (the ci preset's settings; lr, momentum and a cosine decay over the run are the SGD base's)";
  };
  for (const input of [...selects, lr]) input.addEventListener("input", describe);
  describe();
  const status = element("p", { id: "mlp-status", class: "note" }, "Loading the data…");
  const legendHolder = element("div");
  const charts = element("div", { style: "display:flex; gap: 12px" });
  const accuracyCanvas = element("canvas", { id: "mlp-accuracy-plot" });
  const hessianCanvas = element("canvas", { id: "mlp-hessian-plot" });
  charts.append(accuracyCanvas, hessianCanvas);
  const table = element("table", { id: "mlp-table" });
  panel.append(intro, notice, controls, settingsNote, legendHolder, charts, table, status);

  let runs: Run[] = [];
  const draw = () => {
    const total = Number(epochs.value) || 1;
    drawLinePlot(accuracyCanvas, 560, 300, {
      title: "test accuracy (1,000 images), live",
      xLabel: "epoch",
      yLabel: "accuracy %",
      xRange: [0, total],
      yRange: [0, 100],
      series: runs.map((r, k) => ({ label: r.name, ...RUN_STYLES[k], points: r.accuracy })),
    });
    drawLinePlot(hessianCanvas, 460, 300, {
      title: `‖H‖_F of the training loss (${HESSIAN_IMAGES} images, ${HESSIAN_SAMPLES} probes)`,
      xLabel: "epoch",
      yLabel: "‖H‖_F",
      xRange: [0, total],
      series: runs.map((r, k) => ({ label: r.name, ...RUN_STYLES[k], points: r.hessian })),
    });
  };
  draw();

  async function load(): Promise<void> {
    train.disabled = true;
    try {
      const response = await fetch(SUBSET_URL);
      if (response.status === 404) {
        notice.hidden = false;
        notice.innerHTML = `<strong>The Fashion-MNIST subset file is missing.</strong>
          Make it once with <code>deno task playground:data</code> (it reads Debian's
          <code>dataset-fashion-mnist</code>: <code>apt-get install dataset-fashion-mnist</code>),
          then reload this page.`;
        status.textContent = "No data: training is off until the subset file exists.";
        return;
      }
      if (!response.ok) throw new Error(`${SUBSET_URL}: HTTP ${response.status}`);
      data = decodeSubset(new Uint8Array(await response.arrayBuffer()));
      await startBackend();
      status.textContent =
        `Ready: ${data.train.count} training and ${data.test.count} test images, TF.js backend ${tf.getBackend()}.`;
      train.disabled = false;
    } catch (e) {
      status.textContent = `Could not start: ${(e as Error).message}`;
    }
  }

  const images = (set: Subset["train"], indices: ArrayLike<number>) =>
    tf.tidy(() => {
      const pixels = data!.height * data!.width;
      const out = new Float32Array(indices.length * pixels);
      for (let k = 0; k < indices.length; k++) {
        const base = indices[k] * pixels;
        for (let p = 0; p < pixels; p++) {
          out[k * pixels + p] = (set.images[base + p] / 255 - data!.mean) / data!.std;
        }
      }
      return tf.tensor4d(out, [indices.length, data!.height, data!.width, 1]);
    });
  const labels = (set: Subset["train"], indices: ArrayLike<number>) =>
    tf.tensor1d(Int32Array.from(indices, (i) => set.labels[i]), "int32");

  function testAccuracy(run: Run, xs: tf.Tensor, ys: tf.Tensor): number {
    return tf.tidy(() => {
      const predicted = tf.argMax(run.model.predict(xs) as tf.Tensor, 1);
      return tf.mean(tf.cast(tf.equal(predicted, ys), "float32")).dataSync()[0] * 100;
    });
  }

  async function trainBoth(): Promise<void> {
    if (!data) return;
    const lossFn = crossEntropyLoss();
    const totalEpochs = Number(epochs.value), batch = Number(batchSize.value);
    if (!Number.isInteger(totalEpochs) || totalEpochs < 1 || totalEpochs > 50) {
      status.textContent = `epochs must be an integer in [1, 50], got ${epochs.value}`;
      return;
    }
    if (!Number.isInteger(batch) || batch < 1 || batch > data.train.count) {
      status.textContent =
        `batch must be an integer in [1, ${data.train.count}], got ${batchSize.value}`;
      return;
    }
    for (const r of runs) {
      r.model.dispose();
      r.optimizer.dispose();
    }
    runs = [];
    try {
      runs = selects.map((s) => ({
        name: s.value,
        model: createModel("mlp", {
          inputShape: [data!.height, data!.width, 1],
          numClasses: 10,
          seed: 0,
        }),
        optimizer: createOptimizer(s.value, hyperparametersOf(s.value, Number(lr.value))),
        accuracy: [],
        hessian: [],
      }));
    } catch (e) {
      status.textContent = `Cannot train: ${(e as Error).message}`;
      return;
    }
    legendHolder.replaceChildren(
      legendElement(runs.map((r, k) => ({ label: r.name, ...RUN_STYLES[k] }))),
    );
    table.replaceChildren();
    const head = element("tr");
    for (
      const h of [
        "epoch",
        ...runs.flatMap((r) => [`${r.name}: test acc. %`, `${r.name}: ‖H‖_F`]),
        "seconds",
      ]
    ) {
      head.append(element("th", {}, h));
    }
    table.append(head);
    train.disabled = true;
    const testIndices = Array.from({ length: data.test.count }, (_, i) => i);
    const testXs = images(data.test, testIndices);
    const testYs = labels(data.test, testIndices);
    const hessianIndices = Array.from(
      { length: Math.min(HESSIAN_IMAGES, data.train.count) },
      (_, i) => i,
    );
    const hessianBatch = {
      xs: images(data.train, hessianIndices),
      ys: labels(data.train, hessianIndices),
    };
    const measureHessian = async (at: number) => {
      for (const r of runs) {
        const estimate = await frobeniusEstimate(r.model, lossFn, hessianBatch, {
          samples: HESSIAN_SAMPLES,
          seed: 7,
        });
        r.hessian.push([at, Math.sqrt(Math.max(0, estimate.value))]);
      }
    };
    const rng = new Random(0);
    const started = performance.now();
    try {
      for (const r of runs) r.accuracy.push([0, testAccuracy(r, testXs, testYs)]);
      await measureHessian(0);
      draw();
      const steps = Math.ceil(data.train.count / batch);
      const schedule = createSchedule({
        kind: "cosine",
        baseLr: Number(lr.value),
        epochs: totalEpochs,
        stepsPerEpoch: steps,
      });
      for (let epoch = 0; epoch < totalEpochs; epoch++) {
        const order = Uint32Array.from({ length: data.train.count }, (_, i) => i);
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.integer(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        for (let step = 0; step < steps; step++) {
          const indices = order.subarray(step * batch, Math.min(order.length, (step + 1) * batch));
          const xs = images(data.train, indices), ys = labels(data.train, indices);
          for (const r of runs) {
            if (r.name !== "adam") r.optimizer.learningRate = schedule(epoch * steps + step);
            await r.optimizer.step(() => lossFn(r.model, { xs, ys }));
          }
          tf.dispose([xs, ys]);
          const last = step === steps - 1;
          if ((step + 1) % EVAL_EVERY === 0 || last) {
            const at = epoch + (step + 1) / steps;
            for (const r of runs) r.accuracy.push([at, testAccuracy(r, testXs, testYs)]);
            if ((step + 1) % HESSIAN_EVERY === 0 || last) await measureHessian(at);
            draw();
            status.textContent = `Training: epoch ${epoch + 1}/${totalEpochs}, step ${
              step + 1
            }/${steps}, ${tf.memory().numTensors} tensors.`;
            await new Promise((resolve) => setTimeout(resolve, 0));
          }
        }
        const row = element("tr", { "data-testid": `mlp-epoch-${epoch + 1}` });
        row.append(element("td", {}, String(epoch + 1)));
        runs.forEach((r, k) => {
          row.append(
            element(
              "td",
              { "data-testid": `mlp-accuracy-${k}` },
              r.accuracy[r.accuracy.length - 1][1].toFixed(1),
            ),
            element("td", {}, formatNumber(r.hessian[r.hessian.length - 1][1])),
          );
        });
        row.append(element("td", {}, ((performance.now() - started) / 1000).toFixed(1)));
        table.append(row);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      status.textContent = `Done: ${totalEpochs} epoch(s) in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s on ${tf.getBackend()}.`;
    } catch (e) {
      status.textContent = `Training stopped: ${(e as Error).message}`;
    } finally {
      tf.dispose([testXs, testYs, hessianBatch.xs, hessianBatch.ys]);
      train.disabled = false;
    }
  }
  train.addEventListener("click", () => void trainBoth());

  return {
    show() {
      if (!loaded) {
        loaded = true;
        void load();
      }
    },
  };
}

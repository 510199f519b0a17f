/// <reference lib="dom" />
/**
 * The first tab: a two-dimensional loss drawn as banded contours, the six methods' trajectories
 * from a start point the user clicks, per-step plots of the four exact measures along each
 * trajectory, and where each method ends.
 *
 * @module
 */
import { BUILTIN_LOSSES, customLoss, type PlaygroundLoss } from "./losses.ts";
import { formatNumber } from "./format.ts";
import { drawLinePlot, legendElement, setupCanvas } from "./plot.ts";
import {
  measuresAt,
  METHOD_STYLES,
  METHODS,
  type PointMeasures,
  runTrajectory,
  type Trajectory,
  type TrajectorySettings,
} from "./trajectories.ts";

/** The sliders: id, label, range, step and default. */
const SLIDERS: {
  key: keyof TrajectorySettings;
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
}[] = [
  { key: "lr", label: "lr", min: 0.005, max: 0.2, step: 0.005, value: 0.05 },
  { key: "rho", label: "rho", min: 0.01, max: 0.5, step: 0.01, value: 0.2 },
  { key: "lambda", label: "lambda", min: 0, max: 2, step: 0.05, value: 0.5 },
  { key: "samples", label: "samples", min: 2, max: 32, step: 1, value: 8 },
  { key: "steps", label: "steps", min: 10, max: 400, step: 10, value: 200 },
  { key: "seed", label: "seed", min: 0, max: 99, step: 1, value: 1 },
];

/** Values below this are shown as 0: the FD Hessian's round-off on an O(1) Hessian is ~1e-8. */
const ROUND_OFF = 1e-6;

const MAP = { left: 44, top: 10, size: 440, right: 10, bottom: 36 };
const GRID = 220;
const BANDS = 14;

const MEASURE_PLOTS: { key: keyof PointMeasures; title: string; label: string }[] = [
  { key: "trace", title: "tr H per step", label: "tr H" },
  { key: "frobenius", title: "‖H‖²_F per step", label: "‖H‖²_F" },
  { key: "determinant", title: "det H per step", label: "det H" },
  { key: "maxEigenvalue", title: "λ_max per step", label: "λ_max" },
];

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

/**
 * Builds the tab into `panel`.
 *
 * @example
 * ```ts ignore
 * import { mountLandscapeTab } from "./tab_landscape.ts";
 * mountLandscapeTab(document.getElementById("panel-landscape")!);
 * ```
 */
export function mountLandscapeTab(panel: HTMLElement): void {
  let loss: PlaygroundLoss = BUILTIN_LOSSES[0];
  let start: [number, number] = [...loss.start];
  let revision = 0;
  let scheduled = false;

  const columns = element("div", { class: "columns" });
  const controls = element("div", { class: "controls" });
  const middle = element("div");
  const right = element("div");
  columns.append(controls, middle, right);
  panel.append(columns);

  // Controls: the loss, its explanation, the typed loss, the sliders, the start point.
  const lossLabel = element("label", { style: "grid-template-columns: 62px 1fr" });
  const lossSelect = element("select", { id: "loss-select", "aria-label": "loss" });
  for (const l of BUILTIN_LOSSES) lossSelect.append(element("option", { value: l.id }, l.label));
  lossSelect.append(element("option", { value: "custom" }, "type your own…"));
  lossLabel.append(element("span", {}, "loss"), lossSelect);
  const customRow = element("div", { hidden: "" });
  const customInput = element("input", {
    type: "text",
    id: "custom-loss",
    value: "(a*b - 1)^2",
    "aria-label": "your loss in a and b",
    style: "width: 180px",
  });
  const customButton = element("button", { id: "custom-apply" }, "Use");
  customRow.append(customInput, document.createTextNode(" "), customButton);
  const error = element("div", { class: "error", id: "loss-error", role: "alert" });
  const explain = element("div", { class: "explain", id: "loss-explanation" });
  controls.append(lossLabel, customRow, error, explain);

  const sliders = new Map<keyof TrajectorySettings, HTMLInputElement>();
  for (const s of SLIDERS) {
    const label = element("label");
    const input = element("input", {
      type: "range",
      id: `slider-${s.key}`,
      min: String(s.min),
      max: String(s.max),
      step: String(s.step),
      value: String(s.value),
      "aria-label": s.label,
    });
    const output = element("output", { id: `value-${s.key}` }, String(s.value));
    input.addEventListener("input", () => {
      output.textContent = input.value;
      schedule();
    });
    sliders.set(s.key, input);
    label.append(element("span", {}, s.label), input, output);
    controls.append(label);
  }
  controls.append(element(
    "p",
    { class: "note" },
    "Det-SAM draws its δ from the cube [−rho, rho]² (rho 1 in the step, as detSam trains); ASAM uses eta 0.01.",
  ));

  const startRow = element("div", { class: "readout" });
  const startA = element("input", {
    type: "number",
    id: "start-a",
    step: "0.01",
    style: "width: 70px",
    "aria-label": "start a",
  });
  const startB = element("input", {
    type: "number",
    id: "start-b",
    step: "0.01",
    style: "width: 70px",
    "aria-label": "start b",
  });
  const startButton = element("button", { id: "start-apply" }, "Start here");
  startRow.append(
    element("strong", {}, "Start (click the map) "),
    element("br"),
    "a ",
    startA,
    " b ",
    startB,
    " ",
    startButton,
  );
  const readout = element("table", {
    class: "readout",
    "aria-label": "Hessian at the start point",
  });
  readout.innerHTML =
    `<caption style="text-align:left">exact measures of H at the start point</caption>
    <tr><th>tr H</th><td data-testid="start-trace"></td></tr>
    <tr><th>‖H‖²_F</th><td data-testid="start-frobenius"></td></tr>
    <tr><th>det H</th><td data-testid="start-determinant"></td></tr>
    <tr><th>λ_max</th><td data-testid="start-max-eigenvalue"></td></tr>
    <tr><th>loss</th><td data-testid="start-loss"></td></tr>`;
  controls.append(startRow, readout);

  // Middle: the map and the legend.
  const map = element("canvas", {
    id: "landscape-map",
    "aria-label": "loss map: click to start a trajectory",
  });
  map.style.cursor = "crosshair";
  const legend = legendElement(METHODS.map((m) => METHOD_STYLES[m]));
  middle.append(map, legend);

  // Right: the per-step plots and the end table.
  const plots = element("div", { class: "plots" });
  const plotCanvases = MEASURE_PLOTS.map((p) => {
    const c = element("canvas", { "aria-label": p.title, id: `plot-${p.key}` });
    plots.append(c);
    return c;
  });
  const ends = element("table", { id: "end-table" });
  right.append(
    plots,
    element("h3", { style: "margin: 8px 0 2px; font-size: 13px" }, "Where each method ends"),
    ends,
  );
  const status = element("p", { class: "note", id: "landscape-status" });
  right.append(status);

  const settings = (): TrajectorySettings => {
    const value = (k: keyof TrajectorySettings) => Number(sliders.get(k)!.value);
    return {
      lr: value("lr"),
      rho: value("rho"),
      lambda: value("lambda"),
      samples: value("samples"),
      steps: value("steps"),
      seed: value("seed"),
    };
  };

  const bounds = () => ({
    x0: loss.center[0] - loss.extent,
    x1: loss.center[0] + loss.extent,
    y0: loss.center[1] - loss.extent,
    y1: loss.center[1] + loss.extent,
  });
  const toPixel = (a: number, b: number): [number, number] => {
    const { x0, x1, y0, y1 } = bounds();
    return [
      MAP.left + ((a - x0) / (x1 - x0)) * MAP.size,
      MAP.top + (1 - (b - y0) / (y1 - y0)) * MAP.size,
    ];
  };

  function setLoss(next: PlaygroundLoss): void {
    loss = next;
    start = [...loss.start];
    for (const [key, value] of Object.entries(loss.settings ?? {})) {
      const input = sliders.get(key as keyof TrajectorySettings)!;
      input.value = String(value);
      panel.querySelector(`#value-${key}`)!.textContent = input.value;
    }
    explain.replaceChildren(...loss.explanation.map((line) => element("p", {}, line)));
    schedule();
  }

  lossSelect.addEventListener("change", () => {
    error.textContent = "";
    if (lossSelect.value === "custom") {
      customRow.hidden = false;
      applyCustom();
    } else {
      customRow.hidden = true;
      setLoss(BUILTIN_LOSSES.find((l) => l.id === lossSelect.value)!);
    }
  });
  function applyCustom(): void {
    try {
      const candidate = customLoss(customInput.value);
      const value = candidate.loss(candidate.start);
      if (!Number.isFinite(value)) throw new RangeError(`the loss is ${value} at the start point`);
      error.textContent = "";
      setLoss(candidate);
    } catch (e) {
      error.textContent = `Cannot use this loss: ${(e as Error).message}`;
    }
  }
  customButton.addEventListener("click", applyCustom);
  customInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") applyCustom();
  });
  startButton.addEventListener("click", () => {
    const a = Number(startA.value), b = Number(startB.value);
    if (Number.isFinite(a) && Number.isFinite(b)) {
      start = [a, b];
      schedule();
    }
  });
  map.addEventListener("click", (event) => {
    const rect = map.getBoundingClientRect();
    const px = event.clientX - rect.left, py = event.clientY - rect.top;
    if (px < MAP.left || px > MAP.left + MAP.size || py < MAP.top || py > MAP.top + MAP.size) {
      return;
    }
    const { x0, x1, y0, y1 } = bounds();
    // Snapped to 0.01: one pixel is about 0.01 here, so the snap hides no resolution.
    const snap = (v: number) => Math.round(v * 100) / 100;
    start = [
      snap(x0 + ((px - MAP.left) / MAP.size) * (x1 - x0)),
      snap(y1 - ((py - MAP.top) / MAP.size) * (y1 - y0)),
    ];
    schedule();
  });

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      render();
    });
  }

  function drawMap(trajectories: Trajectory[]): void {
    const width = MAP.left + MAP.size + MAP.right, height = MAP.top + MAP.size + MAP.bottom;
    const ctx = setupCanvas(map, width, height);
    const { x0, x1, y0, y1 } = bounds();
    map.dataset.x0 = String(x0);
    map.dataset.x1 = String(x1);
    map.dataset.y0 = String(y0);
    map.dataset.y1 = String(y1);
    map.dataset.left = String(MAP.left);
    map.dataset.top = String(MAP.top);
    map.dataset.size = String(MAP.size);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);

    // Banded contours: bands at quantiles of the loss on the grid, so every loss, whatever
    // its scale, gets evenly spread levels; light = low loss, grey = high.
    const values = new Float64Array(GRID * GRID);
    const x = new Float64Array(2);
    for (let j = 0; j < GRID; j++) {
      for (let i = 0; i < GRID; i++) {
        x[0] = x0 + ((i + 0.5) / GRID) * (x1 - x0);
        x[1] = y1 - ((j + 0.5) / GRID) * (y1 - y0);
        const v = loss.loss(x);
        values[j * GRID + i] = Number.isFinite(v) ? v : Infinity;
      }
    }
    const sorted = Float64Array.from(values).sort();
    const thresholds = Array.from(
      { length: BANDS - 1 },
      (_, k) => sorted[Math.floor(((k + 1) / BANDS) * sorted.length)],
    );
    const band = (v: number) => {
      let k = 0;
      while (k < thresholds.length && v > thresholds[k]) k++;
      return k;
    };
    const bands = Uint8Array.from(values, band);
    const image = new ImageData(GRID, GRID);
    for (let p = 0; p < GRID * GRID; p++) {
      const i = p % GRID;
      const edge = (i + 1 < GRID && bands[p + 1] !== bands[p]) ||
        (p + GRID < GRID * GRID && bands[p + GRID] !== bands[p]);
      const grey = edge ? 150 : Math.round(253 - (bands[p] / (BANDS - 1)) * 80);
      image.data.set([grey, grey, grey, 255], p * 4);
    }
    const off = new OffscreenCanvas(GRID, GRID);
    off.getContext("2d")!.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, MAP.left, MAP.top, MAP.size, MAP.size);

    ctx.save();
    ctx.beginPath();
    ctx.rect(MAP.left, MAP.top, MAP.size, MAP.size);
    ctx.clip();
    if (loss.manifold === "ab=1") {
      ctx.strokeStyle = "#0072B2";
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 4]);
      for (const sign of [1, -1]) {
        ctx.beginPath();
        for (let k = 0; k <= 400; k++) {
          const a = sign * (0.05 + (k / 400) * 10);
          const [px, py] = toPixel(a, 1 / a);
          if (k === 0) ctx.moveTo(px, py);
          else ctx.lineTo(px, py);
        }
        ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.fillStyle = "#0072B2";
      ctx.font = "12px system-ui, sans-serif";
      const [lx, ly] = toPixel(0.75, 2.6);
      ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
      ctx.fillRect(lx - 3, ly - 12, 46, 16);
      ctx.fillStyle = "#0072B2";
      ctx.fillText("ab = 1", lx, ly);
    }
    for (const t of trajectories) {
      const style = METHOD_STYLES[t.method];
      ctx.strokeStyle = style.color;
      ctx.setLineDash(style.dash);
      ctx.lineWidth = 2;
      ctx.beginPath();
      t.points.forEach(([a, b], k) => {
        const [px, py] = toPixel(a, b);
        if (k === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      });
      ctx.stroke();
      ctx.setLineDash([]);
      const [ex, ey] = toPixel(...t.points[t.points.length - 1]);
      ctx.fillStyle = style.color;
      ctx.beginPath();
      ctx.arc(ex, ey, 4, 0, 2 * Math.PI);
      ctx.fill();
    }
    const [sx, sy] = toPixel(...start);
    ctx.fillStyle = "#fff";
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(sx, sy, 5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    ctx.restore();

    ctx.strokeStyle = "#555";
    ctx.lineWidth = 1;
    ctx.strokeRect(MAP.left, MAP.top, MAP.size, MAP.size);
    ctx.fillStyle = "#1a1a1a";
    ctx.font = "11px system-ui, sans-serif";
    const ticks = (low: number, high: number) => {
      const out: number[] = [];
      const step = (high - low) / 4 >= 0.75 ? 1 : 0.5;
      for (let t = Math.ceil(low / step) * step; t <= high + 1e-9; t += step) {
        out.push(Number(t.toFixed(2)));
      }
      return out;
    };
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of ticks(x0, x1)) {
      const [px] = toPixel(t, 0);
      ctx.fillRect(px, MAP.top + MAP.size, 1, 4);
      ctx.fillText(formatNumber(t), px, MAP.top + MAP.size + 5);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of ticks(y0, y1)) {
      const [, py] = toPixel(0, t);
      ctx.fillRect(MAP.left - 4, py, 4, 1);
      ctx.fillText(formatNumber(t), MAP.left - 6, py);
    }
    ctx.font = "italic 13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    ctx.fillText("a", MAP.left + MAP.size / 2, height - 4);
    ctx.save();
    ctx.translate(12, MAP.top + MAP.size / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText("b", 0, 0);
    ctx.restore();
  }

  function endsIn(t: Trajectory): string {
    const end = t.points[t.points.length - 1];
    if (t.stopped) return t.stopped.startsWith("left") ? "left the map" : "stopped: step failed";
    const basin = loss.basins.find((b) => b.contains(end));
    if (basin) return basin.name;
    return loss.basins.length > 0 ? "no minimum" : "—";
  }

  function render(): void {
    const started = performance.now();
    const s = settings();
    startA.value = String(start[0]);
    startB.value = String(start[1]);
    let here: PointMeasures;
    try {
      here = measuresAt(loss.loss, start);
    } catch (e) {
      error.textContent = `At the start point: ${(e as Error).message}`;
      return;
    }
    const show = (id: string, v: number) => {
      panel.querySelector(`[data-testid="${id}"]`)!.textContent = formatNumber(v, ROUND_OFF);
    };
    show("start-trace", here.trace);
    show("start-frobenius", here.frobenius);
    show("start-determinant", here.determinant);
    show("start-max-eigenvalue", here.maxEigenvalue);
    show("start-loss", here.loss);

    // Trajectories stop once they are far outside the map (a diverging saddle run).
    const limit = 10 * (loss.extent + Math.max(Math.abs(loss.center[0]), Math.abs(loss.center[1])));
    const trajectories = METHODS.map((m) => runTrajectory(loss.loss, start, m, s, limit));
    drawMap(trajectories);
    MEASURE_PLOTS.forEach((p, k) =>
      drawLinePlot(plotCanvases[k], 232, 165, {
        title: p.title,
        xLabel: "step",
        yLabel: p.label,
        xRange: [0, s.steps],
        series: trajectories.map((t) => ({
          ...METHOD_STYLES[t.method],
          points: t.measures.map((m, step) => [step, m[p.key]] as [number, number]),
        })),
      })
    );
    ends.replaceChildren();
    const head = element("tr");
    for (const h of ["method", "ends at (a, b)", "loss", "det H", "ends in"]) {
      head.append(element("th", {}, h));
    }
    ends.append(head);
    for (const t of trajectories) {
      const row = element("tr", { "data-testid": `end-${t.method}` });
      const end = t.points[t.points.length - 1];
      const last = t.measures[t.measures.length - 1];
      const name = element("td");
      const dot = element("span", { style: `color:${METHOD_STYLES[t.method].color}` }, "● ");
      name.append(dot, METHOD_STYLES[t.method].label);
      row.append(
        name,
        element(
          "td",
          { "data-testid": `end-point-${t.method}` },
          `(${end[0].toFixed(2)}, ${end[1].toFixed(2)})`,
        ),
        element("td", {}, formatNumber(last.loss, ROUND_OFF)),
        element("td", {}, formatNumber(last.determinant, ROUND_OFF)),
        element("td", { title: t.stopped ?? "" }, endsIn(t)),
      );
      ends.append(row);
    }
    revision++;
    panel.dataset.revision = String(revision);
    status.textContent = `${METHODS.length} trajectories of up to ${s.steps} steps from (${
      start[0]
    }, ${start[1]}) in ${
      Math.round(performance.now() - started)
    } ms; every step is a src/math reference step, every H the math layer's FD Hessian.`;
  }

  setLoss(loss);
}

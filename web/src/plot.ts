/// <reference lib="dom" />
/**
 * Small canvas charts for the playground: a line plot with labelled axes and ticks, and the
 * legend swatches. Drawn at the device pixel ratio so text stays sharp.
 *
 * @module
 */
import { formatNumber, niceTicks } from "./format.ts";

/** One line of a plot. */
export interface Series {
  label: string;
  color: string;
  dash: number[];
  /** Points `[x, y]`; non-finite y values are skipped (a gap). */
  points: [number, number][];
}

/** What {@link drawLinePlot} draws. */
export interface LinePlot {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Fixed x range; default the data's. */
  xRange?: [number, number];
  /** Fixed y range; default the data's, padded. */
  yRange?: [number, number];
}

/**
 * Margins of a plot inside its canvas, in CSS pixels.
 *
 * @example
 * ```ts ignore
 * import { PLOT_MARGIN } from "./plot.ts";
 * console.log(PLOT_MARGIN.left);
 * ```
 */
export const PLOT_MARGIN = { left: 52, right: 10, top: 20, bottom: 34 };

/**
 * Sizes a canvas for the device pixel ratio and returns its 2D context scaled to CSS pixels.
 *
 * @example
 * ```ts ignore
 * import { setupCanvas } from "./plot.ts";
 * const ctx = setupCanvas(document.createElement("canvas"), 200, 100);
 * ctx.fillRect(0, 0, 10, 10);
 * ```
 */
export function setupCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D {
  const ratio = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("canvas 2d context unavailable");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/**
 * Draws a line plot with a title, labelled axes and ticks.
 *
 * @example
 * ```ts ignore
 * import { drawLinePlot } from "./plot.ts";
 * drawLinePlot(canvas, 220, 160, { title: "tr H", xLabel: "step", yLabel: "tr H", series: [] });
 * ```
 */
export function drawLinePlot(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  plot: LinePlot,
): void {
  const ctx = setupCanvas(canvas, width, height);
  const m = PLOT_MARGIN;
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of plot.series) {
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  let [x0, x1] = plot.xRange ?? [Math.min(...xs, 0), Math.max(...xs, 1)];
  let [y0, y1] = plot.yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [0, 1];
  // A flat series (a constant measure, with finite-difference round-off of ~1e-8 on top) gets a
  // fixed window instead of ticks that magnify the round-off.
  if (y1 - y0 < 1e-4 * Math.max(1, Math.abs(y0), Math.abs(y1))) {
    y0 = (y0 + y1) / 2;
    y1 = y0;
    const pad = Math.max(1, Math.abs(y0)) * 0.5;
    y0 -= pad;
    y1 += pad;
  } else if (!plot.yRange) {
    const pad = (y1 - y0) * 0.06;
    y0 -= pad;
    y1 += pad;
  }
  if (x1 <= x0) x1 = x0 + 1;
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * w;
  const py = (y: number) => m.top + (1 - (y - y0) / (y1 - y0)) * h;

  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.font = "600 12px system-ui, sans-serif";
  ctx.fillStyle = "#1a1a1a";
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  ctx.fillText(plot.title, m.left, 3);

  ctx.font = "11px system-ui, sans-serif";
  ctx.strokeStyle = "#e4e4e4";
  ctx.lineWidth = 1;
  ctx.fillStyle = "#333";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of niceTicks(y0, y1, 4)) {
    const y = py(t);
    ctx.beginPath();
    ctx.moveTo(m.left, y);
    ctx.lineTo(m.left + w, y);
    ctx.stroke();
    ctx.fillText(formatNumber(t), m.left - 4, y);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of niceTicks(x0, x1, 4)) {
    const x = px(t);
    ctx.beginPath();
    ctx.moveTo(x, m.top);
    ctx.lineTo(x, m.top + h);
    ctx.stroke();
    ctx.fillText(formatNumber(t), x, m.top + h + 3);
  }
  ctx.strokeStyle = "#555";
  ctx.strokeRect(m.left, m.top, w, h);
  ctx.fillStyle = "#1a1a1a";
  ctx.fillText(plot.xLabel, m.left + w / 2, height - 14);
  ctx.save();
  ctx.translate(11, m.top + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(plot.yLabel, 0, 0);
  ctx.restore();

  ctx.save();
  ctx.beginPath();
  ctx.rect(m.left, m.top, w, h);
  ctx.clip();
  for (const s of plot.series) {
    ctx.strokeStyle = s.color;
    ctx.setLineDash(s.dash);
    ctx.lineWidth = 1.8;
    ctx.beginPath();
    let pen = false;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(px(x), py(y));
      else ctx.moveTo(px(x), py(y));
      pen = true;
    }
    ctx.stroke();
    if (s.points.length === 1 && Number.isFinite(s.points[0][1])) {
      ctx.fillStyle = s.color;
      ctx.fillRect(px(s.points[0][0]) - 2, py(s.points[0][1]) - 2, 4, 4);
    }
  }
  ctx.restore();
}

/**
 * A legend: one swatch (line in the series' colour and dash) and label per entry.
 *
 * @example
 * ```ts ignore
 * import { legendElement } from "./plot.ts";
 * document.body.append(legendElement([{ label: "SAM", color: "#E69F00", dash: [] }]));
 * ```
 */
export function legendElement(
  entries: { label: string; color: string; dash: number[] }[],
): HTMLElement {
  const legend = document.createElement("div");
  legend.className = "legend";
  legend.setAttribute("aria-label", "legend");
  for (const entry of entries) {
    const item = document.createElement("span");
    const swatch = document.createElement("canvas");
    const ctx = setupCanvas(swatch, 26, 10);
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(entry.dash);
    ctx.beginPath();
    ctx.moveTo(1, 5);
    ctx.lineTo(25, 5);
    ctx.stroke();
    item.append(swatch, document.createTextNode(entry.label));
    legend.append(item);
  }
  return legend;
}

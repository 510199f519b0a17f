/// <reference lib="dom" />
/**
 * The playground page: two tabs, the two-dimensional losses and the MLP on Fashion-MNIST.
 *
 * The modules that touch the DOM (this one, plot.ts, tab_landscape.ts, tab_mlp.ts) reference the
 * DOM library; they are checked on their own (`deno check web/`) and left out of `deno test`
 * (deno.json "test.exclude"), because one program with both the DOM and Deno's types does not
 * type-check (their stream types differ). Everything they compute lives in DOM-free modules
 * with tests: expr.ts, losses.ts, trajectories.ts, format.ts, ../subset.ts.
 *
 * @module
 */
import { mountLandscapeTab } from "./tab_landscape.ts";
import { mountMlpTab } from "./tab_mlp.ts";

const landscape = document.getElementById("panel-landscape")!;
const mlpPanel = document.getElementById("panel-mlp")!;
mountLandscapeTab(landscape);
const mlp = mountMlpTab(mlpPanel);

for (const tab of document.querySelectorAll<HTMLButtonElement>("[role=tab]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll<HTMLButtonElement>("[role=tab]")) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      document.getElementById(other.dataset.panel!)!.hidden = !selected;
    }
    if (tab.id === "tab-mlp") mlp.show();
  });
}

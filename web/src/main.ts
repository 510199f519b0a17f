/// <reference lib="dom" />
/**
 * The playground page: two tabs, the two-dimensional losses and the MLP on Fashion-MNIST.
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

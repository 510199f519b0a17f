import assert from "node:assert/strict";
import { makeTrainConfig } from "../../training/config.ts";
import { paperGrid } from "./paper.ts";

Deno.test("the paper preset keeps the authors' CIFAR Frob-SAM values, not the CLI defaults", () => {
  const frob = paperGrid().optimizers.find((o) => o.optimizer === "frob-sam");
  assert.deepEqual(frob?.flags, { rho: 0.005, lambda: 0.005, samples: 2 });
  // The CLI defaults differ (they train the default MLP stably), so the preset must say its own.
  const defaults = makeTrainConfig({ optimizer: "frob-sam" });
  assert.notDeepEqual([defaults.rho, defaults.lambda], [0.005, 0.005]);
});

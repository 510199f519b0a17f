/**
 * `deno run -A web/screenshot.ts [FILE]`: renders the valley view of the playground in headless
 * Chromium (Debian's /usr/bin/chromium) and writes the README's screenshot (default
 * web/screenshot.png, 1280×800).
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../src/io/chromium.ts";
import { startPlayground } from "./server.ts";

const out = Deno.args[0] ?? fileURLToPath(new URL("./screenshot.png", import.meta.url));
const playground = await startPlayground({ port: 0 });
const profile = await mkdtemp(join(tmpdir(), "usam-playground-profile-"));
const context = await launchChromium(profile);
try {
  const page = await context.newPage();
  await page.goto(playground.url);
  await page.waitForSelector("#panel-landscape[data-revision]");
  await page.selectOption("#loss-select", "valley");
  await page.waitForFunction(
    `document.getElementById("loss-explanation").textContent.includes("rescaling")`,
  );
  await page.waitForTimeout(300);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await context.close();
  await playground.shutdown();
  await rm(profile, { recursive: true, force: true });
}

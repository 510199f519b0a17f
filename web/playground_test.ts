/**
 * The playground in a real browser: Debian's Chromium (/usr/bin/chromium) driven by npm
 * playwright-core under Deno, against the page served in-process on a free port. The MLP tab
 * trains on a subset made here from Debian's Fashion-MNIST (in a temporary folder). Screenshots
 * go to web/test-output/ (ignored by git).
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { launchChromium } from "../src/io/chromium.ts";
import { makeSubset } from "./make_subset.ts";
import { startPlayground } from "./server.ts";

const SHOTS = fileURLToPath(new URL("./test-output/", import.meta.url));

/** Reads a number the page shows (it writes minus signs as U+2212). */
async function shown(page: Page, testId: string): Promise<number> {
  const text = (await page.locator(`[data-testid="${testId}"]`).textContent()) ?? "";
  const value = Number(text.replace("−", "-"));
  assert.ok(Number.isFinite(value), `${testId} shows ${JSON.stringify(text)}, not a number`);
  return value;
}

async function revision(page: Page): Promise<number> {
  return Number(await page.locator("#panel-landscape").getAttribute("data-revision"));
}

/** Runs `action` and waits until the first tab has redrawn after it. */
async function redrawn(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await revision(page);
  await action();
  // Page-side code as strings: this file is type-checked without the DOM library.
  await page.waitForFunction(
    `Number(document.getElementById("panel-landscape").dataset.revision) > ${before}`,
  );
}

/** Clicks the map at the point (a, b), from the mapping the canvas publishes. */
async function clickMap(page: Page, a: number, b: number): Promise<void> {
  const map = page.locator("#landscape-map");
  const read = async (name: string) => Number(await map.getAttribute(`data-${name}`));
  const [x0, x1, y0, y1] = [await read("x0"), await read("x1"), await read("y0"), await read("y1")];
  const [left, top, size] = [await read("left"), await read("top"), await read("size")];
  await map.click({
    position: {
      x: left + ((a - x0) / (x1 - x0)) * size,
      y: top + (1 - (b - y0) / (y1 - y0)) * size,
    },
  });
}

Deno.test({
  name: "playground: both tabs in headless Chromium",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await mkdir(SHOTS, { recursive: true });
    const dataDir = await mkdtemp(join(tmpdir(), "usam-playground-data-"));
    const subsetPath = join(dataDir, "fashion-mnist-subset.bin");
    await makeSubset({ out: subsetPath });
    const playground = await startPlayground({ port: 0, subsetPath });
    const missing = await startPlayground({ port: 0, subsetPath: join(dataDir, "absent.bin") });
    const profile = await mkdtemp(join(tmpdir(), "usam-playground-profile-"));
    const context = await launchChromium(profile);
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => errors.push(`page: ${e.message}`));

      await t.step("the page loads with no console error", async () => {
        await page.goto(playground.url);
        await page.waitForSelector("#panel-landscape[data-revision]");
        assert.equal(
          await page.title(),
          "usam playground: the SAM family in two dimensions and on a real network",
        );
        assert.equal(await page.locator("#landscape-map").count(), 1);
        assert.deepEqual(errors, []);
        await page.screenshot({ path: join(SHOTS, "1-saddle.png") });
      });

      await t.step("on the saddle the shown tr H is 0, ‖H‖_F² is 8 and det H is -4", async () => {
        assert.equal(await page.locator("#loss-select").inputValue(), "saddle");
        // The page rounds |v| < 1e-6 to 0 and shows 4 significant digits: the FD Hessian of a
        // quadratic is exact up to round-off of ~1e-8, so these are equalities.
        assert.equal(await shown(page, "start-trace"), 0);
        assert.equal(await shown(page, "start-frobenius"), 8);
        assert.equal(await shown(page, "start-determinant"), -4);
        assert.equal(await shown(page, "start-max-eigenvalue"), 2);
      });

      await t.step("moving the rho slider changes SAM's trajectory and not GD's", async () => {
        await redrawn(page, () => page.selectOption("#loss-select", "wells"));
        const sam = await page.locator('[data-testid="end-point-sam"]').textContent();
        const gd = await page.locator('[data-testid="end-point-gd"]').textContent();
        await redrawn(page, () => page.locator("#slider-rho").fill("0.05"));
        assert.equal(await page.locator("#value-rho").textContent(), "0.05");
        const samAfter = await page.locator('[data-testid="end-point-sam"]').textContent();
        assert.notEqual(samAfter, sam, `SAM still ends at ${sam}`);
        assert.equal(await page.locator('[data-testid="end-point-gd"]').textContent(), gd);
        await page.screenshot({ path: join(SHOTS, "2-wells-rho-0.05.png") });
      });

      await t.step("a click on the map starts a new trajectory there", async () => {
        // From the default start (0.9, 0.25), inside the sharp well, GD stays in it.
        assert.match((await page.locator('[data-testid="end-gd"]').textContent()) ?? "", /sharp/);
        await redrawn(page, () => clickMap(page, -0.5, 0.8));
        assert.equal(Number(await page.locator("#start-a").inputValue()), -0.5);
        assert.equal(Number(await page.locator("#start-b").inputValue()), 0.8);
        assert.match(
          (await page.locator("#landscape-status").textContent()) ?? "",
          /from \(-0\.5, 0\.8\)/,
        );
        // Started on the flat side, GD now ends in the flat well.
        assert.match((await page.locator('[data-testid="end-gd"]').textContent()) ?? "", /flat/);
        await page.screenshot({ path: join(SHOTS, "3-wells-click.png") });
      });

      await t.step("a typed (a*b - 1)^2 shows det H = 0 on the valley", async () => {
        // Choosing "custom" applies the default text at once and schedules its own redraw: wait
        // for it, or the next wait can be satisfied by this one and a later read sees stale state
        // (a CI run once read the click's start as the default 1.5).
        await redrawn(page, () => page.selectOption("#loss-select", "custom"));
        await redrawn(page, async () => {
          await page.locator("#custom-loss").fill("(a*b - 1)^2");
          await page.click("#custom-apply");
        });
        assert.equal(await page.locator("#loss-error").textContent(), "");
        // Off the valley, at the default start (1.5, 0.5): det H = 4(a²b² - (2ab - 1)²) = 1.25.
        assert.ok(Math.abs((await shown(page, "start-determinant")) - 1.25) < 1e-3);
        await redrawn(page, () => clickMap(page, 1, 1));
        assert.equal(Number(await page.locator("#start-a").inputValue()), 1);
        assert.equal(Number(await page.locator("#start-b").inputValue()), 1);
        // At (1, 1): H = 2[[1, 1], [1, 1]], so det 0, tr 4, ‖H‖_F² 16.
        assert.equal(await shown(page, "start-determinant"), 0);
        assert.equal(await shown(page, "start-trace"), 4);
        assert.equal(await shown(page, "start-frobenius"), 16);
        await page.locator("#custom-loss").fill("a +");
        await page.click("#custom-apply");
        assert.match((await page.locator("#loss-error").textContent()) ?? "", /unexpected end/);
        await page.screenshot({ path: join(SHOTS, "4-typed-valley.png") });
      });

      await t.step("the MLP tab trains one epoch to above 70% test accuracy", async () => {
        await page.click("#tab-mlp");
        await page.waitForFunction(
          `!document.getElementById("mlp-train").disabled`,
          null,
          { timeout: 60_000 },
        );
        await page.locator("#mlp-epochs").fill("1");
        await page.click("#mlp-train");
        await page.waitForFunction(
          `/^(Done|Training stopped|Cannot train)/.test(document.getElementById("mlp-status").textContent)`,
          null,
          { timeout: 240_000 },
        );
        assert.match((await page.locator("#mlp-status").textContent()) ?? "", /^Done: 1 epoch/);
        const accuracies = await page.locator(
          '[data-testid="mlp-epoch-1"] [data-testid^="mlp-accuracy-"]',
        )
          .allTextContents();
        assert.equal(accuracies.length, 2);
        for (const text of accuracies) assert.ok(Number(text) > 70, `test accuracy ${text}%`);
        await page.screenshot({ path: join(SHOTS, "5-mlp.png") });
        assert.deepEqual(errors, []);
      });

      await t.step("without the subset file the MLP tab says how to make it", async () => {
        const other = await context.newPage();
        await other.goto(missing.url);
        await other.click("#tab-mlp");
        await other.waitForSelector("#mlp-notice:not([hidden])");
        assert.match(
          (await other.locator("#mlp-notice").textContent()) ?? "",
          /deno task playground:data/,
        );
        assert.ok(await other.locator("#mlp-train").isDisabled());
        await other.screenshot({ path: join(SHOTS, "6-no-data.png") });
        await other.close();
      });
    } finally {
      await context.close();
      await playground.shutdown();
      await missing.shutdown();
      await rm(profile, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    }
  },
});

/**
 * Headless Chromium for the browser tests and screenshots: Debian's `/usr/bin/chromium` driven by
 * npm `playwright-core`, which never downloads a browser of its own. The flags keep a root,
 * offline, GPU-less machine quiet: no sandbox (root), no GPU, and none of the background
 * connections that this machine's closed network would refuse.
 *
 * @module
 */
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** The command-line flags every launch uses. */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * A headless Chromium context with its own profile folder `userDataDir` (fresh, so no earlier
 * state leaks in) and a 1280×800 viewport, the size the pages are designed for.
 *
 * @example
 * ```ts ignore
 * import { launchChromium } from "./chromium.ts";
 * const context = await launchChromium(await Deno.makeTempDir());
 * const page = await context.newPage();
 * await page.setContent("<p>hi</p>");
 * await context.close();
 * ```
 */
export function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [...CHROMIUM_FLAGS],
  });
}

/**
 * Debian's Chromium, headless, driven by playwright-core, for the explorer's page tests: one place
 * for where it lives, how a test without it says it is skipped, and how it is launched.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";

/** Debian's `chromium` package (.ci/run installs it). */
export const CHROMIUM = "/usr/bin/chromium";
/** Where the tests leave their screenshots. */
export const OUTPUT = path.resolve("test-output");

/** Skips the running test, saying why and how to get Chromium, when it is not installed. */
export function skipWithoutChromium(test: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  console.log(`    SKIPPED: no Chromium at ${CHROMIUM}; install it with \`apt-get install -y chromium\` (.ci/run does)`);
  test.skip();
}

/** A headless browser on a fresh profile, its first page, and the script errors that page raised. */
export interface HeadlessBrowser {
  context: BrowserContext;
  page: Page;
  pageErrors: string[];
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Launches {@link CHROMIUM} headless on a fresh profile (no sandbox, GPU, QUIC or background traffic), 1280×1000. */
export async function launchHeadless(): Promise<HeadlessBrowser> {
  const { chromium } = await import("playwright-core");
  mkdirSync(OUTPUT, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), "ultrasound-chromium-"));
  const context = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 1000 },
    })
    .catch((error: unknown) => {
      rmSync(profile, { recursive: true, force: true });
      throw error;
    });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  return {
    context,
    page,
    pageErrors,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Debian's Chromium under playwright-core, for the browser oracle's page tests: the launch
 * flags of a CI box with no GPU and no network, a fresh profile per launch, never a download.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser (override with LL4AL_CHROMIUM). */
export const CHROMIUM_PATH = process.env['LL4AL_CHROMIUM'] ?? '/usr/bin/chromium';

/** True when the browser is installed. */
export const hasChromium = (): boolean => existsSync(CHROMIUM_PATH);

/** Skip the page tests where there is no browser, except on CI (CI=true), where they must run and fail. */
export const skipWithoutChromium = (): boolean => !hasChromium() && process.env['CI'] !== 'true';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** A browser with a fresh profile; `close` ends it and removes the profile. */
export interface TestBrowser {
  readonly context: () => Promise<BrowserContext>;
  readonly close: () => Promise<void>;
}

/**
 * Hands out browser contexts, each a Chromium of its own on a fresh `--user-data-dir` (a
 * persistent context, which is how Playwright passes that flag): two contexts share no
 * cookies, storage or cache, like two people's browsers.
 * @returns the handle; `close` ends every browser and removes the profiles
 */
export const launchChromium = async (): Promise<TestBrowser> => {
  const profiles: string[] = [];
  const contexts: BrowserContext[] = [];
  const context = async (): Promise<BrowserContext> => {
    const profile = mkdtempSync(join(tmpdir(), 'll4al-chromium-'));
    profiles.push(profile);
    const c = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 800 },
    });
    contexts.push(c);
    return c;
  };
  return {
    context,
    close: async () => {
      for (const c of contexts) await c.close().catch(() => {});
      for (const p of profiles) rmSync(p, { recursive: true, force: true });
    },
  };
};

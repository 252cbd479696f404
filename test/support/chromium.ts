/**
 * Debian's Chromium under playwright-core, for the browser oracle's page tests: the launch
 * flags of a CI box with no GPU and no network, a fresh profile per launch, never a download.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser (override with LL4AL_CHROMIUM). */
export const CHROMIUM_PATH = process.env['LL4AL_CHROMIUM'] ?? '/usr/bin/chromium';

/** True when the browser is installed (the page tests are skipped, loudly, when it is not). */
export const hasChromium = (): boolean => existsSync(CHROMIUM_PATH);

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** A browser with a fresh profile; `close` ends it and removes the profile. */
export interface TestBrowser {
  readonly context: () => Promise<BrowserContext>;
  readonly close: () => Promise<void>;
}

/**
 * Launches Chromium with a fresh `--user-data-dir` (a persistent context, as that flag
 * needs) and hands out isolated contexts: the first is the profile's own, later ones are
 * new incognito-like contexts of a second browser on another fresh profile.
 * @returns the browser handle
 */
export const launchChromium = async (): Promise<TestBrowser> => {
  const profiles: string[] = [];
  const browsers: Browser[] = [];
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
      for (const b of browsers) await b.close().catch(() => {});
      for (const p of profiles) rmSync(p, { recursive: true, force: true });
    },
  };
};

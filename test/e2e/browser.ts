import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { browserTransportScript } from './transport-server.js';

/** Debian's Chromium, headless, with background services off (no network chatter, no first-run UI). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page with the test transport as window.api, opened on the served renderer, in the given UI language. */
export async function openApp(browser: Browser, url: string, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1200, height: 860 } });
  await context.addInitScript({ content: await browserTransportScript() });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e));
  await page.goto(url);
  return page;
}

const results = fileURLToPath(new URL('../../test-results/e2e/', import.meta.url));

/** Full-page screenshot into test-results/e2e/ (git-ignored), named after the screen. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(results, { recursive: true });
  const file = path.join(results, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

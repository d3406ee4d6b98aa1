import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  browserTransportScript,
  startTransportServer,
  type TransportOptions,
  type TransportServer,
} from './transport-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

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

/** An acceptance test's app window: the served renderer in Chromium, talking to an engine through the transport. */
export interface AppWindow {
  page: Page;
  server: TransportServer;
  /** Closes the browser, then the transport server. */
  close(): Promise<void>;
}

/**
 * Builds the renderer if dist/renderer is missing, serves it with the test transport over `options` (engine
 * and shell), and opens it in Debian's Chromium.
 */
export async function openAppWindow(options: TransportOptions): Promise<AppWindow> {
  if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: path.join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  }
  const server = await startTransportServer(options);
  const browser = await launchChromium();
  const page = await openApp(browser, server.url);
  return {
    page,
    server,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

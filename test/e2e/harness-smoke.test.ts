import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openApp, screenshot } from './browser.js';
import { FakeEngine } from './fake-engine.js';
import { recordingShell, startTransportServer, type TransportServer } from './transport-server.js';

/**
 * Proves the e2e harness (built renderer in Debian's Chromium ↔ test transport ↔ dispatcher ↔ EnginePort)
 * with the in-memory FakeEngine. The acceptance flows (setup → first backup, failing backup, restores,
 * language switch) run the same harness against core/engine.ts: see README-e2e.md in this folder.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const rendererDir = path.join(root, 'dist', 'renderer');

let browser: Browser;
let server: TransportServer;
let engine: FakeEngine;
const shell = recordingShell({ homeDir: '/home/ada', chooseFolder: '/media/usb/backup' });

beforeAll(async () => {
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: path.join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  }
  engine = new FakeEngine({ stepMs: 60 });
  server = await startTransportServer({ engine, shell });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name });

describe('e2e harness (fake engine)', () => {
  it('the production bundle carries no test transport', async () => {
    const assets = path.join(rendererDir, 'assets');
    for (const f of (await readdir(assets)).filter((x) => x.endsWith('.js'))) {
      const js = await readFile(path.join(assets, f), 'utf8');
      expect(js).not.toContain('EventSource');
      expect(js).not.toContain('__restrayTransport');
    }
  });

  it('renders every screen in Chromium and screenshots it', async () => {
    const page = await openApp(browser, server.url);
    await heading(page, 'Overview').waitFor();
    await page.getByText(/Not yet offsite/).waitFor();
    await screenshot(page, 'dashboard');
    for (const [nav, title, file] of [
      ['Snapshots', 'Snapshots', 'snapshots'],
      ['Restore files', 'Restore files', 'restore'],
      ['Backup plans', 'Backup plans', 'plans'],
      ['Settings', 'Settings', 'settings'],
      ['Logs', 'Logs', 'logs'],
    ] as const) {
      await page.getByRole('navigation').getByRole('button', { name: nav }).click();
      await heading(page, title).waitFor();
      await screenshot(page, file);
    }
    await page.context().close();
  });

  it('runs a backup with live progress and restores a file to a new folder', async () => {
    const page = await openApp(browser, server.url);
    await page.getByRole('button', { name: 'Back up “home” now' }).click();
    await page.getByRole('progressbar', { name: 'Progress' }).waitFor();
    await screenshot(page, 'dashboard-running');
    await page.getByRole('region', { name: 'Backup of “home”' }).waitFor({ state: 'detached' });
    await page.getByRole('navigation').getByRole('button', { name: 'Restore files' }).click();
    await page.getByRole('button', { name: 'Open Documents' }).click();
    await page.getByRole('checkbox', { name: 'Select report.odt' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await screenshot(page, 'restore-destination');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByRole('heading', { name: 'Restore finished' }).waitFor();
    await screenshot(page, 'restore-done');
    await page.getByRole('button', { name: 'Open folder' }).click();
    await expect.poll(() => shell.calls.some((c) => c.name === 'openFolder')).toBe(true);
    await page.context().close();
  });

  it('switches language to German', async () => {
    const page = await openApp(browser, server.url);
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Language').selectOption('de');
    await heading(page, 'Einstellungen').waitFor();
    await page.getByRole('navigation').getByRole('button', { name: 'Übersicht' }).click();
    await heading(page, 'Übersicht').waitFor();
    await screenshot(page, 'dashboard-de');
    await engine.saveSettings({ settings: { ...engine.state.config.settings, language: 'en' } });
    await heading(page, 'Overview').waitFor();
    await page.context().close();
  });

  it('after a lost connection the page reloads the full state', async () => {
    const page = await openApp(browser, server.url);
    await heading(page, 'Overview').waitFor();
    server.dropConnections();
    await engine.pause({ until: new Date(Date.now() + 4 * 3_600_000).toISOString() });
    await page.getByText(/Backups are paused until/).waitFor();
    const reconnects = await page.evaluate(
      () =>
        (globalThis as unknown as { __restrayTransport?: { reconnects: number } }).__restrayTransport
          ?.reconnects,
    );
    expect(reconnects).toBeGreaterThanOrEqual(1);
    await engine.resume();
    await page.context().close();
  });

  it('first run opens the setup wizard', async () => {
    const empty = new FakeEngine();
    empty.state = {
      ...empty.state,
      config: { ...empty.state.config, repositories: [], plans: [] },
      repos: [],
      plans: [],
      recentRuns: [],
    };
    const s2 = await startTransportServer({ engine: empty, shell });
    try {
      const page = await openApp(browser, s2.url);
      await heading(page, 'Set up backups').waitFor();
      await screenshot(page, 'setup');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByLabel('Pi address (host name or IP)').fill('pi.local');
      await page.getByRole('button', { name: 'Create access key' }).click();
      await page.getByTestId('provision-command').waitFor();
      await screenshot(page, 'setup-pi');
      await page.context().close();
    } finally {
      await s2.close();
    }
  });
});

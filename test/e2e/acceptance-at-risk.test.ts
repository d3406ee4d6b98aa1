import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainStatus } from '../../contract/app-state.js';
import { startChainLab, type ChainLab } from '../chain/chain-lab.js';
import { waitFor } from '../cli/cli-lab.js';
import { openAppWindow, screenshot, type AppWindow } from './browser.js';
import { openRealEngine } from './real-engine.js';
import { recordingShell } from './transport-server.js';

/**
 * "At risk" in the window (issue 12), with the real engine and the chain lab: a backup the offsite Pi verified
 * is safe; then the backed-up folder vanishes and three scheduled backups fail (real restic). The dashboard's
 * verdict says since when backups fail, why, and the next step; the workstation's hop card says the same; in
 * English and, after switching the language, in German.
 */

let app: AppWindow;
let lab: ChainLab;
let real: Awaited<ReturnType<typeof openRealEngine>>;
let page: Page;
const home = mkdtempSync(path.join(tmpdir(), 'restray-e2e-at-risk-'));
const docs = path.join(home, 'Documents');

const chainUntil = (pred: (c: ChainStatus) => boolean, what: string) =>
  waitFor(async () => {
    const [c] = await real.engine.refreshChains(['pi']);
    return c && pred(c) ? c : undefined;
  }, what);
const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name });
const verdict = () => page.locator('.chain .verdict');
const hop = (name: string) => page.locator('li.hop', { has: page.getByText(name, { exact: true }) });

beforeAll(async () => {
  mkdirSync(docs, { recursive: true });
  writeFileSync(path.join(docs, 'report.txt'), 'quarterly report\n');
  lab = await startChainLab();
  real = await openRealEngine();
  await real.engine.addRepository(lab.repository(), lab.pis.workstation.password, { verify: true });
  await real.engine.savePlan({ name: 'home', repo: 'pi', paths: [docs] });
  const first = await real.engine.startBackup('home', 'schedule').done;
  expect(first.result, JSON.stringify(first.error)).toBe('success');
  expect((await lab.sync()).result).toBe('ok');
  await chainUntil((c) => c.verdict === 'safe', 'the synced backup to be safe');
  app = await openAppWindow({ engine: real.port, shell: recordingShell({ homeDir: home }) });
  page = app.page;
}, 180_000);

afterAll(async () => {
  await app?.close();
  await real?.close();
  await lab?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('acceptance: at risk after failed backups (real engine, chain lab)', () => {
  it('safe, then three failed backups: at risk with since when, why and the next step', async () => {
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await verdict().filter({ hasText: 'Safe: your newest backup is confirmed offsite.' }).waitFor();

    renameSync(docs, `${docs}.gone`);
    for (let i = 0; i < 3; i++) {
      const run = await real.engine.startBackup('home', 'schedule').done;
      expect(run.result).toBe('failed');
    }
    await verdict()
      .filter({ hasText: /^At risk: Backups of “home” have failed since .+: / })
      .waitFor({ timeout: 60_000 });
    const text = await verdict().innerText();
    expect(text).toMatch(/Next step: Open the run’s log for the cause, fix it, then back up now\./);
    // The offsite copy itself is fine: the Pis' cards stay OK, the workstation's says what is wrong.
    expect(await hop('Offsite Pi').locator('.hop-state').innerText()).toBe('OK');
    // The folder is gone on this computer: nothing is wrong with the onsite Pi.
    expect(await hop('Onsite Pi').locator('.hop-state').innerText()).toBe('OK');
    const ws = hop('This computer');
    expect(await ws.locator('.hop-state').innerText()).toBe('Failed');
    expect(await ws.locator('.hop-reason').innerText()).toMatch(/^Backups of “home” have failed since /);
    expect(await ws.locator('.hop-next').innerText()).toMatch(/^Next step: /);
    await screenshot(page, 'real-dashboard-at-risk');
  });

  it('the same in German', async () => {
    await nav('Settings').click();
    await page.getByLabel('Language').selectOption('de');
    await nav('Übersicht').click();
    await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor();
    await verdict()
      .filter({ hasText: /^Gefährdet: Sicherungen von „home“ schlagen seit .+ fehl: / })
      .waitFor();
    expect(await verdict().innerText()).toMatch(
      /Nächster Schritt: Öffnen Sie das Protokoll des Laufs, beheben Sie die Ursache und sichern Sie dann erneut\./,
    );
    expect(await hop('Dieser Computer').locator('.hop-next').innerText()).toMatch(/^Nächster Schritt: /);
    await screenshot(page, 'real-dashboard-at-risk-de');
    await nav('Einstellungen').click();
    await page.getByLabel('Sprache').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  });
});

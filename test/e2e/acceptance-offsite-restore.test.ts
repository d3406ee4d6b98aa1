import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { ChainStatus } from '../../contract/app-state.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChainLab, type ChainLab } from '../chain/chain-lab.js';
import { waitFor } from '../cli/cli-lab.js';
import { listTree } from '../pi/lab-two-pi.js';
import { openAppWindow, screenshot, type AppWindow } from './browser.js';
import { openRealEngine } from './real-engine.js';
import { recordingShell } from './transport-server.js';

/**
 * The chain in the window, with the real engine and the chain lab (onsite Pi with restray-pi's accounts, offsite
 * store synced and verified by the real `restray-pi sync`, the offsite Pi's read-only restore account): the
 * dashboard shows "safe" for a synced backup and "not yet offsite" for a newer one; then the onsite Pi goes
 * away (its sshd stopped), and the restore wizard reads from the offsite Pi: its snapshot list (the synced one
 * only), two files restored into a new folder, byte-identical to what that backup saved.
 */

let app: AppWindow;
let lab: ChainLab;
let real: Awaited<ReturnType<typeof openRealEngine>>;
let page: Page;
const home = mkdtempSync(path.join(tmpdir(), 'restray-e2e-offsite-user-'));
const docs = path.join(home, 'Documents');
/** What the first (synced) backup saved. */
const v1 = { 'report.txt': Buffer.from('quarterly report v1\n'), 'photo.bin': randomBytes(300_000) };

/**
 * Checks the chain until `pred` holds (a check already running, e.g. one a backup started, is joined by a
 * refresh and may predate the change); chain-changed then brings it to the window.
 */
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
  for (const [name, data] of Object.entries(v1)) writeFileSync(path.join(docs, name), data);
  lab = await startChainLab();
  real = await openRealEngine();
  // The repository as the Pi set-up leaves it: append-only onsite, offsite status, read-only offsite access.
  await real.engine.addRepository(lab.repository(), lab.pis.workstation.password, { verify: true });
  await real.engine.savePlan({ name: 'home', repo: 'pi', paths: [docs] });
  const first = await real.engine.startBackup('home', 'manual').done;
  expect(first.result, JSON.stringify(first.error)).toBe('success');
  // The offsite Pi's timer, once: pull, verify, promote the generation, publish the status onsite.
  const synced = await lab.sync();
  expect(synced.result, JSON.stringify(synced.run)).toBe('ok');
  await chainUntil((c) => c.verdict === 'safe', 'the app to see the synced backup offsite');
  app = await openAppWindow({ engine: real.port, shell: recordingShell({ homeDir: home }) });
  page = app.page;
}, 180_000);

afterAll(async () => {
  await app?.close();
  await real?.close();
  await lab?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('acceptance with the real engine and the chain lab (onsite and offsite Pi)', () => {
  it('dashboard: the synced backup is safe, a newer one is not yet offsite', async () => {
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await verdict().filter({ hasText: 'Safe: your newest backup is confirmed offsite.' }).waitFor();
    await screenshot(page, 'real-dashboard-chain-safe');

    writeFileSync(path.join(docs, 'report.txt'), 'quarterly report v2\n');
    await page.getByRole('button', { name: 'Back up “home” now' }).click();
    await expect
      .poll(() => page.getByText(/Backup “home” — Succeeded/).count(), { timeout: 120_000 })
      .toBe(2);
    await real.engine.refreshChains(['pi']);
    await verdict()
      .filter({ hasText: /^Not yet offsite: / })
      .waitFor();
    expect(await verdict().innerText()).toContain('1 snapshot waiting to go offsite');
    await screenshot(page, 'real-dashboard-chain-not-yet-offsite');
  });

  it('onsite Pi gone: the restore wizard reads from the offsite Pi, byte-identical', async () => {
    await lab.pis.onsite.sshd.stop();
    await chainUntil((c) => c.onsite.state === 'unreachable', 'the onsite Pi to be unreachable');
    // The status now comes from the offsite Pi itself: still the synced snapshot, still one behind.
    await hop('Onsite Pi').getByText('Unreachable').waitFor();
    expect(await hop('Offsite Pi').locator('.hop-state').innerText()).toBe('OK');
    expect(await verdict().innerText()).toMatch(/^Not yet offsite: /);
    await screenshot(page, 'real-dashboard-onsite-gone');

    await nav('Restore files').click();
    // Read from the onsite Pi (the default) fails: it is gone.
    await page.getByRole('alert').filter({ hasText: 'Connection problem' }).waitFor({ timeout: 60_000 });
    await page.getByRole('radio', { name: 'Offsite Pi (when the onsite Pi is unavailable)' }).check();
    await page.getByTestId('current-path').filter({ hasText: docs }).waitFor({ timeout: 90_000 });
    // Only the synced snapshot is offsite (the newer one never left the onsite Pi).
    expect(await page.locator('#restore-snapshot option').count()).toBe(1);
    // The onsite failure is not shown against the offsite listing that worked.
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Select report.txt' }).check();
    await page.getByRole('checkbox', { name: 'Select photo.bin' }).check();
    await screenshot(page, 'real-restore-offsite-select');
    await page.getByRole('button', { name: 'Next' }).click();
    const target = await page.getByLabel('Folder', { exact: true }).inputValue();
    expect(target.startsWith(path.join(home, 'Restored'))).toBe(true);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    const done = page.getByRole('heading', { name: /^(Restore finished|The restore did not finish\.)$/ });
    await done.waitFor({ timeout: 120_000 });
    if ((await done.innerText()) !== 'Restore finished')
      throw new Error(`restore failed: ${await page.locator('main').innerText()}`);
    await screenshot(page, 'real-restore-offsite-done');

    const restored = listTree(target);
    expect(restored.map((f) => path.basename(f)).sort()).toEqual(['photo.bin', 'report.txt']);
    for (const f of restored) {
      expect(f).toBe(path.relative('/', path.join(docs, path.basename(f))));
      expect(readFileSync(path.join(target, f)).equals(v1[path.basename(f) as keyof typeof v1])).toBe(true);
    }
  });
});

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppWindow, screenshot, type AppWindow } from './browser.js';
import { openRealEngine } from './real-engine.js';
import { recordingShell } from './transport-server.js';

/**
 * Restore drills in the window (issue 12), with the real engine, real restic and a local repository: a drill that
 * passes shows "Last restore test …: passed, N files"; after one byte of the data pack holding the backed-up file
 * is flipped, "Test a restore" (the dashboard's button) fails and the line names the damaged file with the next
 * step — in English and, after switching the language, in German. The offsite variant (the drill through the
 * offsite Pi's read-only account) is test/chain/drill.test.ts.
 */

let app: AppWindow;
let real: Awaited<ReturnType<typeof openRealEngine>>;
let page: Page;
const home = mkdtempSync(path.join(tmpdir(), 'restray-e2e-drill-'));
const docs = path.join(home, 'Documents');
const repoDir = path.join(home, 'usb', 'backup');
const file = path.join(docs, 'photos.bin');

const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name });
const line = () => page.getByTestId('drill-line');

/** The largest pack of the repository: with one incompressible file it holds that file's data blobs. */
function largestPack(): string {
  const packs: string[] = [];
  const dataDir = path.join(repoDir, 'data');
  for (const d of readdirSync(dataDir))
    for (const f of readdirSync(path.join(dataDir, d))) packs.push(path.join(dataDir, d, f));
  return packs.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
}

beforeAll(async () => {
  mkdirSync(docs, { recursive: true });
  writeFileSync(file, randomBytes(3 * 1024 * 1024));
  real = await openRealEngine();
  await real.engine.addRepository({ name: 'usb', target: { kind: 'local', path: repoDir } }, 'drill e2e pw', {
    init: true,
  });
  await real.engine.savePlan({ name: 'home', repo: 'usb', paths: [docs] });
  const first = await real.engine.startBackup('home', 'manual').done;
  expect(first.result, JSON.stringify(first.error)).toBe('success');
  app = await openAppWindow({ engine: real.port, shell: recordingShell({ homeDir: home }) });
  page = app.page;
}, 180_000);

afterAll(async () => {
  await app?.close();
  await real?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('acceptance: restore drills (real engine, local repository)', () => {
  it('a drill that passes, then one that fails naming the damaged file', async () => {
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const passed = await real.engine.startDrill({ repo: 'usb', trigger: 'manual' }).done;
    expect(passed.result, JSON.stringify(passed.error)).toBe('success');
    await line()
      .filter({ hasText: /^Last restore test from the onsite Pi: passed, 1 file, / })
      .waitFor({ timeout: 60_000 });

    // One flipped byte in the middle of the pack that holds the file's data.
    const pack = largestPack();
    const bytes = readFileSync(pack);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(pack, bytes);

    await page.getByRole('button', { name: 'Test a restore of “usb”' }).click();
    await line().filter({ hasText: 'failed (“' }).waitFor({ timeout: 120_000 });
    const text = await line().innerText();
    expect(text).toContain(file);
    expect(text).toContain('restray check usb --read-data-subset 100%');
    expect(await line().getAttribute('class')).toContain('warning');
    await screenshot(page, 'real-dashboard-drill-failed');
  });

  it('the same in German', async () => {
    await nav('Settings').click();
    await page.getByLabel('Language').selectOption('de');
    await nav('Übersicht').click();
    await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor();
    await line()
      .filter({ hasText: /^Letzter Wiederherstellungstest vom Pi vor Ort: fehlgeschlagen \(„/ })
      .waitFor();
    expect(await line().innerText()).toContain(file);
    expect(await line().innerText()).toContain('Suchen Sie den Schaden mit `restray check usb');
    await page.getByRole('button', { name: 'Wiederherstellung von „usb“ testen' }).waitFor();
    await screenshot(page, 'real-dashboard-drill-failed-de');
    await nav('Einstellungen').click();
    await page.getByLabel('Sprache').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  });
});

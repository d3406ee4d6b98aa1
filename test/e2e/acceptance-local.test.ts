import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppWindow, screenshot, type AppWindow } from './browser.js';
import { openRealEngine } from './real-engine.js';
import { recordingShell } from './transport-server.js';

/**
 * Acceptance flows of issue 4 against the real core engine (real restic, real keychain), with a local folder
 * as the backup target: setup wizard → first backup; a failing backup shows its reason; restore of a file to a
 * new folder and to its original place; language switch. The Pi variant (real sshd from test/lab) runs the
 * same screens with the Pi branch of the wizard.
 */

const PASSWORD = 'e2e password 4711 ü';

let app: AppWindow;
let close: () => Promise<void>;
let page: Page;
const home = mkdtempSync(path.join(tmpdir(), 'restray-e2e-user-'));
const repoDir = path.join(mkdtempSync(path.join(tmpdir(), 'restray-e2e-usb-')), 'backup');
const docs = path.join(home, 'Documents');
const shell = recordingShell({ homeDir: home, chooseFolder: repoDir });

/** Every file below `dir`, as paths relative to it. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** Waits for the restore's end and fails with the screen's error text if it did not succeed. */
async function restoreOutcome(): Promise<void> {
  const done = page.getByRole('heading', { name: /^(Restore finished|The restore did not finish\.)$/ });
  await done.waitFor({ timeout: 120_000 });
  if ((await done.innerText()) !== 'Restore finished') {
    throw new Error(`restore failed: ${await page.locator('main').innerText()}`);
  }
}

const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name });

beforeAll(async () => {
  mkdirSync(docs, { recursive: true });
  writeFileSync(path.join(docs, 'report.txt'), 'quarterly report v1\n');
  writeFileSync(path.join(docs, 'notes.txt'), 'notes\n');
  const real = await openRealEngine();
  close = real.close;
  app = await openAppWindow({ engine: real.port, shell });
  page = app.page;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await close?.();
});

describe('acceptance with the real engine and a local folder', () => {
  it('setup wizard to the first backup', async () => {
    await page.getByRole('heading', { level: 1, name: 'Set up backups' }).waitFor();
    await page.getByRole('radio', { name: 'A folder or USB disk' }).check();
    await page.getByRole('button', { name: 'Choose…' }).click();
    await expect.poll(() => page.getByLabel('Backup folder').inputValue()).toBe(repoDir);
    await page.getByRole('button', { name: 'Next' }).click();
    await page
      .getByRole('heading', { name: 'Create a new repository, or use one you already have?' })
      .waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'I will type a password' }).check();
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
    await page.getByRole('textbox', { name: 'Repeat the password' }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create repository' }).click();
    await page.getByRole('heading', { name: 'Recovery sheet' }).waitFor({ timeout: 60_000 });
    await screenshot(page, 'real-recovery-sheet');
    expect(await page.content()).not.toContain(PASSWORD);
    await page.getByRole('checkbox', { name: 'I have stored the recovery sheet safely' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText(home, { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Only when I start it' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Save and start' }).click();
    await page.getByRole('heading', { name: 'All set' }).waitFor();
    await page.getByRole('button', { name: 'Start first backup' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page
      .getByText(/Backup “home” — Succeeded/)
      .first()
      .waitFor({ timeout: 120_000 });
    await screenshot(page, 'real-dashboard-first-backup');
  });

  it('a failing backup shows its reason', async () => {
    const moved = `${repoDir}.away`;
    renameSync(repoDir, moved);
    try {
      await nav('Overview').click();
      await page.getByRole('button', { name: 'Back up “home” now' }).click();
      const failed = page.locator('li.run-failed').first();
      await failed.waitFor({ timeout: 120_000 });
      const text = await failed.innerText();
      expect(text).toMatch(/Backup “home” — Failed/);
      expect(text.split('Failed')[1]!.length).toBeGreaterThan(10); // a reason follows, not just "failed"
      await screenshot(page, 'real-dashboard-failed');
    } finally {
      renameSync(moved, repoDir);
    }
  });

  it('restores a file to a new folder', async () => {
    await nav('Restore files').click();
    await page.getByTestId('current-path').filter({ hasText: home }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Open Documents' }).click();
    await page.getByRole('checkbox', { name: 'Select report.txt' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    const target = await page.getByLabel('Folder', { exact: true }).inputValue();
    expect(target.startsWith(path.join(home, 'Restored'))).toBe(true);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await restoreOutcome();
    await screenshot(page, 'real-restore-new-folder');
    const restored = filesBelow(target).filter((f) => f.endsWith('report.txt'));
    expect(restored).toHaveLength(1);
    expect(readFileSync(path.join(target, restored[0]!), 'utf8')).toBe('quarterly report v1\n');
    await page.getByRole('button', { name: 'Open folder' }).click();
    await expect.poll(() => shell.calls.some((c) => c.name === 'openFolder')).toBe(true);
  });

  it('restores a file to its original place, replacing the changed one', async () => {
    writeFileSync(path.join(docs, 'report.txt'), 'overwritten by mistake\n');
    await page.getByRole('button', { name: 'Restore more files' }).click();
    await page.getByRole('button', { name: 'Open Documents' }).click();
    await page.getByRole('checkbox', { name: 'Select report.txt' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Back to their original place' }).check();
    await page.getByRole('radio', { name: 'Replace it with the restored file' }).check();
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await restoreOutcome();
    expect(readFileSync(path.join(docs, 'report.txt'), 'utf8')).toBe('quarterly report v1\n');
  });

  it('switches the language to German and back', async () => {
    await nav('Settings').click();
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { level: 1, name: 'Einstellungen' }).waitFor();
    await nav('Übersicht').click();
    await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor();
    await screenshot(page, 'real-dashboard-de');
    await nav('Einstellungen').click();
    await page.getByLabel('Sprache').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type LabSshd } from '../lab/sshd.js';
import { openAppWindow, screenshot, type AppWindow } from './browser.js';
import { openRealEngine } from './real-engine.js';
import { recordingShell } from './transport-server.js';

/**
 * The setup wizard's Raspberry Pi branch against the real engine and a real sshd (the lab's "Pi"): create the
 * access key, authorise it on the Pi as the administrator would, compare and confirm the host key, test the
 * connection, create the repository with a generated password, and run the first backup over SFTP.
 */

let app: AppWindow;
let sshd: LabSshd;
let close: () => Promise<void>;
let page: Page;
const home = mkdtempSync(path.join(tmpdir(), 'restray-e2e-pi-user-'));
const piRepo = path.join(mkdtempSync(path.join(tmpdir(), 'restray-e2e-pi-srv-')), 'restic');

beforeAll(async () => {
  mkdirSync(path.join(home, 'Documents'), { recursive: true });
  writeFileSync(path.join(home, 'Documents', 'thesis.txt'), 'chapter 1\n');
  sshd = await startSshd({ users: ['root'] });
  const real = await openRealEngine();
  close = real.close;
  app = await openAppWindow({ engine: real.port, shell: recordingShell({ homeDir: home }) });
  page = app.page;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await close?.();
  await sshd?.stop();
});

describe('acceptance with the real engine and a Pi over SSH (lab sshd)', () => {
  it('setup wizard (key, host key, connection test, generated password) to the first backup', async () => {
    await page.getByRole('heading', { level: 1, name: 'Set up backups' }).waitFor();
    await page.getByRole('radio', { name: 'A Raspberry Pi on my network' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Pi address (host name or IP)').fill(sshd.host);
    await page.getByLabel('SSH port').fill(String(sshd.port));
    await page.getByLabel('User on the Pi').fill('root');
    await page.getByLabel('Repository folder on the Pi').fill(piRepo);
    await page.getByRole('radio', { name: /^Full access \(SFTP\)/ }).check();
    await page.getByRole('button', { name: 'Create access key' }).click();
    const command = await page.getByTestId('provision-command').innerText();
    expect(command).toMatch(/^sudo restray-pi provision onsite /);
    // The administrator's part: authorise the workstation key on the "Pi".
    const publicKey = command.match(/(ssh-ed25519 [A-Za-z0-9+/=]+)/)![1]!;
    sshd.setAuthorizedKeys('root', [publicKey]);
    await screenshot(page, 'real-setup-pi-key');

    await page.getByRole('button', { name: 'I ran it — check the Pi' }).click();
    const expected = execFileSync('ssh-keygen', ['-lf', sshd.hostKeyPath], { encoding: 'utf8' }).split(
      ' ',
    )[1]!;
    await page.getByText(expected).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'The fingerprints match' }).click();
    await page.getByText(/^Connected in \d+ ms/).waitFor({ timeout: 90_000 });
    await screenshot(page, 'real-setup-pi-tested');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Create a new repository' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Generate a strong password for me' }).check();
    await page.getByRole('button', { name: 'Create repository' }).click();
    await page.getByRole('heading', { name: 'Recovery sheet' }).waitFor({ timeout: 90_000 });
    const generated = await page.locator('.recovery-sheet .password').innerText();
    expect(generated.length).toBeGreaterThanOrEqual(20);
    await page.getByRole('checkbox', { name: 'I have stored the recovery sheet safely' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    // Shown once: gone after the sheet is confirmed.
    expect(await page.content()).not.toContain(generated);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Only when I start it' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Save and start' }).click();
    await page.getByRole('button', { name: 'Start first backup' }).click();
    await page
      .getByText(/Backup “home” — Succeeded/)
      .first()
      .waitFor({ timeout: 120_000 });
    await screenshot(page, 'real-dashboard-pi');
    expect(readdirSync(path.join(piRepo, 'snapshots'))).toHaveLength(1);
  });
});

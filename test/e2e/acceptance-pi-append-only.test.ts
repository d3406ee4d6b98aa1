import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrintedProvisionCommand } from '../lab/lab-onsite-accounts.js';
import { startTwoPiLab, type TwoPiLab } from '../pi/lab-two-pi.js';
import { openAppWindow, screenshot, type AppWindow } from './browser.js';
import { openRealEngine } from './real-engine.js';
import { recordingShell } from './transport-server.js';

/**
 * The setup wizard's Raspberry Pi branch with the append-only profile, against the real engine and the lab's
 * onsite Pi (real sshd and accounts made by restray-pi): the wizard prints `restray-pi provision onsite …`, the
 * "administrator" runs exactly that command (real restray-pi, through a shell), which installs the key with the
 * forced command `rclone serve restic --stdio --append-only <repo>`; then host key, connection test, new
 * repository, first backup. The workstation offers no clean-up for the append-only target, and the snapshot shows.
 */

let app: AppWindow;
let lab: TwoPiLab;
let real: Awaited<ReturnType<typeof openRealEngine>>;
let page: Page;
const home = mkdtempSync(path.join(tmpdir(), 'restray-e2e-ao-user-'));

const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name });

beforeAll(async () => {
  mkdirSync(path.join(home, 'Documents'), { recursive: true });
  writeFileSync(path.join(home, 'Documents', 'thesis.txt'), 'chapter 1\n');
  lab = await startTwoPiLab({ faultProxy: false });
  real = await openRealEngine();
  app = await openAppWindow({ engine: real.port, shell: recordingShell({ homeDir: home }) });
  page = app.page;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await real?.close();
  await lab?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('acceptance with the real engine and an append-only Pi (lab onsite Pi, restray-pi provisioning)', () => {
  it('setup wizard (printed provisioning command run on the Pi) to the first backup; no clean-up offered', async () => {
    // A repository folder of its own on the lab's Pi (the lab's own repository has another password).
    const piRepo = path.join(path.dirname(lab.onsite.repo), 'wizard-repo');
    await page.getByRole('heading', { level: 1, name: 'Set up backups' }).waitFor();
    await page.getByRole('radio', { name: 'A Raspberry Pi on my network' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Pi address (host name or IP)').fill(lab.onsite.sshd.host);
    await page.getByLabel('SSH port').fill(String(lab.onsite.sshd.port));
    await page.getByLabel('User on the Pi').fill(lab.onsite.users.workstation);
    await page.getByLabel('Repository folder on the Pi').fill(piRepo);
    await page.getByRole('radio', { name: /^Append-only \(recommended\)/ }).check();
    await page.getByRole('button', { name: 'Create access key' }).click();
    const command = await page.getByTestId('provision-command').innerText();
    expect(command).toMatch(/^sudo restray-pi provision onsite /);
    expect(command).toContain('--mode append-only');
    await screenshot(page, 'real-setup-append-only-key');

    // The administrator's part: the printed command, as printed, on the Pi.
    const printed = await runPrintedProvisionCommand(lab, command);
    expect(printed).toContain('--append-only');
    const publicKey = command.match(/(ssh-ed25519 [A-Za-z0-9+/=]+)/)![1]!;
    const authorized = readFileSync(
      path.join(lab.onsite.sshd.dir, 'authorized_keys', lab.onsite.users.workstation),
      'utf8',
    );
    const line = authorized.split('\n').find((l) => l.includes(publicKey));
    expect(line).toMatch(/^command="\S*rclone serve restic --stdio --append-only \S+",restrict ssh-ed25519 /);
    expect(line).toContain(piRepo);

    await page.getByRole('button', { name: 'I ran it — check the Pi' }).click();
    const expected = execFileSync('ssh-keygen', ['-lf', lab.onsite.sshd.hostKeyPath], {
      encoding: 'utf8',
    }).split(' ')[1]!;
    await page.getByText(expected).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'The fingerprints match' }).click();
    await page.getByText(/^Connected in \d+ ms/).waitFor({ timeout: 90_000 });
    await page.getByText('The folder does not exist yet: a new repository will be created.').waitFor();
    await screenshot(page, 'real-setup-append-only-tested');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Create a new repository' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Generate a strong password for me' }).check();
    await page.getByRole('button', { name: 'Create repository' }).click();
    await page.getByRole('heading', { name: 'Recovery sheet' }).waitFor({ timeout: 90_000 });
    await page.getByRole('checkbox', { name: 'I have stored the recovery sheet safely' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText(home, { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Only when I start it' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    // Retention on an append-only target is the Pi's business: the wizard says so.
    await page
      .getByText('Append-only: old backups are removed on the Pi itself, with this policy.')
      .waitFor();
    await screenshot(page, 'real-setup-append-only-retention');
    await page.getByRole('button', { name: 'Save and start' }).click();
    await page.getByRole('button', { name: 'Start first backup' }).click();
    await page
      .getByText(/Backup “home” — Succeeded/)
      .first()
      .waitFor({ timeout: 120_000 });
    await screenshot(page, 'real-dashboard-append-only');

    // The workstation wrote through rclone's append-only server into the provisioned folder.
    const repository = real.engine.getConfig().repositories[0]!;
    expect(repository.target).toMatchObject({ kind: 'append-only', port: lab.onsite.sshd.port });
    expect(readdirSync(path.join(piRepo, 'snapshots'))).toHaveLength(1);
    // No clean-up from the workstation: the plan never forgets or prunes, and the editor offers neither.
    expect(real.engine.getConfig().plans[0]).toMatchObject({ name: 'home', prune: false });
    await nav('Backup plans').click();
    await page.getByRole('button', { name: 'Edit “home”' }).click();
    await page
      .getByText('Append-only: old backups are removed on the Pi itself, with this policy.')
      .waitFor();
    expect(await page.getByRole('checkbox', { name: 'Remove old snapshots after each backup' }).count()).toBe(
      0,
    );
    await screenshot(page, 'real-plans-append-only');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // The snapshot shows in the app.
    await nav('Snapshots').click();
    await page.getByText('1 snapshot', { exact: true }).waitFor({ timeout: 60_000 });
    expect(await page.locator('.snapshot-row .paths').innerText()).toBe(home);
    await screenshot(page, 'real-snapshots-append-only');
  });
});

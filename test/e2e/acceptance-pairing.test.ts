import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePairingLine } from '../../contract/pairing-line.js';
import { startPairingLab, type PairingLab } from '../pi/lab-pairing.js';
import { openAppWindow, screenshot, type AppWindow } from './browser.js';
import { openRealEngine } from './real-engine.js';
import { recordingShell } from './transport-server.js';

/**
 * The paired setup with the app in it (real engine, Chromium, the pairing lab of test/pi/lab-pairing.ts): the
 * wizard's pairing line goes to `restray-pi setup onsite`, the wizard then connects and makes the first backup,
 * `setup offsite --onsite` makes the first verified generation, and the offsite Pi's line pasted into Settings
 * pins its status key. Only lines travel between the app and the Pis.
 */

let app: AppWindow;
let lab: PairingLab;
let real: Awaited<ReturnType<typeof openRealEngine>>;
let page: Page;
const home = mkdtempSync(path.join(tmpdir(), 'restray-e2e-pair-user-'));

const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name });

beforeAll(async () => {
  mkdirSync(path.join(home, 'Documents'), { recursive: true });
  writeFileSync(path.join(home, 'Documents', 'letter.txt'), 'Dear offsite Pi,\n');
  lab = await startPairingLab('pi');
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

describe('acceptance: the paired setup with the app', () => {
  it('wizard line → setup onsite → first backup → setup offsite --onsite → status key pinned from the offsite line', async () => {
    const offsite1 = await lab.setup(['offsite', ...lab.flags.offsite]);
    expect(offsite1.code, offsite1.err).toBe(0);
    const offsiteLine = offsite1.line!;

    await page.getByRole('heading', { level: 1, name: 'Set up backups' }).waitFor();
    await page.getByRole('radio', { name: 'A Raspberry Pi on my network' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Pi address (host name or IP)').fill(lab.sshd.host);
    await page.getByLabel('SSH port').fill(String(lab.sshd.port));
    await page.getByLabel('User on the Pi').fill(lab.users.workstation);
    await page.getByLabel('Repository folder on the Pi').fill(path.join(lab.onsite.base, 'pi', 'repo'));
    await page.getByRole('radio', { name: /^Append-only \(recommended\)/ }).check();
    await page.getByRole('button', { name: 'Create access key' }).click();
    const wizardLine = (await page.getByTestId('pairing-line').innerText()).trim();
    expect(parsePairingLine(wizardLine, 'workstation')).toMatchObject({ ok: true, payload: { name: 'pi' } });
    await screenshot(page, 'real-setup-pairing-line');

    // The administrator pastes the wizard's line on the onsite Pi.
    const onsite = await lab.setup([
      'onsite',
      '--workstation',
      wizardLine,
      '--offsite',
      offsiteLine,
      ...lab.flags.onsite,
    ]);
    expect(onsite.code, onsite.err).toBe(0);

    await page.getByRole('button', { name: 'I ran it — check the Pi' }).click();
    await page.getByRole('button', { name: 'The fingerprints match' }).click();
    await page.getByText(/^Connected in \d+ ms/).waitFor({ timeout: 90_000 });
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
    await page.getByRole('button', { name: 'Save and start' }).click();
    await page.getByRole('button', { name: 'Start first backup' }).click();
    await page
      .getByText(/Backup “home” — Succeeded/)
      .first()
      .waitFor({ timeout: 120_000 });

    // The offsite Pi gets the onsite Pi's line: pinned, configured, first verified generation.
    const offsite2 = await lab.setup(['offsite', '--onsite', onsite.line!, ...lab.flags.offsite]);
    expect(offsite2.code, `${offsite2.out}\n${offsite2.err}`).toBe(0);
    expect(readdirSync(path.join(lab.offsite.storeDir, 'pi', 'generations'))).toHaveLength(1);

    // In the app, the offsite Pi's line (from step 1) pins its status key.
    await nav('Settings').click();
    const region = page.getByRole('region', { name: 'Offsite Pi' });
    await region.getByRole('checkbox', { name: /^An offsite Pi copies this repository/ }).check();
    await region.getByLabel('Status account on the onsite Pi').fill(lab.users.status);
    await region.getByLabel(/^The offsite Pi’s status key/).fill(offsiteLine);
    await region.getByRole('button', { name: 'Test and save' }).click();
    await page
      .getByText('Saved. The overview now shows whether your backups reached the offsite Pi.')
      .waitFor({ timeout: 60_000 });
    await screenshot(page, 'real-settings-pairing-pinned');
    const parsed = parsePairingLine(offsiteLine, 'offsite');
    expect(real.engine.getConfig().repositories[0]!.offsiteStatusKey).toBe(
      parsed.ok && parsed.payload.signingKey,
    );
  }, 420_000);
});

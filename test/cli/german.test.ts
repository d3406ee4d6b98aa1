import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTree } from '../restic/restic-lab.js';
import { workstation } from './cli-lab.js';

const PASSWORD = 'deutsches Passwort 0815';
// LC_ALL and LC_MESSAGES win over LANG: blank them so that only LANG speaks.
const GERMAN = { LANG: 'de_DE.UTF-8', LC_ALL: '', LC_MESSAGES: '' };

describe('restray in German (LANG=de_DE.UTF-8; real restic, real keychain)', () => {
  it('main outputs and every error line follow the locale; the configured language wins', async () => {
    const ws = workstation();
    const de = (args: string[], input?: string) =>
      ws.run(args, { env: GERMAN, ...(input === undefined ? {} : { input }) });
    const src = mkdtempSync(join(tmpdir(), 'restray-de-src-'));
    writeTree(src, { 'brief.txt': 'Hallo' });
    const repo = join(mkdtempSync(join(tmpdir(), 'restray-de-repo-')), 'repo');

    const add = await de(['repo', 'add', 'usb', '--url', repo, '--init'], `${PASSWORD}\n`);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toBe(
      'Repository „usb“ hinzugefügt und angelegt; sein Passwort liegt im Schlüsselbund.',
    );
    const plan = await de(['plan', 'add', 'home', '--repo', 'usb', '--path', src]);
    expect(plan.stdout).toBe('Plan „home“ gespeichert.');

    const backup = await de(['backup', 'home']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^Sicherungsstand [0-9a-f]{8} gespeichert: 1 Dateien, .* in .*\.$/);
    const list = await de(['snapshots', 'usb']);
    expect(list.stdout).toMatch(/\n1 Sicherungsstand$/);
    const check = await de(['check', 'usb']);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/Repository „usb“ ist in Ordnung\.$/);

    const status = await de(['status', '--no-check']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^usb: nur vor Ort \(kein externer Pi eingerichtet\)$/m);
    expect(status.stdout).toMatch(/^ {2}letzte Sicherung: \S+ \(erfolgreich\)$/m);
    expect(status.stdout).toMatch(/^Plan home: zuletzt erfolgreich \S+, nächster manuell$/m);

    // Errors: one line each, in German, with the exit status of their kind.
    const gone = await de(['snapshots', 'gibtsnicht']);
    expect(gone.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(gone.stderr).toMatch(/^restray: Ungültige Eingabe: |^restray: Nicht gefunden: /);
    const badSnap = await de(['ls', 'usb', 'deadbeef']);
    expect(badSnap.exitCode).toBe(1);
    expect(badSnap.stderr).toBe(
      'restray: Sicherungsstand deadbeef wurde im Repository nicht gefunden. ' +
        'Laden Sie die Liste der Sicherungsstände neu: Eine Aufbewahrungsregel hat ihn vielleicht entfernt.',
    );
    const usage = await de(['bogus']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/\(siehe restray --help\)$/);

    // English without a German locale, and with a German one when the settings say English.
    const en = await ws.run(['snapshots', 'usb']);
    expect(en.stdout).toMatch(/\n1 snapshot\(s\)$/);
    const configFile = join(ws.home, 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { settings: Record<string, unknown> };
    writeFileSync(
      configFile,
      JSON.stringify({ ...config, settings: { ...config.settings, language: 'en' } }),
    );
    expect((await de(['snapshots', 'usb'])).stdout).toMatch(/\n1 snapshot\(s\)$/);
  });
});

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadSecrets, parseConfig } from './config.js';
import { PiError } from './errors.js';

const minimal = {
  version: 1,
  name: 'laptop',
  offsite: {
    root: '/srv/restray-offsite',
    source: {
      host: 'onsite.lan',
      user: 'restray-pull',
      sshKey: '/etc/restray-pi/pull_ed25519',
      knownHosts: '/etc/restray-pi/known_hosts',
    },
  },
};

describe('config', () => {
  it('fills defaults: 7/4/12 retention, keepalives within 60 s, pull mode', () => {
    const c = parseConfig(minimal);
    expect(c.offsite?.retention).toEqual({ keepDaily: 7, keepWeekly: 4, keepMonthly: 12 });
    expect(c.offsite?.ssh).toEqual({ connectTimeout: 15, serverAliveInterval: 10, serverAliveCountMax: 3 });
    expect(c.offsite?.mode).toBe('pull');
    expect(c.offsite?.source?.port).toBe(22);
    expect(c.secretsFile).toBe('/etc/restray-pi/secrets.json');
  });

  it('names the field of every error', () => {
    const bad = {
      ...minimal,
      offsite: {
        ...minimal.offsite,
        source: { ...minimal.offsite.source, port: 70000, sshKey: 'relative' },
        guard: { maxLostShare: 2 },
      },
    };
    try {
      parseConfig(bad, 'config.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PiError);
      const m = (e as PiError).message;
      expect((e as PiError).kind).toBe('invalid-config');
      expect(m).toMatch(/offsite\.source\.port/);
      expect(m).toMatch(/offsite\.source\.sshKey: an absolute path/);
      expect(m).toMatch(/offsite\.guard\.maxLostShare/);
    }
  });

  it('rejects unknown fields (typos) and keepalives that could exceed 60 s', () => {
    expect(() => parseConfig({ ...minimal, offsite: { ...minimal.offsite, retension: {} } })).toThrow(
      /retension/,
    );
    expect(() =>
      parseConfig({
        ...minimal,
        offsite: {
          ...minimal.offsite,
          ssh: { serverAliveInterval: 30, serverAliveCountMax: 3, connectTimeout: 10 },
        },
      }),
    ).toThrow(/offsite\.ssh: .*60 s/);
    expect(() => parseConfig({ ...minimal, offsite: { root: '/x' } })).toThrow(
      /offsite\.source: pull mode needs/,
    );
  });

  it('reports unreadable files and bad JSON with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtpi-cfg-'));
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(
      /Cannot read the config file .*missing\.json: ENOENT/,
    );
    writeFileSync(join(dir, 'bad.json'), '{ "version": 1,');
    expect(() => loadConfig(join(dir, 'bad.json'))).toThrow(/bad\.json is not valid JSON/);
  });
});

describe('secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtpi-sec-'));
  const file = join(dir, 'secrets.json');

  it('refuses a secrets file readable by others, without echoing its content', () => {
    writeFileSync(file, JSON.stringify({ 'webhook-url': 'https://hook.example/TOKEN123' }), { mode: 0o644 });
    chmodSync(file, 0o644);
    try {
      loadSecrets(file, {});
      expect.unreachable();
    } catch (e) {
      expect((e as PiError).message).toMatch(/readable by others \(mode 644\)/);
      expect((e as PiError).message).not.toMatch(/TOKEN123/);
      expect((e as PiError).hint).toBe(`Run: chmod 600 ${file}`);
    }
  });

  it('takes env first, then $CREDENTIALS_DIRECTORY, then the 0600 file', () => {
    writeFileSync(
      file,
      JSON.stringify({
        'webhook-url': 'from-file',
        'healthchecks-url': 'hc-file',
        'restic-password': 'pw-file',
      }),
    );
    chmodSync(file, 0o600);
    const cred = mkdtempSync(join(tmpdir(), 'rtpi-cred-'));
    writeFileSync(join(cred, 'restic-password'), 'pw-cred\n');
    const s = loadSecrets(file, { RESTRAY_PI_WEBHOOK_URL: 'from-env', CREDENTIALS_DIRECTORY: cred });
    expect(s.get('webhook-url')).toBe('from-env');
    expect(s.get('restic-password')).toBe('pw-cred');
    expect(s.filePath('restic-password')).toBe(join(cred, 'restic-password'));
    expect(s.get('healthchecks-url')).toBe('hc-file');
    expect(s.get('webhook-token')).toBeUndefined();
  });

  it('rejects unknown entries and a malformed file without quoting it', () => {
    writeFileSync(file, JSON.stringify({ 'webhok-url': 'x' }));
    chmodSync(file, 0o600);
    expect(() => loadSecrets(file, {})).toThrow(/unknown entry "webhok-url"/);
    writeFileSync(file, '{"webhook-url": "SECRETVALUE"');
    expect(() => loadSecrets(file, {})).toThrow(/is not a JSON object/);
    expect(() => loadSecrets(file, {})).not.toThrow(/SECRETVALUE/);
  });
});

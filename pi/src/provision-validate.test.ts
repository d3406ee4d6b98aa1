import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  authorizedKeyLines,
  dropInPath,
  normaliseKey,
  planOffsite,
  planOffsiteRestore,
  planOffsiteStore,
  planOnsite,
  restoreDropIn,
  restoreKeyLines,
  sftpDropIn,
  type OnsitePlanInput,
} from './provision.js';
import { ACCOUNT_NAME, CONTROL, provisionLang, validateProvisionValues } from './provision-validate.js';

const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxLZk0r2xYv0gq6y3v8Yl6j2C1b0nQeCw4d8Tq7M2Xo ws@laptop';

describe('provision validates every name and path first', () => {
  it('accepts account names as Debian does and nothing else', () => {
    for (const ok of ['restray', 'restray-pull', '_restray', 'r2_d2', 'a'.repeat(32)])
      expect(ACCOUNT_NAME.test(ok), ok).toBe(true);
    for (const bad of [
      '',
      'Restray',
      '1restray',
      '-x',
      'a b',
      'a\nb',
      'a:b',
      'a/b',
      'a$',
      'a'.repeat(33),
      'ü',
    ])
      expect(ACCOUNT_NAME.test(bad), JSON.stringify(bad)).toBe(false);
  });

  const cases: [string, Parameters<typeof validateProvisionValues>[0][number], RegExp][] = [
    ['newline in a path', { flag: '--repo', kind: 'path', value: '/srv/r\nssh-ed25519 AAAA x' }, /control/],
    ['NUL in a path', { flag: '--repo', kind: 'path', value: '/srv/r\u0000' }, /control/],
    ['carriage return', { flag: '--status-dir', kind: 'path', value: '/srv/s\r' }, /control/],
    ['relative path', { flag: '--repo', kind: 'path', value: 'srv/repo' }, /absolute/],
    ['parent component', { flag: '--repo', kind: 'path', value: '/srv/../etc' }, /\.\./],
    ['empty component', { flag: '--repo', kind: 'path', value: '/srv//repo' }, /\/\//],
    ['space in an sshd path', { flag: '--root', kind: 'sshd-path', value: '/srv/my store' }, /sshd/],
    ['% in an sshd path', { flag: '--root', kind: 'sshd-path', value: '/srv/%u' }, /sshd/],
    ['quote in an sshd path', { flag: '--root', kind: 'sshd-path', value: '/srv/"x' }, /sshd/],
    [
      'shell word in a program',
      { flag: '--rclone', kind: 'program', value: '/usr/bin/rclone;sh' },
      /program/,
    ],
    ['upper case account', { flag: '--user', kind: 'account', value: 'Restray' }, /account name/],
    ['account with newline', { flag: '--user', kind: 'account', value: 'r\nx' }, /control/],
  ];
  it.each(cases)('refuses a %s, naming the flag, in English and German', (_, v, why) => {
    expect(() => validateProvisionValues([v])).toThrow(why);
    expect(() => validateProvisionValues([v])).toThrow(
      new RegExp(`^${v.flag} .*nothing was changed\\.$`, 's'),
    );
    expect(() => validateProvisionValues([v], 'de')).toThrow(/nichts wurde geändert\.$/);
    // The bad character is shown escaped, never raw (a newline in an error would forge a log line).
    try {
      validateProvisionValues([v]);
    } catch (e) {
      expect((e as Error).message).not.toMatch(CONTROL);
    }
  });

  it('accepts the defaults', () => {
    expect(() =>
      validateProvisionValues([
        { flag: '--repo', kind: 'sshd-path', value: '/srv/restray/repo' },
        { flag: '--root', kind: 'sshd-path', value: '/srv/restray-offsite/lab/' },
        { flag: '--rclone', kind: 'program', value: '/usr/bin/rclone' },
        { flag: '--user', kind: 'account', value: 'restray' },
      ]),
    ).not.toThrow();
  });

  it('takes the language from the locale', () => {
    expect(provisionLang({ LANG: 'de_DE.UTF-8' })).toBe('de');
    expect(provisionLang({ LC_ALL: 'en_GB.UTF-8', LANG: 'de_DE.UTF-8' })).toBe('en');
    expect(provisionLang({})).toBe('en');
  });

  it('refuses a key value with a second line (it would be a key line of its own)', () => {
    expect(() => normaliseKey(`${key}\ncommand="sh" ${key.replace('ws@', 'x@')}`, '--pull-key')).toThrow(
      /--pull-key: give one key line/,
    );
    expect(() => normaliseKey(`${key} a\u0007b`, '--pull-key')).toThrow(/one key line/);
    expect(normaliseKey(`${key}\n`, '--pull-key')).toBe(key);
    expect(() => normaliseKey(`${key}\n${key}`, '--pull-key', 'de')).toThrow(
      /^--pull-key: genau eine Schlüsselzeile .*nichts wurde geändert\.$/,
    );
  });

  const onsite = (o: Partial<OnsitePlanInput>): OnsitePlanInput => ({
    mode: 'append-only',
    repo: '/srv/restray/repo',
    statusDir: '/srv/restray/status',
    user: 'restray',
    pullUser: 'restray-pull',
    statusUser: 'restray-status',
    workstationKeys: [key],
    pullKeys: [key],
    statusKeys: [key],
    rclone: '/usr/bin/rclone',
    rrsync: '/usr/bin/rrsync',
    cat: '/usr/bin/cat',
    authorizedKeysFile: (u) => `/nonexistent/${u}`,
    sshdConfigDir: '/nonexistent/sshd_config.d',
    ...o,
  });

  it('plans nothing when a value is bad: the plan functions check before they read or change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtpi-validate-'));
    await expect(planOnsite(onsite({ repo: `${dir}/repo\nx` }))).rejects.toThrow(/^--repo /);
    await expect(planOnsite(onsite({ user: 'bad user' }))).rejects.toThrow(/^--user /);
    await expect(planOnsite(onsite({ pullUser: 'restray' }))).rejects.toThrow(/three different/);
    await expect(planOnsite(onsite({ mode: 'sftp', repo: `${dir}/my repo` }))).rejects.toThrow(/sshd/);
    await expect(
      planOffsite({
        incoming: 'incoming',
        pushUser: 'restray-push',
        pushKeys: [key],
        rrsync: '/usr/bin/rrsync',
        authorizedKeysFile: (u) => join(dir, u),
      }),
    ).rejects.toThrow(/^--incoming /);
    await expect(planOffsiteStore({ root: `${dir}/store`, offsiteUser: 'Offsite' })).rejects.toThrow(
      /^--offsite-user /,
    );
    await expect(
      planOffsiteRestore({
        root: `${dir}/store\n`,
        restoreUser: 'restray-restore',
        restoreKeys: [key],
        authorizedKeysFile: (u) => join(dir, u),
        sshdConfigDir: dir,
        lang: 'de',
      }),
    ).rejects.toThrow(/^--root .*Steuerzeichen.*nichts wurde geändert/s);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives each repository its own account: a second repository on the same account is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtpi-oneaccount-'));
    writeFileSync(dropInPath(dir, 'restray'), sftpDropIn({ user: 'restray', repo: '/srv/a/repo' }));
    await expect(
      planOnsite(onsite({ mode: 'sftp', repo: '/srv/b/repo', sshdConfigDir: dir })),
    ).rejects.toThrow(/--user restray: this account already serves \/srv\/a -d \/repo/);
    writeFileSync(
      dropInPath(dir, 'restray-restore'),
      restoreDropIn({ root: '/srv/restray-offsite/a', restoreUser: 'restray-restore' }),
    );
    await expect(
      planOffsiteRestore({
        root: '/srv/restray-offsite/b',
        restoreUser: 'restray-restore',
        restoreKeys: [key],
        authorizedKeysFile: (u) => join(dir, u),
        sshdConfigDir: dir,
      }),
    ).rejects.toThrow(/--restore-user restray-restore: this account already serves/);
    expect(readdirSync(dir).sort()).toEqual(['restray-restray-restore.conf', 'restray-restray.conf']);
  });

  it('gives each sftp key line its own internal-sftp confinement', () => {
    const lines = authorizedKeyLines(onsite({ mode: 'sftp' }));
    expect(lines.restray).toEqual([`command="internal-sftp -d /repo",restrict ${key}`]);
    expect(sftpDropIn(onsite({}))).toMatch(/ForceCommand internal-sftp -d \/repo\n/);
    expect(sftpDropIn(onsite({}))).toMatch(/PermitTTY no/);
  });

  it('chroots the offsite restore account into its store, read-only', () => {
    expect(restoreKeyLines({ root: '/srv/restray-offsite/lab', restoreKeys: [key] })).toEqual([
      `command="internal-sftp -R -d /",restrict ${key}`,
    ]);
    const d = restoreDropIn({ root: '/srv/restray-offsite/lab', restoreUser: 'restray-restore-lab' });
    expect(d).toMatch(
      /Match User restray-restore-lab\n\s+ChrootDirectory \/srv\/restray-offsite\/lab\n\s+ForceCommand internal-sftp -R -d \/\n/,
    );
    for (const o of [
      'AllowTcpForwarding',
      'AllowAgentForwarding',
      'X11Forwarding',
      'PermitTunnel',
      'PermitTTY',
    ])
      expect(d).toMatch(new RegExp(`${o} no`));
  });
});

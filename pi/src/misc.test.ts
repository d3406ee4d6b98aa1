import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mailMessage } from './alerts.js';
import { localCpuHasAes, parseListingCpu } from './link/cipher.js';
import { forgetArgs } from './onsite/maintain.js';
import {
  authorizedKeyLines,
  mergeAuthorizedKeys,
  normaliseKey,
  pullCommand,
  pushKeyLines,
  sftpDropIn,
  statusPutCommand,
} from './provision.js';
import { MANIFEST_NAME, PushManifest } from './onsite/push.js';
import { parseFindListing, REPO_LIST } from './repo-files.js';
import { parseStats, rsyncFailure } from './link/rsync.js';
import { classifyLinkFailure, quoteWord, rsyncRsh } from './link/ssh.js';
import { STATUS_PUT } from './offsite/status.js';
import { inWindow } from './window.js';

const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxLZk0r2xYv0gq6y3v8Yl6j2C1b0nQeCw4d8Tq7M2Xo ws@laptop';

describe('ssh and rsync', () => {
  it('builds an unattended, pinned ssh command for rsync -e', () => {
    const rsh = rsyncRsh(
      { host: 'pi', port: 2222, user: 'u', sshKey: '/k/my key', knownHosts: '/k/kh' },
      { connectTimeout: 15, serverAliveInterval: 10, serverAliveCountMax: 3 },
    );
    expect(rsh).toContain("'IdentityFile=/k/my\\ key'");
    expect(rsh).toContain('-F none');
    for (const o of [
      'BatchMode=yes',
      'StrictHostKeyChecking=yes',
      'UserKnownHostsFile=/k/kh',
      'ServerAliveInterval=10',
      'ServerAliveCountMax=3',
      'ConnectTimeout=15',
    ])
      expect(rsh).toContain(o);
    expect(quoteWord("it's")).toBe(`'it''s'`);
  });

  it('classifies link failures without quoting raw output', () => {
    expect(classifyLinkFailure('Timeout, server 10.0.0.2 not responding.')?.message).toMatch(/stalled/);
    expect(classifyLinkFailure('Host key verification failed.')?.kind).toBe('host-key-unknown');
    expect(
      classifyLinkFailure('rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]')?.kind,
    ).toBe('network');
    const r = {
      exitCode: 23,
      stdout: '',
      stderr: 'rsync: [sender] link_stat "/x" failed: No such file or directory (2)\n',
      bytesReceived: 0,
      fileBytes: 0,
      bytesSent: 0,
    };
    expect(rsyncFailure(r, 'transfer', 'transfer').message).toMatch(/rsync exit 23: \[sender\] link_stat/);
    expect(parseStats('Total bytes sent: 1,234\nTotal bytes received: 5,678,901\n')).toEqual({
      sent: 1234,
      received: 5678901,
    });
  });
});

describe('provisioning text', () => {
  const input = {
    mode: 'append-only' as const,
    repo: '/srv/restray/repo',
    statusDir: '/srv/restray/status',
    workstationKeys: [key],
    pullKeys: [key.replace('ws@laptop', 'offsite-pull')],
    statusKeys: [key.replace('ws@laptop', 'offsite-status')],
    rclone: '/usr/bin/rclone',
    rrsync: '/usr/bin/rrsync',
    cat: '/usr/bin/cat',
    user: 'restray',
    pullUser: 'restray-pull',
    statusUser: 'restray-status',
  };
  it('gives each key exactly one forced command with restrict', () => {
    const l = authorizedKeyLines(input);
    expect(l.restray).toEqual([
      `command="/usr/bin/rclone serve restic --stdio --append-only /srv/restray/repo",restrict ${key}`,
    ]);
    const esc = (c: string) => c.replace(/"/g, '\\"');
    expect(l['restray-pull']).toEqual([
      `command="${esc(pullCommand('/usr/bin/rrsync', '/srv/restray/repo'))}",restrict ${input.pullKeys[0]}`,
    ]);
    expect(pullCommand('/usr/bin/rrsync', '/srv/restray/repo')).toMatch(
      /else exec \/usr\/bin\/rrsync -ro \/srv\/restray\/repo; fi$/,
    );
    expect(l['restray-status']).toEqual([
      `command="${esc(statusPutCommand('/srv/restray/status'))}",restrict ${input.statusKeys[0]}`,
      `command="/usr/bin/cat /srv/restray/status/offsite.json",restrict ${key}`,
    ]);
    expect(sftpDropIn(input)).toMatch(
      /ChrootDirectory \/srv\/restray\n\s+ForceCommand internal-sftp -d \/repo/,
    );
  });

  it("runs the pull key's listing and the status key's upload as forced commands", () => {
    const sh = (command: string, original: string, input?: string) =>
      spawnSync('sh', ['-c', command], { input, env: { ...process.env, SSH_ORIGINAL_COMMAND: original } });
    const repo = mkdtempSync(join(tmpdir(), 'rtpi-pullcmd-'));
    const id = 'ab'.padEnd(64, '1');
    for (const d of ['snapshots', 'index', 'keys', 'data/ab']) mkdirSync(join(repo, d), { recursive: true });
    for (const f of ['config', `snapshots/${id}`, `index/${id}`, `data/ab/${id}`])
      writeFileSync(join(repo, f), 'x');
    const listed = sh(pullCommand('/nonexistent/rrsync', repo), REPO_LIST);
    // locks/ does not exist yet: reported, the others listed in the consistency order.
    expect(listed.status).toBe(1);
    expect(String(listed.stderr)).toMatch(/locks.*No such file or directory/);
    expect(parseFindListing(String(listed.stdout)).map((f) => f.path)).toEqual([
      `snapshots/${id}`,
      `index/${id}`,
      'config',
      `data/ab/${id}`,
    ]);
    // First comes what the onsite CPU offers (for the cipher choice, see cipher.ts).
    expect(parseListingCpu(String(listed.stdout))).toEqual({ aes: localCpuHasAes() });
    // Anything else goes to rrsync (here missing: the shell says so).
    expect(
      String(sh(pullCommand('/nonexistent/rrsync', repo), 'rsync --server --sender . x').stderr),
    ).toMatch(/nonexistent\/rrsync/);

    const dir = mkdtempSync(join(tmpdir(), 'rtpi-status-'));
    const put = statusPutCommand(dir);
    const doc = '{"ok":"ü"}';
    expect(sh(put, STATUS_PUT, `${Buffer.byteLength(doc)}\n${doc}`).status).toBe(0);
    expect(readFileSync(join(dir, 'offsite.json'), 'utf8')).toBe(doc);
    // A cut upload (fewer bytes than announced) and any other command replace nothing.
    expect(sh(put, STATUS_PUT, '100\n{"cut":').status).not.toBe(0);
    expect(sh(put, 'rsync --server . .', `${doc.length}\n${doc}`).status).not.toBe(0);
    expect(readFileSync(join(dir, 'offsite.json'), 'utf8')).toBe(doc);
  });

  it('gives the push key write-only, no-delete, no-overwrite rrsync on incoming/ (push mode)', () => {
    expect(
      pushKeyLines({ incoming: '/srv/restray-offsite/incoming', pushKeys: [key], rrsync: '/usr/bin/rrsync' }),
    ).toEqual([
      `command="/usr/bin/rrsync -wo -no-del -no-overwrite /srv/restray-offsite/incoming",restrict ${key}`,
    ]);
    const id = 'a'.repeat(64);
    const ok = {
      version: 1,
      created: '2026-01-01T00:00:00Z',
      files: [{ path: `data/aa/${id}`, size: 1, mtime: 0 }],
    };
    expect(PushManifest.safeParse(ok).success).toBe(true);
    for (const path of ['../../etc/passwd', 'locks/x', `data/ab/${id}`, '/abs'])
      expect(PushManifest.safeParse({ ...ok, files: [{ path, size: 1, mtime: 0 }] }).success).toBe(false);
    expect(MANIFEST_NAME.test('20260101T000000Z-0a1b2c3d.json')).toBe(true);
    expect(MANIFEST_NAME.test('../x.json')).toBe(false);
  });

  it('strips pasted options from keys and merges authorized_keys by key blob', () => {
    expect(normaliseKey(`command="sh",no-pty ${key}`, '--workstation-key')).toBe(key);
    expect(() => normaliseKey('hello', '--pull-key')).toThrow(/--pull-key: not an OpenSSH public key/);
    const merged = mergeAuthorizedKeys(`ssh-rsa AAAAB3other x\n${key}\n`, [`restrict ${key}`]);
    expect(merged).toBe(`ssh-rsa AAAAB3other x\nrestrict ${key}\n`);
  });
});

describe('small pure helpers', () => {
  it('builds forget arguments (keep-within preferred) and refuses an empty policy', () => {
    expect(forgetArgs({ keepWithin: '30d', prune: true })).toEqual(['--keep-within', '30d', '--prune']);
    expect(() => forgetArgs({ prune: true })).toThrow(/onsite\.forget: set at least one keep rule/);
  });

  it('time windows, including across midnight', () => {
    const at = (h: number, m = 0) => new Date(2025, 0, 1, h, m);
    expect(inWindow(at(2), { start: '01:00', end: '05:00' })).toBe(true);
    expect(inWindow(at(5), { start: '01:00', end: '05:00' })).toBe(false);
    expect(inWindow(at(23), { start: '22:00', end: '06:00' })).toBe(true);
    expect(inWindow(at(12), { start: '22:00', end: '06:00' })).toBe(false);
  });

  it('mail alerts cannot inject headers', () => {
    const m = mailMessage(
      {
        event: 'failed',
        repository: 'x\nBcc: evil@example.org',
        host: 'h',
        time: '2025-01-01T00:00:00.000Z',
        message: 'm',
      },
      ['a@b.c'],
      'r@h',
    );
    const headers = m.slice(0, m.indexOf('\n\n'));
    expect(headers).not.toMatch(/^Bcc:/m);
    expect(headers).toMatch(/^Subject: restray-pi x Bcc: evil@example.org: offsite copy failed$/m);
  });
});

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RestrayError } from '../errors.js';
import { parseRepoUrl, resticRepoArgs, sftpRepoUrl } from './repo-args.js';
import { splitLikeRestic } from './ssh-options.js';

const ssh = { sshKey: '/keys/onsite', knownHosts: '/keys/known_hosts' };

function kindOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof RestrayError ? e.kind : 'not-a-restray-error';
  }
  return undefined;
}

describe('resticRepoArgs', () => {
  it('local: -r path', () => {
    expect(resticRepoArgs({ kind: 'local', path: '/mnt/usb/restic' })).toEqual(['-r', '/mnt/usb/restic']);
  });

  it('sftp: the repository plus an sftp.command with the pinned options', () => {
    const args = resticRepoArgs({
      kind: 'sftp',
      path: '/srv/restic',
      user: 'restic',
      host: 'pi',
      port: 22,
      ...ssh,
    });
    expect(args.slice(0, 3)).toEqual(['-r', 'sftp:restic@pi:/srv/restic', '-o']);
    const command = splitLikeRestic(args[3]!.replace(/^sftp\.command=/, ''));
    expect(command[0]).toBe('ssh');
    expect(command).toContain('StrictHostKeyChecking=yes');
    expect(command).toContain('UserKnownHostsFile=/keys/known_hosts');
    expect(command.slice(-3)).toEqual(['-s', 'restic@pi', 'sftp']);
  });

  it('append-only: rclone: with rclone.program = ssh to the forced command', () => {
    const args = resticRepoArgs({
      kind: 'append-only',
      path: '/',
      user: 'restic',
      host: 'pi',
      port: 2222,
      ...ssh,
    });
    expect(args.slice(0, 3)).toEqual(['-r', 'rclone:', '-o']);
    const program = splitLikeRestic(args[3]!.replace(/^rclone\.program=/, ''));
    expect(program.slice(-3)).toEqual(['-p', '2222', 'restic@pi']);
  });

  it('IPv6 hosts use the URL form restic can parse', () => {
    expect(sftpRepoUrl({ user: 'r', host: 'fd00::2', port: 22, path: '/srv/restic' })).toBe(
      'sftp://r@[fd00::2]:22//srv/restic',
    );
  });
});

describe('parseRepoUrl', () => {
  it('parses the sftp: form', () => {
    expect(parseRepoUrl('sftp:restic@pi.local:/srv/restic', ssh)).toEqual({
      kind: 'sftp',
      user: 'restic',
      host: 'pi.local',
      port: 22,
      path: '/srv/restic',
      sshKey: resolve(ssh.sshKey),
      knownHosts: resolve(ssh.knownHosts),
    });
  });

  it('parses the sftp:// form with port, absolute and relative paths and IPv6', () => {
    expect(parseRepoUrl('sftp://restic@pi:2222//srv/restic', ssh)).toMatchObject({
      port: 2222,
      path: '/srv/restic',
    });
    expect(parseRepoUrl('sftp://restic@pi/backups', ssh)).toMatchObject({ port: 22, path: 'backups' });
    expect(parseRepoUrl('sftp://restic@[fd00::2]:22//srv/r', ssh)).toMatchObject({ host: 'fd00::2' });
    expect(parseRepoUrl('sftp://restic@pi//srv/with%20space', ssh)).toMatchObject({
      path: '/srv/with space',
    });
  });

  it('uses the port option when the URL has none, and refuses two different ports', () => {
    expect(parseRepoUrl('sftp:r@pi:/x', { ...ssh, port: 2200 })).toMatchObject({ port: 2200 });
    expect(kindOf(() => parseRepoUrl('sftp://r@pi:2222//x', { ...ssh, port: 2200 }))).toBe(
      'invalid-argument',
    );
  });

  it('makes append-only targets', () => {
    expect(parseRepoUrl('sftp:restic@pi:/srv/restic', { ...ssh, appendOnly: true })).toMatchObject({
      kind: 'append-only',
      path: '/srv/restic',
    });
    expect(kindOf(() => parseRepoUrl('/mnt/usb', { appendOnly: true }))).toBe('invalid-argument');
  });

  it('takes local paths, made absolute; Windows drive letters are paths', () => {
    expect(parseRepoUrl('/mnt/usb/restic')).toEqual({ kind: 'local', path: '/mnt/usb/restic' });
    expect(parseRepoUrl('backups')).toEqual({ kind: 'local', path: resolve('backups') });
    expect(parseRepoUrl('C:\\Backups')).toMatchObject({ kind: 'local' });
  });

  it('names the field and the allowed forms in its errors', () => {
    const cases: [string, Parameters<typeof parseRepoUrl>[1], RegExp][] = [
      ['s3:s3.amazonaws.com/bucket', {}, /does not support "s3:"/],
      ['rclone:remote:path', {}, /does not support "rclone:"/],
      ['sftp:pi.local:/srv', ssh, /names no user/],
      ['sftp:restic@pi', ssh, /form sftp:user@host/],
      ['sftp://restic@pi', ssh, /names no folder/],
      ['sftp:restic@pi:/srv', { knownHosts: '/k' }, /sshKey/],
      ['sftp:restic@pi:/srv', { sshKey: '/k' }, /knownHosts/],
      ['sftp:-oProxyCommand=x@pi:/srv', ssh, /SSH user/],
      ['sftp://restic:pw@pi//srv', ssh, /password/],
      ['', {}, /empty/],
    ];
    for (const [url, opts, message] of cases) {
      let err: unknown;
      try {
        parseRepoUrl(url, opts);
      } catch (e) {
        err = e;
      }
      expect(err, url).toBeInstanceOf(RestrayError);
      expect((err as RestrayError).kind, url).toBe('invalid-argument');
      expect((err as RestrayError).message, url).toMatch(message);
    }
    try {
      parseRepoUrl('s3:bucket');
    } catch (e) {
      expect((e as RestrayError).hint).toMatch(/sftp:user@host:\/path or sftp:\/\/user@host:port\/\/path/);
    }
  });
});

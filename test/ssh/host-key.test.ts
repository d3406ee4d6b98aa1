import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOfPinned, pinHostKey, scanHostKey } from '../../core/ssh/host-key.js';
import { sshArgs, SSH_PROGRAM } from '../../core/ssh/ssh-options.js';
import { classifySshFailure } from '../../core/ssh/ssh-errors.js';
import { generateKey, startSshd } from '../lab/sshd.js';
import { startSshLab, type SshLab } from './ssh-lab.js';

describe('host key pinning against a real sshd', () => {
  let lab: SshLab;
  beforeAll(async () => {
    lab = await startSshLab();
  });
  afterAll(async () => lab?.stop());

  const ssh = (port = lab.sshd.port, knownHosts = lab.knownHosts) =>
    execa(SSH_PROGRAM, sshArgs({ ...lab.endpoint(port), knownHosts }, ['echo', 'connected']), {
      reject: false,
      stdin: 'ignore',
      timeout: 60_000,
    });

  it('scans the ed25519 key, pins it 0600 and reports the fingerprint ssh-keygen -lf gives for the host key', async () => {
    const scanned = await scanHostKey(lab.sshd.host, lab.sshd.port);
    expect(scanned.lines).toEqual([lab.sshd.knownHostsLine()]);
    const expected = /SHA256:\S+/.exec((await execa('ssh-keygen', ['-lf', lab.sshd.hostKeyPath])).stdout)![0];
    expect(scanned.fingerprint).toBe(expected);
    expect(statSync(lab.knownHosts).mode & 0o777).toBe(0o600);
    expect(readFileSync(lab.knownHosts, 'utf8')).toBe(`${lab.sshd.knownHostsLine()}\n`);
    expect(await fingerprintOfPinned(lab.knownHosts, '127.0.0.1', lab.sshd.port)).toBe(expected);
    expect(await fingerprintOfPinned(lab.knownHosts)).toBe(expected);
    expect(await fingerprintOfPinned(lab.knownHosts, '127.0.0.1', lab.sshd.port + 1)).toBeUndefined();
    expect(await fingerprintOfPinned(join(lab.work, 'nothing-here'))).toBeUndefined();
  });

  it('connects with the common options and the pinned key', async () => {
    const r = await ssh();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('connected');
  });

  it('refuses an unpinned host: host-key-unknown', async () => {
    const empty = join(lab.work, 'empty_known_hosts');
    writeFileSync(empty, '');
    const r = await ssh(lab.sshd.port, empty);
    expect(r.exitCode).toBe(255);
    expect(classifySshFailure(r.stderr)?.kind).toBe('host-key-unknown');
  });

  it('refuses a different pinned key: host-key-mismatch', async () => {
    const other = await generateKey(join(lab.work, 'other'), 'host');
    const wrong = join(lab.work, 'wrong_known_hosts');
    pinHostKey(wrong, [`[127.0.0.1]:${lab.sshd.port} ${other.publicLine}`]);
    const r = await ssh(lab.sshd.port, wrong);
    expect(r.exitCode).toBe(255);
    expect(classifySshFailure(r.stderr)?.kind).toBe('host-key-mismatch');
  });

  it('refuses a server restarted with new host keys on the same port: host-key-mismatch', async () => {
    const pi = await startSshLab();
    try {
      const { port } = pi.sshd;
      // The Pi is "reinstalled": same address and port, same authorised key, new host key.
      await pi.sshd.stop();
      const reinstalled = await startSshd({ port, authorizedKeys: { root: [pi.key.publicLine] } });
      try {
        expect(reinstalled.hostKeyPublic).not.toBe(pi.sshd.hostKeyPublic);
        const r = await execa(SSH_PROGRAM, sshArgs(pi.endpoint(), ['true']), {
          reject: false,
          stdin: 'ignore',
        });
        expect(r.exitCode).toBe(255);
        expect(classifySshFailure(r.stderr)?.kind).toBe('host-key-mismatch');
      } finally {
        await reinstalled.stop();
      }
    } finally {
      await pi.stop();
    }
  });

  it('reports a refused port as network for the scan and for ssh', async () => {
    const closed = await startSshd();
    const port = closed.port;
    await closed.stop();
    await expect(scanHostKey('127.0.0.1', port, 5)).rejects.toMatchObject({ kind: 'network' });
    const r = await ssh(port);
    expect(r.exitCode).toBe(255);
    const e = classifySshFailure(r.stderr);
    expect(e?.kind).toBe('network');
    expect(e?.message).toMatch(/refused/);
  });
});

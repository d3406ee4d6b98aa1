import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnection } from '../../core/ssh/connection-test.js';
import { resticRepoArgs } from '../../core/ssh/repo-args.js';
import { RestrayError } from '../../core/errors.js';
import { startFaultProxy, type FaultProxy } from '../lab/fault-proxy.js';
import { startSshLab, waitFor, type SshLab } from './ssh-lab.js';

describe('testConnection over SFTP', () => {
  let lab: SshLab;
  let proxy: FaultProxy;
  beforeAll(async () => {
    lab = await startSshLab();
    proxy = await startFaultProxy(lab.sshd.port);
    lab.pinPort(proxy.port);
  });
  afterAll(async () => {
    await proxy?.stop();
    await lab?.stop();
  });

  it('moves 4 MiB each way into an existing repository folder and leaves nothing behind', async () => {
    const repo = join(lab.work, 'repo with "quotes" and spaces');
    mkdirSync(repo);
    const r = await testConnection(lab.sftpTarget(repo));
    expect(r).toMatchObject({ kind: 'sftp', bytesUp: 4 * 1024 * 1024, bytesDown: 4 * 1024 * 1024 });
    expect(r.repositoryExists).toBe(true);
    expect(r.checks.join(' ')).toContain(repo);
    expect(readdirSync(repo)).toEqual([]);
  });

  it('uses the parent folder when the repository does not exist yet', async () => {
    const parent = join(lab.work, 'parent');
    mkdirSync(parent);
    const r = await testConnection(lab.sftpTarget(join(parent, 'not-yet')), { sizeBytes: 1024 * 1024 });
    expect(r.repositoryExists).toBe(false);
    expect(r.checks.join(' ')).toContain(parent);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('reports a repository folder it may not write as permission-denied', async () => {
    // A non-root login user: the lab's work folder belongs to root (0755), so it can enter but not write.
    const userLab = await startSshLab({ user: 'restray-lab' });
    try {
      const e = await testConnection(userLab.sftpTarget(join(userLab.work, 'repo')), {
        sizeBytes: 1024,
      }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RestrayError);
      expect(e).toMatchObject({ kind: 'permission-denied' });
      expect((e as RestrayError).message).toMatch(/accepted the key but refused/);
    } finally {
      await userLab.stop();
    }
  });

  it('reports a missing parent folder as not-found, writing nothing elsewhere', async () => {
    const e = await testConnection(lab.sftpTarget(join(lab.work, 'no', 'such', 'repo'))).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(RestrayError);
    expect(e).toMatchObject({ kind: 'not-found' });
    expect((e as RestrayError).message).toContain(join(lab.work, 'no', 'such'));
  });

  it('reports an unpinned host key as host-key-unknown', async () => {
    const empty = join(lab.work, 'empty_known_hosts');
    writeFileSync(empty, '');
    await expect(testConnection({ ...lab.sftpTarget('/tmp'), knownHosts: empty })).rejects.toMatchObject({
      kind: 'host-key-unknown',
    });
  });

  it('fails as network within 60 s when the link stalls mid-transfer', async () => {
    const repo = join(lab.work, 'stall');
    mkdirSync(repo);
    const before = proxy.bytes.up;
    const started = Date.now();
    const result = testConnection(lab.sftpTarget(repo, proxy.port), { sizeBytes: 16 * 1024 * 1024 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await waitFor(() => proxy.bytes.up - before > 1024 * 1024, 30_000, '1 MiB uploaded');
    proxy.stall();
    try {
      const e = await result;
      expect(e).toBeInstanceOf(RestrayError);
      expect((e as RestrayError).kind).toBe('network');
      expect(Date.now() - started).toBeLessThan(60_000 + 15_000);
    } finally {
      proxy.cut();
      proxy.resume();
    }
  });

  it('fails as network when the link is reset', async () => {
    proxy.refuse(true);
    try {
      await expect(testConnection(lab.sftpTarget('/tmp', proxy.port))).rejects.toMatchObject({
        kind: 'network',
      });
    } finally {
      proxy.refuse(false);
    }
  });

  it('can be cancelled', async () => {
    proxy.stall();
    const ac = new AbortController();
    try {
      const r = testConnection(lab.sftpTarget('/tmp', proxy.port), { signal: ac.signal });
      await waitFor(() => proxy.connections() > 0, 10_000, 'connection open');
      ac.abort();
      await expect(r).rejects.toMatchObject({ kind: 'cancelled' });
    } finally {
      proxy.cut();
      proxy.resume();
    }
  });
});

describe('testConnection for append-only targets', () => {
  let lab: SshLab;
  let repo: string;
  beforeAll(async () => {
    lab = await startSshLab();
    repo = join(lab.work, 'append-only-repo');
    mkdirSync(repo);
    lab.sshd.setAuthorizedKeys('root', [
      `command="rclone serve restic --stdio --append-only ${repo}",restrict ${lab.key.publicLine}`,
    ]);
  });
  afterAll(async () => lab?.stop());

  it('reaches rclone and sees no repository yet, then sees it and reads data back once initialised', async () => {
    const target = lab.appendOnlyTarget();
    const empty = await testConnection(target);
    expect(empty).toMatchObject({ kind: 'append-only', repositoryExists: false, bytesUp: 0, bytesDown: 0 });
    const env = {
      RESTIC_PASSWORD: 'append-only-test',
      RESTIC_PASSWORD_FILE: '',
      RESTIC_PASSWORD_COMMAND: '',
    };
    const cache = ['--cache-dir', join(lab.work, 'cache')];
    await execa('/usr/bin/restic', [...resticRepoArgs(target), ...cache, 'init'], { env, stdin: 'ignore' });
    await execa('/usr/bin/restic', [...resticRepoArgs(target), ...cache, 'backup', lab.sshd.dir], {
      env,
      stdin: 'ignore',
    });
    const filled = await testConnection(target);
    expect(filled.repositoryExists).toBe(true);
    expect(filled.bytesDown).toBeGreaterThan(0);
    // Nothing was written by the test.
    expect(readdirSync(join(repo, 'locks'))).toEqual([]);
  });

  it('notices a key that is not restricted to the forced command', async () => {
    const open = await startSshLab();
    try {
      await expect(testConnection(open.appendOnlyTarget())).rejects.toMatchObject({ kind: 'invalid-config' });
    } finally {
      await open.stop();
    }
  });

  it('reports a key the Pi does not know as permission-denied', async () => {
    const other = await startSshLab();
    try {
      await expect(
        testConnection({ ...lab.appendOnlyTarget(), sshKey: other.key.privatePath }),
      ).rejects.toMatchObject({ kind: 'permission-denied' });
    } finally {
      await other.stop();
    }
  });

  it('fails as network within the ServerAlive window when the link stalls', async () => {
    const proxy = await startFaultProxy(lab.sshd.port);
    lab.pinPort(proxy.port);
    proxy.stall();
    try {
      const started = Date.now();
      await expect(testConnection(lab.appendOnlyTarget(proxy.port))).rejects.toMatchObject({
        kind: 'network',
      });
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await proxy.stop();
    }
  });
});

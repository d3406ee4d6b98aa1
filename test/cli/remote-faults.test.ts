import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../lab/fault-proxy.js';
import { generateKey, startSshd, type LabSshd } from '../lab/sshd.js';
import { writeRandomFile, writeTree } from '../restic/restic-lab.js';
import { waitFor, workstation, type Workstation } from './cli-lab.js';

const PASSWORD = 'pi-repo-password-0815';

/**
 * One onsite "Pi": a real sshd on loopback. The workstation key reaches an sftp repository (full access) and,
 * through a second key, an append-only repository (`rclone serve restic --append-only` forced command).
 * Every connection of the sftp workstation goes through a fault proxy that can cut or stall the link.
 */
describe('restray CLI against a Pi over SSH (real sshd, rclone, restic, keychain)', () => {
  let sshd: LabSshd;
  let proxy: FaultProxy;
  let root: string;
  let keys: {
    sftp: { privatePath: string; publicLine: string };
    append: { privatePath: string; publicLine: string };
  };
  let knownHosts: string;
  const sftpRepo = () => join(root, 'pi', 'sftp-repo');
  const appendRepo = () => join(root, 'pi', 'append-repo');

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'restray-remote-'));
    mkdirSync(join(root, 'pi'), { recursive: true });
    keys = {
      sftp: await generateKey(join(root, 'keys'), 'ws-sftp'),
      append: await generateKey(join(root, 'keys'), 'ws-append'),
    };
    sshd = await startSshd({
      authorizedKeys: {
        root: [
          `restrict ${keys.sftp.publicLine}`,
          `command="rclone serve restic --stdio --append-only ${appendRepo()}",restrict ${keys.append.publicLine}`,
        ],
      },
    });
    proxy = await startFaultProxy(sshd.port);
    knownHosts = join(root, 'known_hosts');
    writeFileSync(
      knownHosts,
      `${sshd.knownHostsLine('127.0.0.1', proxy.port)}\n${sshd.knownHostsLine('127.0.0.1', sshd.port)}\n`,
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await sshd?.stop();
  });

  async function sftpWorkstation(src: string): Promise<Workstation> {
    const ws = workstation();
    const addArgs = [
      'repo',
      'add',
      'pi',
      '--url',
      `sftp://root@127.0.0.1:${proxy.port}/${sftpRepo()}`,
      '--ssh-key',
      keys.sftp.privatePath,
      '--known-hosts',
      knownHosts,
    ];
    // The first workstation creates the shared repository; later ones find it there and only add it.
    const add = await ws.run([...addArgs, '--init'], { input: `${PASSWORD}\n` });
    if (add.exitCode !== 0 && !/already/.test(add.stderr)) throw new Error(`repo add failed: ${add.stderr}`);
    if (add.exitCode !== 0) {
      const again = await ws.run(addArgs, { input: `${PASSWORD}\n` });
      expect(again.exitCode, again.stderr).toBe(0);
    }
    const plan = await ws.run(['plan', 'add', 'home', '--repo', 'pi', '--path', src, '--keep-last', '5']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    return ws;
  }

  /** A 120 MiB backup over the fault proxy that has uploaded its first 8 MiB. */
  async function bigBackupUnderway() {
    const src = mkdtempSync(join(tmpdir(), 'restray-src-'));
    writeRandomFile(join(src, 'big.bin'), 120 * 2 ** 20);
    const ws = await sftpWorkstation(src);
    const start = proxy.bytes.up;
    const backup = ws.run(['backup', 'home']);
    await waitFor(() => proxy.bytes.up - start > 8 * 2 ** 20, 'upload to start');
    return { ws, backup };
  }

  it('backs up over sftp and restores a file byte-identical', async () => {
    const src = mkdtempSync(join(tmpdir(), 'restray-src-'));
    writeTree(src, { 'notes.txt': 'hello pi\n', 'sub/data.bin': 500_000 });
    const ws = await sftpWorkstation(src);
    const backup = await ws.run(['backup', 'home']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const snaps = JSON.parse((await ws.run(['snapshots', 'pi', '--json'])).stdout) as { id: string }[];
    const target = mkdtempSync(join(tmpdir(), 'restray-restore-'));
    const restore = await ws.run([
      'restore',
      'pi',
      snaps.at(-1)!.id,
      '--target',
      target,
      '--include',
      join(src, 'sub/data.bin'),
    ]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(
      readFileSync(join(target, src, 'sub/data.bin')).equals(readFileSync(join(src, 'sub/data.bin'))),
    ).toBe(true);
  });

  it('backs up to an append-only Pi and refuses forget there', async () => {
    const src = mkdtempSync(join(tmpdir(), 'restray-src-'));
    writeTree(src, { 'a.txt': 'append only\n' });
    const ws = workstation();
    const add = await ws.run(
      [
        'repo',
        'add',
        'pi',
        '--url',
        `sftp://root@127.0.0.1:${sshd.port}/srv/ignored`,
        '--append-only',
        '--ssh-key',
        keys.append.privatePath,
        '--known-hosts',
        knownHosts,
        '--init',
      ],
      { input: `${PASSWORD}\n` },
    );
    expect(add.exitCode, add.stderr).toBe(0);
    expect(readdirSync(appendRepo())).toContain('config');
    expect(
      (await ws.run(['plan', 'add', 'home', '--repo', 'pi', '--path', src, '--keep-last', '1'])).exitCode,
    ).toBe(0);
    for (let i = 0; i < 2; i++) {
      writeFileSync(join(src, 'a.txt'), `version ${i}\n`);
      const b = await ws.run(['backup', 'home']);
      expect(b.exitCode, b.stderr).toBe(0);
    }
    const forget = await ws.run(['forget', 'home']);
    expect(forget.exitCode).toBe(1);
    expect(forget.stderr).toMatch(/append-only/);
    expect(readdirSync(join(appendRepo(), 'snapshots'))).toHaveLength(2);
    const preview = await ws.run(['forget', 'home', '--dry-run', '--json']);
    expect(preview.exitCode, preview.stderr).toBe(0);
  });

  it('ends a backup cleanly when the link is cut, then check passes and the next backup works', async () => {
    const { ws, backup } = await bigBackupUnderway();
    const cutAt = Date.now();
    proxy.cut();
    proxy.refuse(true);
    const r = await backup;
    const took = Date.now() - cutAt;
    proxy.refuse(false);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/connection|network|Pi/i);
    expect(took).toBeLessThan(10_000);
    const check = await ws.run(['check', 'pi']);
    expect(check.exitCode, check.stderr).toBe(0);
    const again = await ws.run(['backup', 'home']);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it('ends a backup within 60 s when the link stalls', async () => {
    const { ws, backup } = await bigBackupUnderway();
    const stalledAt = Date.now();
    proxy.stall();
    const r = await backup;
    const took = Date.now() - stalledAt;
    proxy.resume();
    proxy.cut();
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/connection|network|Pi|timed out/i);
    expect(took).toBeLessThan(60_000);
    const again = await ws.run(['backup', 'home']);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it('reports a wrong password, a missing repository, a missing restic and a changed host key plainly', async () => {
    const src = mkdtempSync(join(tmpdir(), 'restray-src-'));
    writeTree(src, { 'x.txt': 'x' });

    // Wrong password: the keychain holds one that does not open the repository.
    const wrong = workstation();
    const addWrong = await wrong.run(
      [
        'repo',
        'add',
        'pi',
        '--url',
        `sftp://root@127.0.0.1:${sshd.port}/${sftpRepo()}`,
        '--ssh-key',
        keys.sftp.privatePath,
        '--known-hosts',
        knownHosts,
      ],
      { input: 'not-the-password\n' },
    );
    // repo add opens an existing repository with the password before storing it: refused, nothing added.
    expect(addWrong.exitCode, addWrong.stderr).toBe(12);
    expect(addWrong.stderr).toMatch(/password/i);
    expect(addWrong.stderr).not.toContain('not-the-password');
    const snaps = await wrong.run(['snapshots', 'pi']);
    expect(snaps.exitCode).toBe(1);
    expect(snaps.stderr).toMatch(/no repository named "pi"/);

    // No repository at that path.
    const none = workstation();
    await none.run(
      [
        'repo',
        'add',
        'pi',
        '--url',
        `sftp://root@127.0.0.1:${sshd.port}/${join(root, 'nothing-here')}`,
        '--ssh-key',
        keys.sftp.privatePath,
        '--known-hosts',
        knownHosts,
      ],
      {
        input: `${PASSWORD}\n`,
      },
    );
    const noRepo = await none.run(['snapshots', 'pi']);
    expect(noRepo.exitCode).toBe(10);
    expect(noRepo.stderr).toMatch(/no restic repository|no repository|not found/i);

    // restic missing: the configured binary does not exist.
    const configFile = join(none.home, 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { settings: Record<string, unknown> };
    config.settings.resticPath = '/nonexistent/restic';
    writeFileSync(configFile, JSON.stringify(config));
    const missing = await none.run(['snapshots', 'pi']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/restic/i);
    expect(missing.stderr).toMatch(/install/i);

    // A changed host key: the Pi is "reinstalled" on the same port with a new key.
    const pinned = join(root, 'pinned_known_hosts');
    const other = await startSshd({ authorizedKeys: { root: [`restrict ${keys.sftp.publicLine}`] } });
    writeFileSync(pinned, `${other.knownHostsLine('127.0.0.1', other.port)}\n`);
    const port = other.port;
    await other.stop();
    const reinstalled = await startSshd({
      port,
      authorizedKeys: { root: [`restrict ${keys.sftp.publicLine}`] },
    });
    try {
      const hk = workstation();
      // repo add opens the repository first: the changed key is reported there, and nothing is added.
      const r = await hk.run(
        [
          'repo',
          'add',
          'pi',
          '--url',
          `sftp://root@127.0.0.1:${port}/${sftpRepo()}`,
          '--ssh-key',
          keys.sftp.privatePath,
          '--known-hosts',
          pinned,
        ],
        {
          input: `${PASSWORD}\n`,
        },
      );
      expect(r.exitCode).toBe(1);
      expect((await hk.run(['repo', 'list'])).stdout).toBe('');
      expect(r.stderr).toMatch(/host key has changed/);
    } finally {
      await reinstalled.stop();
    }
  });

  it('removes a stale lock left by a killed run, and reports a live lock as locked', async () => {
    const src = mkdtempSync(join(tmpdir(), 'restray-src-'));
    writeRandomFile(join(src, 'big.bin'), 60 * 2 ** 20);
    const local = join(mkdtempSync(join(tmpdir(), 'restray-lockrepo-')), 'repo');
    const ws = workstation();
    expect(
      (await ws.run(['repo', 'add', 'usb', '--url', local, '--init'], { input: `${PASSWORD}\n` })).exitCode,
    ).toBe(0);
    expect((await ws.run(['plan', 'add', 'home', '--repo', 'usb', '--path', src])).exitCode).toBe(0);

    // Kill restic itself mid-backup (SIGKILL: no chance to remove its lock).
    const backup = ws.run(['backup', 'home']);
    const pid = await waitFor(() => {
      for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          if (cmd.includes('restic') && cmd.includes(local) && cmd.includes('backup')) return Number(p);
        } catch {
          // gone
        }
      }
      return undefined;
    }, 'restic backup to start');
    // restic writes a lock under a temporary name first and ignores such names: wait for the real one.
    const locks = () => readdirSync(join(local, 'locks')).filter((n) => /^[0-9a-f]{64}$/.test(n));
    await waitFor(() => locks().length > 0, 'the lock file');
    process.kill(pid, 'SIGKILL');
    const killed = await backup;
    expect(killed.exitCode).not.toBe(0);
    expect(locks()).toHaveLength(1);
    const check = await ws.run(['check', 'usb']);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(locks()).toHaveLength(0);
    const log = await ws.run(['status', '--json']);
    expect(log.exitCode).toBe(0);

    // A live exclusive lock: `restic key passwd` holds one while it waits for the new password.
    const holder = execa('restic', ['-r', local, 'key', 'passwd'], {
      env: { RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: join(local, '..', 'cache') },
      stdin: 'pipe',
      reject: false,
    });
    try {
      await waitFor(() => locks().length > 0, 'the exclusive lock');
      const locked = await ws.run(['backup', 'home']);
      expect(locked.exitCode).toBe(11);
      expect(locked.stderr).toMatch(/locked/i);
    } finally {
      holder.kill('SIGINT');
      await holder;
    }
  });
});

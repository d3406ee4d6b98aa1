import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTree } from '../restic/restic-lab.js';
import { filesBelow, waitFor, workstation } from './cli-lab.js';

const PASSWORD = 'correct horse battery staple 4711';

/** Command lines of every process on this machine (what `ps` shows to any user). */
function allCmdlines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // process ended meanwhile
    }
  }
  return out;
}

describe('restray CLI against a local repository (real restic, real keychain)', () => {
  it('adds a repo, backs up, lists, restores a file and a tree byte-identical; the password stays in the keychain', async () => {
    const ws = workstation();
    const src = mkdtempSync(join(tmpdir(), 'restray-src-'));
    writeTree(src, {
      'docs/a.txt': 'alpha\n',
      'docs/deep/b.bin': 300_000,
      'photos/c.jpg': 40_000_000,
      'top.txt': 'top',
    });
    const repoDir = join(mkdtempSync(join(tmpdir(), 'restray-repo-')), 'repo');

    const add = await ws.run(['repo', 'add', 'usb', '--url', repoDir, '--init'], { input: `${PASSWORD}\n` });
    expect(add.stderr).toBe('');
    expect(add.exitCode).toBe(0);
    const plan = await ws.run(['plan', 'add', 'home', '--repo', 'usb', '--path', src, '--keep-last', '3']);
    expect(plan.exitCode, plan.stderr).toBe(0);

    // While the backup runs, the password must not be in any process's argv.
    let sawRestic = false;
    let leaked = false;
    let finished = false;
    const backup = ws.run(['backup', 'home', '--json']);
    void backup.finally(() => (finished = true));
    const watcher = (async () => {
      while (!finished) {
        const lines = allCmdlines();
        if (lines.some((l) => l.includes('restic') && l.includes(' backup '))) sawRestic = true;
        if (lines.some((l) => l.includes(PASSWORD))) leaked = true;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const result = await backup;
    await watcher;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(sawRestic).toBe(true);
    expect(leaked).toBe(false);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { type: string; run?: { result: string; backup?: { snapshotId: string } } },
      );
    const final = lines.at(-1)!;
    expect(final.type).toBe('result');
    expect(final.run?.result).toBe('success');

    const snaps = await ws.run(['snapshots', 'usb', '--json']);
    expect(snaps.exitCode, snaps.stderr).toBe(0);
    const list = JSON.parse(snaps.stdout) as { id: string }[];
    expect(list).toHaveLength(1);
    const snap = list[0]!.id;

    const ls = await ws.run(['ls', 'usb', snap, join(src, 'docs'), '--json']);
    expect(ls.exitCode, ls.stderr).toBe(0);
    const names = ls.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { name: string }).name)
      .sort();
    expect(names).toEqual(['a.txt', 'deep']);

    const target1 = mkdtempSync(join(tmpdir(), 'restray-restore-'));
    const one = await ws.run([
      'restore',
      'usb',
      snap,
      '--target',
      target1,
      '--include',
      join(src, 'docs/deep/b.bin'),
    ]);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(
      readFileSync(join(target1, src, 'docs/deep/b.bin')).equals(readFileSync(join(src, 'docs/deep/b.bin'))),
    ).toBe(true);
    expect(() => readFileSync(join(target1, src, 'top.txt'))).toThrow();

    const target2 = mkdtempSync(join(tmpdir(), 'restray-restore-'));
    const all = await ws.run(['restore', 'usb', snap, '--target', target2]);
    expect(all.exitCode, all.stderr).toBe(0);
    execFileSync('diff', ['-r', src, join(target2, src)]);

    // The password is nowhere under the config directory (config, history, schedule state, logs).
    for (const f of filesBelow(ws.home)) expect(f.content.includes(PASSWORD), f.path).toBe(false);
  });

  it('rejects bad arguments and a corrupt config with a clear message, changing nothing', async () => {
    const ws = workstation();
    const bad = await ws.run(['plan', 'add', 'x', '--repo', 'nope', '--path', '/tmp', '--keep-last', 'many']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--keep-last.*whole number/);
    const unknown = await ws.run(['frobnicate']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
    const noRepo = await ws.run(['plan', 'add', 'x', '--repo', 'nope', '--path', '/tmp']);
    expect(noRepo.exitCode).toBe(1);
    expect(noRepo.stderr).toMatch(/no repository named "nope"/);
    const cron = await ws.run(['repo', 'add', 'r', '--url', '/tmp/r'], { input: 'pw-pw-pw-pw\n' });
    expect(cron.exitCode, cron.stderr).toBe(0);
    const badCron = await ws.run([
      'plan',
      'add',
      'x',
      '--repo',
      'r',
      '--path',
      '/tmp',
      '--schedule',
      'daily',
    ]);
    expect(badCron.exitCode).toBe(2);
    expect(badCron.stderr).toMatch(/schedule: .*five fields/);

    const configFile = join(ws.home, 'config.json');
    const corrupt = '{"version": 1, "repositories": [ oops';
    writeFileSync(configFile, corrupt);
    const broken = await ws.run(['status']);
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toMatch(/not valid JSON/);
    const write = await ws.run(['plan', 'add', 'y', '--repo', 'r', '--path', '/tmp']);
    expect(write.exitCode).toBe(2);
    expect(readFileSync(configFile, 'utf8')).toBe(corrupt);

    writeFileSync(configFile, JSON.stringify({ version: 1, notifications: { level: 'loud' } }));
    const invalid = await ws.run(['status']);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toMatch(/notifications\.level: must be one of errors, warnings, all/);
    await waitFor(() => true, 'noop');
  });

  it('stores a password lost from the keychain again, but only one that opens the repository', async () => {
    const ws = workstation();
    const add = await ws.run(['repo', 'add', 'r', '--url', join(ws.home, 'repo'), '--init'], {
      input: `${PASSWORD}\n`,
    });
    expect(add.exitCode, add.stderr).toBe(0);
    // The keychain loses the entry (a reinstalled machine, a reset keyring).
    const id = JSON.parse(readFileSync(join(ws.home, 'config.json'), 'utf8')).repositories[0].id as string;
    execFileSync('secret-tool', ['clear', 'service', 'restray', 'account', `repo:${id}`], {
      env: { ...process.env, ...ws.env },
    });
    expect((await ws.run(['repo', 'list', '--keychain'])).stdout).toContain('(no password in keychain)');
    const locked = await ws.run(['snapshots', 'r']);
    expect(locked.exitCode).not.toBe(0);
    expect(locked.stderr).toMatch(/password/i);
    // A backup starts restic before it asks the keychain; restic is stopped before it opens the repository.
    const src = mkdtempSync(join(tmpdir(), 'restray-src-'));
    writeFileSync(join(src, 'f.txt'), 'x');
    expect((await ws.run(['plan', 'add', 'p', '--repo', 'r', '--path', src])).exitCode).toBe(0);
    const noPassword = await ws.run(['backup', 'p']);
    expect(noPassword.exitCode).toBe(1);
    expect(noPassword.stderr).toMatch(/keychain holds no password for repository "r"/);
    expect(readdirSync(join(ws.home, 'repo', 'locks'))).toEqual([]);
    const wrong = await ws.run(['repo', 'password', 'r'], { input: 'not the password\n' });
    expect(wrong.exitCode).toBe(12);
    expect((await ws.run(['repo', 'list', '--keychain'])).stdout).toContain('(no password in keychain)');
    const right = await ws.run(['repo', 'password', 'r'], { input: `${PASSWORD}\n` });
    expect(right.exitCode, right.stderr).toBe(0);
    expect(right.stdout).toContain('now in the keychain');
    const snaps = await ws.run(['snapshots', 'r']);
    expect(snaps.exitCode, snaps.stderr).toBe(0);
  });
});

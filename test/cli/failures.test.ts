import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startKeyringSession, type KeyringSession } from '../lab/keyring-session.js';
import { writeTree } from '../restic/restic-lab.js';
import { localPlan, workstation, type Workstation } from './cli-lab.js';

const PASSWORD = 'failures test password 4242';
const bin = join(import.meta.dirname, '..', '..', 'bin', 'restray.mjs');

/** A workstation with a local repository `usb` and a plan `home` of a small tree. */
async function withRepo(): Promise<{ ws: Workstation; repo: string; src: string }> {
  const ws = workstation();
  // The repository lies outside the home, which some tests make read-only or full.
  const { repo, src } = await localPlan(ws, {
    password: PASSWORD,
    files: { 'a.txt': 'alpha\n', 'sub/b.txt': 'beta\n' },
    planArgs: ['--schedule', '0 * * * *'],
  });
  return { ws, repo, src };
}

/** stderr as lines, for "exactly one line" checks. */
const lines = (s: string) => s.split('\n').filter(Boolean);

/**
 * Runs the CLI in a private mount namespace in which `dir` is mounted as `how` (read-only, or a full 1 MiB
 * tmpfs holding a copy of it), so nothing of it reaches this machine's mounts.
 */
function runWithMount(ws: Workstation, dir: string, how: 'read-only' | 'full', args: string[]) {
  const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const mount =
    how === 'read-only'
      ? `mount --bind ${quoted(dir)} ${quoted(dir)} && mount -o remount,bind,ro ${quoted(dir)}`
      : `cp -a ${quoted(dir)} /tmp/.restray-full-copy-$$ && mount -t tmpfs -o size=1m tmpfs ${quoted(dir)} && ` +
        `cp -a /tmp/.restray-full-copy-$$/. ${quoted(dir)} && rm -rf /tmp/.restray-full-copy-$$ && ` +
        `(head -c 2m /dev/zero > ${quoted(join(dir, 'filler'))} 2>/dev/null; true)`;
  const cli = [process.execPath, bin, ...args].map(quoted).join(' ');
  // After the CLI, the folder's listing as the namespace sees it (after a line `@@`), for "no temp file left".
  const script = `${mount} && { ${cli}; c=$?; echo @@; ls -a ${quoted(dir)}; exit $c; }`;
  return execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    env: { ...process.env, ...ws.env },
    reject: false,
    timeout: 170_000,
  });
}

describe('restray never hangs and never prints a stack trace (real restic, real keychain)', () => {
  let hung: KeyringSession | undefined;
  afterAll(() => {
    if (hung) {
      process.kill(hung.dbusPid, 'SIGCONT');
      hung.stop();
    }
  });

  it('status, plan list and repo list do not touch a keychain that hangs; a command that needs it fails within its deadline', async () => {
    const { ws } = await withRepo();
    hung = await startKeyringSession();
    // A session bus that stops answering: every keychain call waits (libsecret gives up only after 25 s or more).
    process.kill(hung.dbusPid, 'SIGSTOP');
    const env = { ...hung.env };
    for (const args of [
      ['status', '--no-check'],
      ['plan', 'list'],
      ['repo', 'list'],
      ['status', '--json', '--no-check'],
    ]) {
      const r = await ws.run(args, { env });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect((await ws.run(['plan', 'list'], { env })).stdout).toContain('home');
    expect((await ws.run(['repo', 'list'], { env })).stdout).toMatch(/^usb\tlocal\t/);
    // No D-Bus session at all: the same commands work.
    const noBus = { DBUS_SESSION_BUS_ADDRESS: '' };
    for (const args of [
      ['status', '--no-check'],
      ['plan', 'list'],
      ['repo', 'list'],
    ]) {
      const r = await ws.run(args, { env: noBus });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    // A command that needs the password: a plain error once the 10 s deadline has passed, not a hang.
    const snaps = await ws.run(['snapshots', 'usb'], { env });
    expect(snaps.exitCode).toBe(1);
    expect(lines(snaps.stderr)).toHaveLength(1);
    expect(snaps.stderr).toMatch(/^restray: The system keychain did not answer within 10 s/);
    const backup = await ws.run(['backup', 'home'], { env });
    expect(backup.exitCode).toBe(1);
    expect(lines(backup.stderr)).toHaveLength(1);
    expect(backup.stderr).toMatch(/did not answer within 10 s/);
  });

  it('a read-only home is one clear line; a backup still runs and says its run could not be recorded', async () => {
    const { ws } = await withRepo();
    const plan = await runWithMount(ws, ws.home, 'read-only', [
      'plan',
      'add',
      'x',
      '--repo',
      'usb',
      '--path',
      '/tmp',
    ]);
    expect(plan.exitCode).not.toBe(0);
    expect(lines(plan.stderr), plan.stderr).toHaveLength(1);
    expect(plan.stderr).toMatch(/^restray: Cannot write .*config\.json.*read-only/);
    const backup = await runWithMount(ws, ws.home, 'read-only', ['backup', 'home']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    expect(lines(backup.stderr), backup.stderr).toHaveLength(1);
    expect(backup.stderr).toMatch(
      /^restray: the backup finished, but its run could not be recorded: Cannot write .*state: the file system is read-only/,
    );
    // The snapshot exists.
    const snaps = await ws.run(['snapshots', 'usb', '--json']);
    expect(JSON.parse(snaps.stdout)).toHaveLength(1);
  });

  it('a full home is one clear line and leaves no temp file', async () => {
    const { ws } = await withRepo();
    const plan = await runWithMount(ws, ws.home, 'full', [
      'plan',
      'add',
      'x',
      '--repo',
      'usb',
      '--path',
      '/tmp',
    ]);
    expect(plan.exitCode).not.toBe(0);
    expect(lines(plan.stderr), plan.stderr).toHaveLength(1);
    expect(plan.stderr).toMatch(/^restray: Cannot write .*disk is full/);
    const listing = plan.stdout
      .slice(plan.stdout.indexOf('@@') + 2)
      .split('\n')
      .filter(Boolean);
    expect(listing).toContain('config.json');
    expect(listing.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('`restray ls … | head` ends quietly', async () => {
    const { ws, src } = await withRepo();
    const many: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) many[`many/f${i}.txt`] = `${i}`;
    writeTree(src, many);
    expect((await ws.run(['backup', 'home'])).exitCode).toBe(0);
    const pipeline = await execa('sh', ['-c', `'${process.execPath}' '${bin}' ls usb latest | head -n 2`], {
      env: { ...process.env, ...ws.env },
      reject: false,
      timeout: 170_000,
    });
    expect(pipeline.exitCode).toBe(0);
    expect(pipeline.stderr).toBe('');
    expect(lines(pipeline.stdout)).toHaveLength(2);
  });

  it('a 50 MB broken config is one bounded line, and is not copied into the run history', async () => {
    const { ws } = await withRepo();
    const configFile = join(ws.home, 'config.json');
    // Valid JSON, invalid config: a field whose (huge) value a validation message could quote.
    writeFileSync(configFile, JSON.stringify({ version: 1, settings: { hostname: 'x'.repeat(50 << 20) } }));
    for (const args of [['status'], ['backup', 'home'], ['plan', 'list']]) {
      const r = await ws.run(args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr.length).toBeLessThanOrEqual(4200);
    }
    const notJson = 'y'.repeat(50 << 20);
    writeFileSync(configFile, notJson);
    const r = await ws.run(['status']);
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr.length).toBeLessThanOrEqual(4200);
  });
});

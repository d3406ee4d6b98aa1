import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockFiles, resticBinary, writeTree } from '../restic/restic-lab.js';
import { processAlive } from '../lab/sshd.js';
import { localPlan, waitFor, workstation, type Workstation } from './cli-lab.js';

const PASSWORD = 'signals test password 31337';

/** The restic processes whose parent is `pid` (the CLI's own children). */
function resticChildren(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces, so split after the last ')'.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && comm === 'restic') out.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** True when `signal` (a number) is pending for the process (it is stopped and cannot take it yet). */
function signalPending(pid: number, signal: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const masks = [...status.matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)].map((m) =>
      BigInt(`0x${m[1]}`),
    );
    return masks.some((m) => (m & (1n << BigInt(signal - 1))) !== 0n);
  } catch {
    return false;
  }
}

/** The one-letter state of a process (`T` when stopped), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    return /^State:\s*(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** The locks real restic sees in the repository (`restic list locks`). */
function resticLocks(repo: string): string[] {
  return execFileSync(resticBinary, ['-r', repo, 'list', 'locks', '--no-lock'], {
    env: { ...process.env, RESTIC_PASSWORD: PASSWORD },
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

/**
 * A workstation with a local repository and a plan whose backup takes long enough to be interrupted: 64 MB of
 * random data through a 2 MiB/s upload limit (restic applies it to every backend).
 */
async function slowBackupSetup(): Promise<{ ws: Workstation; repo: string }> {
  const ws = workstation();
  const src = mkdtempSync(join(tmpdir(), 'restray-sig-src-'));
  writeTree(src, { 'big.bin': 64 << 20, 'small.txt': 'x' });
  const repo = join(ws.home, 'repo');
  const add = await ws.run(['repo', 'add', 'usb', '--url', repo, '--init'], { input: `${PASSWORD}\n` });
  expect(add.exitCode, add.stderr).toBe(0);
  const plan = await ws.run([
    'plan',
    'add',
    'home',
    '--repo',
    'usb',
    '--path',
    src,
    '--limit-upload',
    '2048',
  ]);
  expect(plan.exitCode, plan.stderr).toBe(0);
  return { ws, repo };
}

/** The newest backup run of plan `home`, from `restray status --json`. */
async function lastRun(ws: Workstation): Promise<{ result: string; error?: { kind: string } }> {
  const s = await ws.run(['status', '--json', '--no-check']);
  expect(s.exitCode, s.stderr).toBe(0);
  const plans = (JSON.parse(s.stdout) as { plans: { name: string; lastRun?: { result: string } }[] }).plans;
  return plans.find((p) => p.name === 'home')!.lastRun!;
}

/** Starts `restray backup home --json` and resolves once restic runs and has uploaded something. */
async function backupUnderWay(ws: Workstation) {
  const child = ws.run(['backup', 'home', '--json']);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const restic = await waitFor(
    () => {
      const busy = /"bytesDone":[1-9]/.test(stdout);
      const pids = resticChildren(child.pid!);
      return busy && pids.length === 1 ? pids[0] : undefined;
    },
    'restic to upload data',
    120_000,
  );
  return { child, restic };
}

describe('restray backup and signals (real restic, real keychain)', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} cancels the backup cleanly: exit 130, one line, a cancelled run, no restic lock`, async () => {
      const { ws, repo } = await slowBackupSetup();
      const { child } = await backupUnderWay(ws);
      // process.kill, not execa's kill: that one follows SIGTERM with SIGKILL after 5 s.
      process.kill(child.pid!, signal);
      const r = await child;
      expect(r.exitCode, r.stderr).toBe(130);
      expect(r.signal).toBeUndefined();
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^restray: .*cancel/i);
      expect((await lastRun(ws)).result).toBe('cancelled');
      expect(lockFiles(repo)).toEqual([]);
      expect(resticLocks(repo)).toEqual([]);
      // The snapshot was not written; the next backup works (no stale lock in the way).
      expect(JSON.parse((await ws.run(['snapshots', 'usb', '--json'])).stdout)).toEqual([]);
    });
  }

  it('a second Ctrl-C stops restic at once; the run is still recorded and the lock removed', async () => {
    const { ws, repo } = await slowBackupSetup();
    const { child, restic } = await backupUnderWay(ws);
    // A restic that cannot react to the first SIGINT (stopped): only the second Ctrl-C ends it.
    process.kill(restic, 'SIGSTOP');
    await waitFor(() => processState(restic) === 'T', 'restic to stop', 60_000);
    process.kill(child.pid!, 'SIGINT');
    await waitFor(() => signalPending(restic, 2), 'the first SIGINT to reach restic', 60_000);
    expect(lockFiles(repo)).toHaveLength(1);
    process.kill(child.pid!, 'SIGINT');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect((await lastRun(ws)).result).toBe('cancelled');
    expect(lockFiles(repo)).toEqual([]);
    expect(resticLocks(repo)).toEqual([]);
  });

  it('on a terminal the progress line is cleared before the one line', async () => {
    const { ws } = await slowBackupSetup();
    // `script` gives the CLI a pseudo-terminal; its output (the terminal's) is read from the file it writes.
    const typescript = join(ws.home, 'tty.out');
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'restray.mjs');
    const { execa } = await import('execa');
    const child = execa('script', ['-qfec', `'${process.execPath}' '${bin}' backup home`, typescript], {
      env: { ...process.env, ...ws.env },
      reject: false,
      stdin: 'ignore',
    });
    await waitFor(() => {
      try {
        return (
          readFileSync(typescript, 'latin1').includes('\u001b[2K') && resticChildren(cliPid()).length > 0
        );
      } catch {
        return false;
      }
    }, 'the progress line on the terminal');
    function cliPid(): number {
      for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
        try {
          const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
          if (cmd.startsWith(`${process.execPath}\0${bin}\0backup`)) return Number(name);
        } catch {
          // ended meanwhile
        }
      }
      return -1;
    }
    process.kill(cliPid(), 'SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    const screen = readFileSync(typescript, 'latin1');
    // The last thing before the message is the line clear (the progress and "Cancelling…" lines are gone).
    const afterClear = screen.slice(screen.lastIndexOf('\u001b[2K') + 4);
    // (`script` appends its own "Script done" trailer to the file.)
    const [message, ...rest] = afterClear.split('\r\n');
    expect(message).toMatch(/^restray: [^\r\n]*cancel/i);
    expect(rest.join('\n')).not.toMatch(/restray:/);
  });
});

/**
 * Opens the write end of `fifo` once a reader has it open (O_NONBLOCK fails with ENXIO until then); the reader
 * then blocks in read() as long as the returned descriptor stays open.
 */
function writerOnceRead(fifo: string): number | undefined {
  try {
    return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
}

describe('Ctrl-C in snapshots, ls, check and forget (real restic held inside the repository)', () => {
  // A FIFO named like a snapshot file: real restic opens it while listing the snapshots, after taking its lock
  // (snapshots, check, forget; restic 0.14's ls takes none), and waits there until it is cancelled.
  const cases: { name: string; args: string[]; locks: boolean }[] = [
    { name: 'snapshots', args: ['snapshots', 'usb'], locks: true },
    { name: 'ls', args: ['ls', 'usb', 'latest'], locks: false },
    { name: 'check', args: ['check', 'usb'], locks: true },
    { name: 'forget', args: ['forget', 'home'], locks: true },
  ];
  for (const c of cases) {
    it(`${c.name}: SIGINT cancels through the engine: exit 130, one line, no restic lock, restic gone`, async () => {
      const ws = workstation();
      const { repo } = await localPlan(ws, { password: PASSWORD, files: { 'a.txt': 'a' } });
      const first = await ws.run(['backup', 'home']);
      expect(first.exitCode, first.stderr).toBe(0);
      const fifo = join(repo, 'snapshots', 'e'.repeat(64));
      execFileSync('mkfifo', [fifo]);
      let fd: number | undefined;
      try {
        const child = ws.run(c.args);
        fd = await waitFor(() => writerOnceRead(fifo), `restic ${c.name} to read the repository`, 120_000);
        const [restic] = resticChildren(child.pid!);
        expect(restic).toBeDefined();
        if (c.locks) expect(lockFiles(repo)).toHaveLength(1);
        process.kill(child.pid!, 'SIGINT');
        const r = await child;
        expect(r.exitCode, r.stderr).toBe(130);
        const lines = r.stderr.split('\n').filter(Boolean);
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(/^restray: .*cancel/i);
        expect(processAlive(restic!)).toBe(false);
        expect(lockFiles(repo)).toEqual([]);
      } finally {
        if (fd !== undefined) closeSync(fd);
        rmSync(fifo, { force: true });
      }
      expect(resticLocks(repo)).toEqual([]);
      // Nothing was removed by the cancelled forget; the repository still works.
      expect(JSON.parse((await ws.run(['snapshots', 'usb', '--json'])).stdout)).toHaveLength(1);
    });
  }

  it('forget: a second Ctrl-C kills a restic that cannot react; its lock is removed afterwards', async () => {
    const ws = workstation();
    const { repo } = await localPlan(ws, { password: PASSWORD, files: { 'a.txt': 'a' } });
    expect((await ws.run(['backup', 'home'])).exitCode).toBe(0);
    const fifo = join(repo, 'snapshots', 'e'.repeat(64));
    execFileSync('mkfifo', [fifo]);
    let fd: number | undefined;
    try {
      const child = ws.run(['forget', 'home']);
      fd = await waitFor(() => writerOnceRead(fifo), 'restic forget to read the repository', 120_000);
      const [restic] = resticChildren(child.pid!);
      expect(lockFiles(repo)).toHaveLength(1);
      process.kill(restic!, 'SIGSTOP');
      await waitFor(() => processState(restic!) === 'T', 'restic to stop', 60_000);
      process.kill(child.pid!, 'SIGINT');
      await waitFor(() => signalPending(restic!, 2), 'the first SIGINT to reach restic', 60_000);
      process.kill(child.pid!, 'SIGINT');
      const r = await child;
      expect(r.exitCode, r.stderr).toBe(130);
      expect(r.stderr.split('\n').filter(Boolean), r.stderr).toHaveLength(1);
      expect(processAlive(restic!)).toBe(false);
      expect(lockFiles(repo)).toEqual([]);
    } finally {
      if (fd !== undefined) closeSync(fd);
      rmSync(fifo, { force: true });
    }
    expect(resticLocks(repo)).toEqual([]);
  });
});

import { mkdtempSync, readdirSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RestrayError } from '../errors.js';
import { isStale, RepoLocks, type LockHost, type LockOwner } from './repo-lock.js';

const me: LockHost = {
  host: 'ws',
  bootTime: 1_700_000_000_000,
  alive: (pid) => pid < 1000,
  procStart: (pid) => (pid === 7 ? '500' : undefined),
};
const owner = (o: Partial<LockOwner> = {}): LockOwner => ({
  pid: 5,
  host: 'ws',
  bootTime: me.bootTime,
  role: 'tray',
  kind: 'backup',
  name: 'home',
  since: '2026-12-03T10:00:00.000Z',
  token: 't1',
  ...o,
});

describe('isStale', () => {
  it('keeps a live holder, frees a dead one, a reboot and a reused PID', () => {
    expect(isStale(owner(), me)).toBe(false);
    expect(isStale(owner({ pid: 4242 }), me)).toBe(true);
    expect(isStale(owner({ bootTime: me.bootTime - 3_600_000 }), me)).toBe(true);
    expect(isStale(owner({ pid: 7, procStart: '500' }), me)).toBe(false);
    expect(isStale(owner({ pid: 7, procStart: '499' }), me)).toBe(true);
  });
  it('never takes over from another machine', () => {
    expect(isStale(owner({ host: 'laptop', pid: 4242 }), me)).toBe(false);
  });
});

describe('RepoLocks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'restray-locks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets one holder in at a time, tells the waiter who holds it, and hands over on release', async () => {
    const a = new RepoLocks({ dir, role: 'tray', host: { ...me, alive: () => true }, pollMs: 5 });
    const b = new RepoLocks({ dir, role: 'cli', host: { ...me, alive: () => true }, pollMs: 5 });
    const releaseA = await a.acquire('repo-1', { kind: 'backup', name: 'home' });
    expect(b.holder('repo-1')?.role).toBe('tray');
    const heard: LockOwner[] = [];
    let bHolds = false;
    const gotB = b
      .acquire('repo-1', { kind: 'check', name: 'pi' }, { onWait: (h) => heard.push(h) })
      .then((r) => {
        bHolds = true;
        return r;
      });
    await new Promise((r) => setTimeout(r, 50));
    expect(bHolds).toBe(false);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ role: 'tray', kind: 'backup', name: 'home', pid: process.pid });
    releaseA();
    const releaseB = await gotB;
    expect(b.holder('repo-1')?.kind).toBe('check');
    releaseB();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over the lock of a process that is gone, and a half-written one once it is old', async () => {
    writeFileSync(join(dir, 'repo-1.lock'), JSON.stringify(owner({ pid: 4242 })));
    const locks = new RepoLocks({ dir, role: 'cli', host: { ...me, alive: (p) => p !== 4242 }, pollMs: 5 });
    const release = await locks.acquire('repo-1', { kind: 'backup', name: 'home' });
    release();
    writeFileSync(join(dir, 'repo-2.lock'), '');
    utimesSync(join(dir, 'repo-2.lock'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    (await locks.acquire('repo-2', { kind: 'backup', name: 'home' }))();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('does not hold the work back when the lock folder cannot be written, and says why', async () => {
    writeFileSync(join(dir, 'not-a-folder'), '');
    const locks = new RepoLocks({ dir: join(dir, 'not-a-folder', 'locks'), role: 'cli', host: me });
    const why: string[] = [];
    const release = await locks.acquire(
      'repo-1',
      { kind: 'backup', name: 'home' },
      { onNoLock: (w) => why.push(w) },
    );
    release();
    expect(why).toHaveLength(1);
    expect(why[0]).toMatch(/cannot write its lock file/);
  });

  it('stops waiting when cancelled', async () => {
    writeFileSync(join(dir, 'repo-1.lock'), JSON.stringify(owner()));
    const locks = new RepoLocks({ dir, role: 'cli', host: me, pollMs: 5 });
    const abort = new AbortController();
    const p = locks.acquire('repo-1', { kind: 'backup', name: 'home' }, { signal: abort.signal });
    abort.abort();
    await expect(p).rejects.toBeInstanceOf(RestrayError);
    await expect(p).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('never lets two of many racing waiters in at once over a dead holder', async () => {
    writeFileSync(join(dir, 'repo-1.lock'), JSON.stringify(owner({ pid: 4242 })));
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const l = new RepoLocks({ dir, role: 'cli', host: { ...me, alive: (p) => p !== 4242 }, pollMs: 1 });
        const release = await l.acquire('repo-1', { kind: 'backup', name: 'home' });
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
        release();
      }),
    );
    expect(most).toBe(1);
  });
});

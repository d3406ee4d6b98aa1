import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { RestrayError } from '../errors.js';

/** Which kind of Restray process holds a lock: named in the message a waiting process shows. */
export type ProcessRole = 'tray' | 'daemon' | 'cli';

/** What a lock file says about its holder. */
export const LockOwner = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** When the holder's machine booted (ms since the epoch, to the second): a reboot frees every lock. */
  bootTime: z.number(),
  /** Linux: the holder's start time in clock ticks after boot (/proc/PID/stat), so a reused PID is noticed. */
  procStart: z.string().optional(),
  role: z.enum(['tray', 'daemon', 'cli']),
  /** What it runs: the job kind (`backup`, `check`, …) and the plan's or repository's name. */
  kind: z.string().max(40),
  name: z.string().max(200),
  since: z.string(),
  token: z.string(),
});
export type LockOwner = z.infer<typeof LockOwner>;

/** This process and machine, as {@link isStale} compares them. */
export interface LockHost {
  host: string;
  bootTime: number;
  /** False when no process with that PID exists. */
  alive(pid: number): boolean;
  /** The PID's start time (Linux), undefined where unknown. */
  procStart(pid: number): string | undefined;
}

/**
 * Whether a lock's holder is gone, so that the lock may be taken over (pure). Held by another machine: never
 * stale (Restray's folder shared over the network; the holder's machine must release it). Otherwise stale when
 * this machine has rebooted since (a power cut), the PID no longer exists (kill -9, a crash), or the PID now
 * belongs to a younger process (Linux, where the start time is known).
 */
export function isStale(owner: LockOwner, me: LockHost): boolean {
  if (owner.host !== me.host) return false;
  if (Math.abs(owner.bootTime - me.bootTime) > 60_000) return true;
  if (!me.alive(owner.pid)) return true;
  if (owner.procStart === undefined) return false;
  const now = me.procStart(owner.pid);
  return now !== undefined && now !== owner.procStart;
}

function linuxProcStart(pid: number): string | undefined {
  try {
    // Field 22 (starttime); the command name in parentheses may itself contain spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This machine as the OS tells it. process.kill(pid, 0) only asks (Linux, macOS and Windows alike). */
export const systemLockHost: LockHost = {
  host: hostname(),
  bootTime: Math.round((Date.now() - uptime() * 1000) / 1000) * 1000,
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  procStart: process.platform === 'linux' ? linuxProcStart : () => undefined,
};

/** Options of {@link RepoLocks}. */
export interface RepoLocksOptions {
  /** Folder of the lock files (created 0700 when missing). */
  dir: string;
  role: ProcessRole;
  host?: LockHost;
  /** How often a waiting process looks again. */
  pollMs?: number;
}

/** Called while another process holds the lock: once, and again when the holder changes. */
export type OnWait = (holder: LockOwner) => void;

const HALF_WRITTEN_MS = 10_000;

/**
 * One restic per repository across every Restray process of this configuration (tray app, daemon, CLI): a
 * lock file per repository, created with O_EXCL (`wx`), which is atomic on every local file system of Linux,
 * macOS and Windows. It names its holder; a process that finds it waits (and says for whom) until the holder
 * releases it — or takes it over when the holder is gone ({@link isStale}: no such process, a reboot since).
 *
 * Taking over is serialised by a second, short-lived file (`.takeover`), so two waiting processes that see the
 * same dead holder cannot both remove the lock and both start restic. A lock file that cannot be read (a crash
 * between create and write) counts as gone once it is 10 s old. Read-only browsing takes no lock: restic's own
 * shared locks keep it safe beside a backup.
 */
export class RepoLocks {
  private readonly host: LockHost;
  private readonly pollMs: number;

  constructor(private readonly o: RepoLocksOptions) {
    this.host = o.host ?? systemLockHost;
    this.pollMs = o.pollMs ?? 500;
  }

  private path(key: string): string {
    return join(this.o.dir, `${key.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
  }

  /** The live holder of a repository's lock, or undefined (free, or its holder is gone). */
  holder(key: string): LockOwner | undefined {
    const r = this.read(this.path(key));
    return r.owner && !isStale(r.owner, this.host) ? r.owner : undefined;
  }

  /**
   * Waits until this process holds the repository's lock and returns the function that releases it. `onWait`
   * hears who holds it meanwhile. Throws RestrayError `cancelled` when `signal` aborts while waiting.
   *
   * When the lock folder cannot be written at all (a read-only or full home), the work is not held back: a
   * backup that cannot be recorded is still worth more than none, and restic's own locks keep the repository
   * consistent. `onNoLock` then hears why, and the returned release does nothing.
   */
  async acquire(
    key: string,
    job: { kind: string; name: string },
    opts: { signal?: AbortSignal; onWait?: OnWait; pollMs?: number; onNoLock?: (why: string) => void } = {},
  ): Promise<() => void> {
    const path = this.path(key);
    const owner: LockOwner = {
      pid: process.pid,
      host: this.host.host,
      bootTime: this.host.bootTime,
      ...(this.host.procStart(process.pid) === undefined
        ? {}
        : { procStart: this.host.procStart(process.pid)! }),
      role: this.o.role,
      kind: job.kind.slice(0, 40),
      name: job.name.slice(0, 200),
      since: new Date().toISOString(),
      token: randomUUID(),
    };
    let told: string | undefined;
    for (;;) {
      if (opts.signal?.aborted) throw new RestrayError('cancelled', 'The job was cancelled while it waited.');
      let created: boolean;
      try {
        created = this.tryCreate(path, owner);
      } catch (e) {
        opts.onNoLock?.((e as Error).message);
        return () => undefined;
      }
      if (created) return () => this.release(path, owner.token);
      const found = this.read(path);
      if (found.owner ? isStale(found.owner, this.host) : found.ageMs > HALF_WRITTEN_MS) {
        this.takeOver(path, found.owner?.token);
        continue;
      }
      if (found.owner && found.owner.token !== told) {
        told = found.owner.token;
        opts.onWait?.(found.owner);
      }
      await sleep(opts.pollMs ?? this.pollMs, opts.signal);
    }
  }

  private tryCreate(path: string, owner: LockOwner): boolean {
    try {
      mkdirSync(this.o.dir, { recursive: true, mode: 0o700 });
      writeFileSync(path, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      throw new RestrayError(
        code === 'ENOSPC' ? 'no-space' : 'failed',
        `Restray cannot write its lock file in ${this.o.dir} (${code ?? 'error'}).`,
        { hint: 'Check that the disk is not full and that Restray may write its state folder.', cause: e },
      );
    }
  }

  private read(path: string): { owner?: LockOwner; ageMs: number } {
    let ageMs: number;
    let text: string;
    try {
      ageMs = Date.now() - statSync(path).mtimeMs;
      text = readFileSync(path, 'utf8');
    } catch {
      // Gone meanwhile: free, the next create wins.
      return { ageMs: 0 };
    }
    try {
      const parsed = LockOwner.safeParse(JSON.parse(text));
      return parsed.success ? { owner: parsed.data, ageMs } : { ageMs };
    } catch {
      return { ageMs }; // half-written
    }
  }

  /** Removes the lock of a holder that is gone, if it is still that holder's, under the takeover file. */
  private takeOver(path: string, staleToken: string | undefined): void {
    const guard = `${path}.takeover`;
    try {
      writeFileSync(guard, String(process.pid), { flag: 'wx', mode: 0o600 });
    } catch {
      // Another process is taking over; a guard left by a crash is removed once it is old.
      try {
        if (Date.now() - statSync(guard).mtimeMs > HALF_WRITTEN_MS) unlinkSync(guard);
      } catch {
        // gone already
      }
      return;
    }
    try {
      const now = this.read(path);
      if (now.owner?.token === staleToken) unlinkSync(path);
    } catch {
      // removed by its holder meanwhile
    } finally {
      unlinkSync(guard);
    }
  }

  private release(path: string, token: string): void {
    try {
      if (this.read(path).owner?.token === token) unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshEndpoint } from '../config.js';
import { PiError } from '../errors.js';
import { tiedToRun } from './tied-child.js';
import { classifyLinkFailure, rshOf, sshArgs, type SshOptions } from './ssh.js';

/** Bound on the master's stderr kept for classification (it is never shown raw: it may name key paths). */
const STDERR_LIMIT = 16 * 1024;

/**
 * One SSH connection shared by every rsync call of a run (OpenSSH connection multiplexing). Each ssh start costs
 * a key exchange and an authentication — on a Pi a large part of a small incremental run — so the run pays it
 * once. The forced command still applies to every session opened through the master: multiplexing changes the
 * transport, not what the key may do.
 */
export interface SshMaster {
  /** ssh's options for a session over this connection (the destination and command follow). */
  args: string[];
  /** The `-e` value for rsync: `ssh` with {@link args}. */
  rsh: string;
  /**
   * What the master printed (e.g. "Timeout, server … not responding" when keepalives ended it). A session
   * through a dead master only sees its channel close, so failures are classified on this text first.
   */
  stderr(): string;
  /** True once the master process has exited (link cut or stalled); later sessions connect directly. */
  readonly exited: boolean;
  /** Resolves true once the master has exited, or false after `ms` (a session may notice a dead link first). */
  waitExit(ms: number): Promise<boolean>;
  /** Ends the connection and removes the private socket directory. Idempotent. */
  close(): Promise<void>;
}

/**
 * A control socket path in a fresh private directory (mkdtemp: mode 0700, so no other local user can ride on the
 * connection), and ssh's options for a session riding on it.
 */
function controlSocket(
  ep: SshEndpoint,
  t: SshOptions,
): { dir: string; sock: string; args: string[]; rsh: string; masterArgs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'restray-pi-ssh-'));
  const sock = join(dir, 'm');
  const args = sshArgs(ep, { ...t, control: { path: sock, master: 'no' } });
  const masterArgs = sshArgs(ep, { ...t, control: { path: sock, master: 'yes' } });
  return { dir, sock, args, rsh: rshOf(['ssh', ...args]), masterArgs };
}

/** Resolves true once `end` has settled, or false if it has not after `ms`. */
function endedWithin(end: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    end.then(done, done);
  });
}

/**
 * Opens a master connection: `ssh -M -N` with the unattended options of {@link sshArgs} and a control socket in
 * a fresh private directory (mkdtemp: mode 0700, so no other local user can ride on the connection). The master
 * stays our child (ControlPersist=no): it cannot outlive the run, and its stderr stays readable.
 *
 * Resolves when the control socket exists (ssh creates it only after authentication). Rejects with the
 * classified PiError (network, host key, permission) when the master exits first, or after connectTimeout + 10 s.
 * Side effects: a child process and a temp directory until close().
 */
export async function openSshMaster(
  ep: SshEndpoint,
  t: SshOptions,
  signal?: AbortSignal,
): Promise<SshMaster> {
  const { dir, sock, args, rsh, masterArgs } = controlSocket(ep, t);
  let err = '';
  let exited = false;
  const child: ChildProcess = spawn(...tiedToRun('ssh', [...masterArgs, '-N', `${ep.user}@${ep.host}`]), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (err.length < STDERR_LIMIT) err += d;
  });
  const gone = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      resolve();
    };
    child.once('exit', done);
    // ssh missing: 'error' without 'exit'.
    child.once('error', (e) => {
      err += `\n${e.message}`;
      done();
    });
  });
  const close = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const onAbort = () => void close();
  signal?.addEventListener('abort', onAbort, { once: true });

  const deadline = Date.now() + (t.connectTimeout + 10) * 1000;
  // ssh offers no readiness event; the socket appearing is the signal. Short polls cost nothing next to a
  // handshake and keep the wait after it short.
  while (!existsSync(sock)) {
    if (exited || signal?.aborted || Date.now() > deadline) {
      await close();
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) throw new PiError('cancelled', 'The run was cancelled.', { phase: 'list' });
      throw (
        classifyLinkFailure(err) ??
        new PiError('network', 'The SSH connection to the other Pi could not be set up.', {
          hint: 'Check that the other Pi is reachable and that its key and host key are configured.',
        })
      );
    }
    await new Promise((r) => setTimeout(r, 3));
  }
  return {
    args,
    rsh,
    stderr: () => err,
    get exited() {
      return exited;
    },
    waitExit: (ms) => endedWithin(gone, ms),
    close: async () => {
      signal?.removeEventListener('abort', onAbort);
      await close();
    },
  };
}

/**
 * A connection opened by the run's main transfer itself, for the other sessions of the run to ride on.
 *
 * Why not always {@link openSshMaster}: a session multiplexed through a master moves data measurably slower
 * than the master's own session (in the lab ~15 % for 50 MB), and waiting for a master before starting rsync
 * puts the wait for the control socket and a second ssh start on the path. Here rsync's own ssh is the master
 * (`ControlMaster=yes`, `ControlPersist=no`): the transfer runs exactly like a plain rsync, and the listing rides
 * on its connection as soon as the socket exists. The master does not end while a multiplexed session is open;
 * sessions started after the transfer ended connect on their own (`exited`).
 *
 * The carrier's ssh messages end up in rsync's stderr: {@link SshMaster.stderr} gives them once it has ended.
 */
export interface CarriedConnection extends SshMaster {
  /** The `-e` value for the rsync that carries the connection. */
  readonly carrierRsh: string;
  /** Tells the connection when its carrier ends, and what it printed. Call once, right after launching it. */
  carriedBy(end: Promise<{ stderr: string }>): void;
  /**
   * Resolves once sessions can ride on the connection (the control socket exists), or once the carrier has
   * ended (then `exited` is true and sessions connect on their own).
   */
  ready(): Promise<void>;
}

/**
 * Prepares a connection for a carrier: a control socket path in a fresh private directory (mode 0700).
 * Side effects: a temp directory until close().
 */
export function carriedConnection(ep: SshEndpoint, t: SshOptions): CarriedConnection {
  const { dir, sock, args, rsh, masterArgs } = controlSocket(ep, t);
  let ended = false;
  let said = '';
  let end: Promise<void> | undefined;
  return {
    carrierRsh: rshOf(['ssh', ...masterArgs]),
    args,
    rsh,
    carriedBy(e) {
      end = e.then(
        (r) => {
          said = r.stderr;
          ended = true;
        },
        () => void (ended = true),
      );
    },
    async ready() {
      // ssh offers no readiness event; the socket appearing is the signal (as in openSshMaster).
      while (!ended && !existsSync(sock)) await new Promise((r) => setTimeout(r, 3));
    },
    stderr: () => said,
    get exited() {
      return ended;
    },
    waitExit: (ms) => (end ? endedWithin(end, ms) : Promise.resolve(ended)),
    close: async () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

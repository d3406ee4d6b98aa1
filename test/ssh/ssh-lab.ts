import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepoTarget } from '../../contract/config.js';
import { scanHostKey, pinHostKey } from '../../core/ssh/host-key.js';
import { generateRepoKey, type RepoKey } from '../../core/ssh/keys.js';
import type { SshEndpoint } from '../../core/ssh/ssh-options.js';
import { startSshd, type LabSshd, type StartSshdOptions } from '../lab/sshd.js';
import { userLikeDir } from '../lab/user-like-dir.js';

/** A lab sshd plus a workstation side: a Restray-generated key and a known_hosts file pinning the server. */
export interface SshLab {
  sshd: LabSshd;
  /** Temp folder for keys, known_hosts files, repositories. Removed by stop(). */
  work: string;
  key: RepoKey;
  knownHosts: string;
  /** The ssh fields of a RepoTarget for this lab (port overridable, e.g. for the fault proxy). */
  endpoint(port?: number): SshEndpoint;
  sftpTarget(path: string, port?: number): Extract<RepoTarget, { kind: 'sftp' }>;
  appendOnlyTarget(port?: number): Extract<RepoTarget, { kind: 'append-only' }>;
  /** Pins the key as seen on `port` too (known_hosts entries are per host:port). */
  pinPort(port: number): void;
  stop(): Promise<void>;
}

/**
 * Starts an sshd where `root` (or `opts.user`, created if missing) may log in with a fresh repository key, scans its host key with the code under
 * test and pins it. `keyDir` names the key folder inside the work folder. `keyOptions` prefixes the key's authorized_keys line (e.g. a forced command).
 */
export async function startSshLab(
  opts: { keyOptions?: string; keyDir?: string; user?: string; sshd?: StartSshdOptions } = {},
): Promise<SshLab> {
  const work = mkdtempSync(join(tmpdir(), 'restray-ssh-test-'));
  // The workstation's files live where a user's would (spaces, non-ASCII, %, an apostrophe); the server side's
  // repositories stay in `work`, as on a Pi.
  const home = userLikeDir('restray-ssh-home-');
  const key = await generateRepoKey(join(home, opts.keyDir ?? 'keys'), 'repo');
  const line = opts.keyOptions ? `${opts.keyOptions} ${key.publicLine}` : key.publicLine;
  const user = opts.user ?? 'root';
  const sshd = await startSshd({
    users: [user],
    ...opts.sshd,
    authorizedKeys: { [user]: [line], ...opts.sshd?.authorizedKeys },
  });
  const knownHosts = join(home, 'known_hosts');
  const scanned = await scanHostKey(sshd.host, sshd.port);
  const pinned = [...scanned.lines];
  pinHostKey(knownHosts, pinned);
  const endpoint = (port = sshd.port): SshEndpoint => ({
    user,
    host: sshd.host,
    port,
    sshKey: key.privatePath,
    knownHosts,
  });
  return {
    sshd,
    work,
    key,
    knownHosts,
    endpoint,
    sftpTarget: (path, port) => ({ kind: 'sftp', path, ...endpoint(port) }),
    appendOnlyTarget: (port) => ({ kind: 'append-only', path: '/', ...endpoint(port) }),
    pinPort(port) {
      pinned.push(sshd.knownHostsLine('127.0.0.1', port));
      pinHostKey(knownHosts, pinned);
    },
    async stop() {
      await sshd.stop();
      rmSync(work, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Polls `cond` every 50 ms until it holds; throws after `ms`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

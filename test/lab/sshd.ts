import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Path of the OpenSSH server; the lab never falls back to anything else. */
export const SSHD_PATH = '/usr/sbin/sshd';

/** A real OpenSSH server on 127.0.0.1 with its own host key and per-user authorized_keys files. */
export interface LabSshd {
  host: '127.0.0.1';
  port: number;
  /** `ssh-ed25519 AAAA…` (type and base64, no comment). */
  hostKeyPublic: string;
  /** A known_hosts line for this server: `[alias]:port ssh-ed25519 …`, or `alias ssh-ed25519 …` on port 22. */
  knownHostsLine(hostAlias?: string, port?: number): string;
  /** The lab directory (config, host keys, authorized_keys/, pid file). Removed by stop(). */
  dir: string;
  /** Path of the private host key (ssh-keygen -lf on it gives the fingerprint clients must see). */
  hostKeyPath: string;
  /** Kills the server and every session it forked, then removes the lab directory. */
  stop(): Promise<void>;
  /** Replaces the user's authorized_keys (read by sshd at each login, so no restart is needed). */
  setAuthorizedKeys(user: string, lines: string[]): void;
  /** What sshd wrote to stderr so far (LogLevel VERBOSE): for assertions and for debugging failed tests. */
  log(): string;
}

/** Options of {@link startSshd}. */
export interface StartSshdOptions {
  /** Users allowed to log in (AllowUsers); created with `useradd` when missing. Default `['root']`. */
  users?: string[];
  /** Full authorized_keys lines per user, options included (`command="…",restrict ssh-ed25519 …`). */
  authorizedKeys?: Record<string, string[]>;
  /** More sshd_config lines, appended after the lab's own (sshd takes the first value, so they cannot override). */
  extraConfig?: string[];
  /** Listen on this port instead of a free one (e.g. to restart a server with new host keys on the same port). */
  port?: number;
  /** Re-use this ed25519 host key (private key path) instead of generating one. */
  hostKeyPath?: string;
}

/**
 * Generates an ed25519 key pair without passphrase: `<dir>/<name>` (0600) and `<dir>/<name>.pub`.
 * Returns the private key path and the public line (`ssh-ed25519 AAAA… name`).
 */
export async function generateKey(
  dir: string,
  name: string,
): Promise<{ privatePath: string; publicLine: string }> {
  mkdirSync(dir, { recursive: true });
  const privatePath = join(dir, name);
  rmSync(privatePath, { force: true });
  rmSync(`${privatePath}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', privatePath]);
  chmodSync(privatePath, 0o600);
  return { privatePath, publicLine: readFileSync(`${privatePath}.pub`, 'utf8').trim() };
}

/** Asks the kernel for a free port on 127.0.0.1 (a race remains; startSshd retries on EADDRINUSE). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function userExists(user: string): Promise<boolean> {
  try {
    await run('id', ['-u', user]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a lab login user. The password field is set to `*` (no password, but not "locked"): with UsePAM no,
 * sshd refuses even key logins for accounts whose password starts with `!`, which is what useradd leaves.
 */
async function ensureUser(user: string): Promise<void> {
  if (await userExists(user)) return;
  try {
    await run('useradd', ['--create-home', '--shell', '/bin/sh', user]);
  } catch (e) {
    // A parallel test worker may have created it meanwhile.
    if (!(await userExists(user))) throw e;
  }
  await run('usermod', ['-p', '*', user]);
}

/** All descendants of a process, found through /proc (sshd puts each session in its own session/group). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command name: state ppid …
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** True while `pid` runs (a zombie, exited but not yet reaped, counts as gone). Linux /proc only. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some(processAlive)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts `/usr/sbin/sshd -D -e` on 127.0.0.1 (a free port unless `opts.port`), with a fresh ed25519 host key,
 * `AuthorizedKeysFile <dir>/authorized_keys/%u`, internal-sftp, public-key logins only, and resolves once sshd
 * logs "Server listening". Throws (never skips) when sshd is missing or fails to start within 15 s.
 */
export async function startSshd(opts: StartSshdOptions = {}): Promise<LabSshd> {
  if (!existsSync(SSHD_PATH)) throw new Error(`${SSHD_PATH} is missing: install openssh-server`);
  const users = opts.users ?? ['root'];
  for (const u of users) await ensureUser(u);
  // sshd's privilege separation needs this directory; Debian creates it only from the service unit.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const dir = mkdtempSync(join(tmpdir(), 'restray-sshd-'));
  // sshd reads authorized_keys as the target user, so non-root users must be able to traverse the lab dir.
  chmodSync(dir, 0o755);
  const keysDir = join(dir, 'authorized_keys');
  mkdirSync(keysDir, { mode: 0o755 });
  chmodSync(keysDir, 0o755);

  let hostKeyPath: string;
  if (opts.hostKeyPath) {
    hostKeyPath = join(dir, 'host_ed25519_key');
    writeFileSync(hostKeyPath, readFileSync(opts.hostKeyPath), { mode: 0o600 });
    const pub = (await run('ssh-keygen', ['-y', '-f', hostKeyPath])).stdout;
    writeFileSync(`${hostKeyPath}.pub`, pub);
  } else {
    hostKeyPath = (await generateKey(dir, 'host_ed25519_key')).privatePath;
  }
  const hostKeyPublic = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');

  const setAuthorizedKeys = (user: string, lines: string[]) => {
    const file = join(keysDir, user);
    writeFileSync(file, lines.map((l) => `${l}\n`).join(''), { mode: 0o644 });
    chmodSync(file, 0o644);
  };
  for (const u of users) setAuthorizedKeys(u, opts.authorizedKeys?.[u] ?? []);
  for (const [u, lines] of Object.entries(opts.authorizedKeys ?? {}))
    if (!users.includes(u)) setAuthorizedKeys(u, lines);

  const stderrChunks: string[] = [];
  let child: ChildProcess | undefined;
  let port = 0;
  const fixedPort = opts.port;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = fixedPort ?? (await freePort());
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyPath}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${keysDir}/%u`,
      'StrictModes no',
      'UsePAM no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${users.join(' ')}`,
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      'PrintMotd no',
      'UseDNS no',
      // Tests open many short connections in parallel; the default (10:30:100) would drop some.
      'MaxStartups 100',
      ...(opts.extraConfig ?? []),
    ];
    const configPath = join(dir, 'sshd_config');
    writeFileSync(configPath, config.join('\n') + '\n');
    // Validate first so a config error is reported as such rather than as a start timeout.
    await run(SSHD_PATH, ['-t', '-f', configPath]).catch((e: { stderr?: string }) => {
      throw new Error(`sshd rejected the lab config: ${e.stderr ?? String(e)}`);
    });

    stderrChunks.length = 0;
    const proc = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.setEncoding('utf8');
    const started = await new Promise<'ok' | 'in-use' | Error>((resolve) => {
      const timer = setTimeout(
        () => resolve(new Error(`sshd did not start within 15 s:\n${stderrChunks.join('')}`)),
        15_000,
      );
      const done = (r: 'ok' | 'in-use' | Error) => {
        clearTimeout(timer);
        proc.stderr!.off('data', onData);
        proc.off('exit', onExit);
        proc.off('error', onError);
        resolve(r);
      };
      const onData = (s: string) => {
        stderrChunks.push(s);
        const text = stderrChunks.join('');
        if (/Server listening on 127\.0\.0\.1 port/.test(text)) done('ok');
        else if (/Address already in use/.test(text)) done('in-use');
      };
      const onExit = (code: number | null) =>
        done(
          /Address already in use/.test(stderrChunks.join(''))
            ? 'in-use'
            : new Error(`sshd exited (${code}) while starting:\n${stderrChunks.join('')}`),
        );
      const onError = (e: Error) => done(e);
      proc.stderr!.on('data', onData);
      proc.once('exit', onExit);
      proc.once('error', onError);
    });
    // Keep collecting the log for the server's lifetime.
    proc.stderr!.on('data', (s: string) => stderrChunks.push(s));
    if (started === 'ok') child = proc;
    else {
      proc.kill('SIGKILL');
      await waitForExit(proc, 5_000);
      if (started !== 'in-use') {
        rmSync(dir, { recursive: true, force: true });
        throw started;
      }
      if (fixedPort !== undefined && attempt === 4) break;
      if (fixedPort !== undefined) {
        // The previous server on this port may still be closing: wait for it rather than a new port.
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`sshd could not bind 127.0.0.1:${port}:\n${stderrChunks.join('')}`);
  }
  const server = child;
  // If the test process dies without calling stop() (crash, forgotten afterAll), do not leave a listener behind.
  const onProcessExit = () => {
    for (const pid of server.pid === undefined ? [] : [server.pid, ...descendants(server.pid)])
      killQuietly(pid, 'SIGKILL');
  };
  process.once('exit', onProcessExit);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.off('exit', onProcessExit);
      // Sessions run in their own process groups, so kill the forked tree explicitly (a stalled session would
      // otherwise outlive the lab and keep a port or a repository lock busy).
      const tree = server.pid === undefined ? [] : descendants(server.pid);
      killQuietly(server.pid ?? -1, 'SIGTERM');
      for (const pid of tree) killQuietly(pid, 'SIGTERM');
      if (!(await waitForExit(server, 5_000))) {
        killQuietly(server.pid ?? -1, 'SIGKILL');
        await waitForExit(server, 5_000);
      }
      if (!(await waitUntilGone(tree, 3_000))) {
        for (const pid of tree) killQuietly(pid, 'SIGKILL');
        await waitUntilGone(tree, 3_000);
      }
      rmSync(dir, { recursive: true, force: true });
    })());

  return {
    host: '127.0.0.1',
    port,
    hostKeyPublic,
    hostKeyPath,
    dir,
    knownHostsLine(hostAlias = '127.0.0.1', p = port) {
      return `${p === 22 ? hostAlias : `[${hostAlias}]:${p}`} ${hostKeyPublic}`;
    },
    stop,
    setAuthorizedKeys,
    log: () => stderrChunks.join(''),
  };
}

import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { execa } from 'execa';
import type { RepoTarget } from '../../contract/config.js';
import { RestrayError } from '../errors.js';
import { classifySshFailure } from './ssh-errors.js';
import { SSH_PROGRAM, sshArgs, sshDestination, sshOptionArgs } from './ssh-options.js';

/** What a successful connection test showed, for the setup wizard. */
export interface ConnectionTestResult {
  kind: RepoTarget['kind'];
  /** Bytes sent to the Pi and read back from it in the test (0 where the check moves none, see below). */
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  /**
   * Whether a restic repository is already there: for append-only targets whether the Pi's rclone serves a
   * `config`; for sftp and local targets whether the repository folder exists (not whether it holds a repository).
   */
  repositoryExists: boolean;
  /** One plain sentence per check that passed. */
  checks: string[];
}

/** Options of {@link testConnection}. */
export interface ConnectionTestOptions {
  /** Size of the test transfer in each direction; default 4 MiB (enough to fill any MTU-sized path many times). */
  sizeBytes?: number;
  /** Hard limit for the whole test; default 90 s (ssh's own timeouts normally end a dead link within ~45 s). */
  timeoutMs?: number;
  /** Cancels the test (the wizard's Cancel button): rejects with `cancelled`. */
  signal?: AbortSignal;
}

const DEFAULT_SIZE = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 90_000;

/**
 * Checks that this workstation can really use a repository target, for the setup wizard, within a bounded
 * time: every failure is a RestrayError with a plain message (via classifySshFailure for ssh's own errors),
 * never a hang.
 *
 * - `sftp`: logs in with the pinned key through the SFTP subsystem (the `sftp` client, same options as restic's
 *   sftp.command), uploads `sizeBytes` of random data into the repository folder (or its parent when the
 *   repository does not exist yet; the login folder when neither does), reads it back, compares SHA-256 and
 *   deletes it. Moving megabytes both ways is what exposes an MTU black hole or a middlebox that breaks large
 *   packets, which a bare handshake would pass.
 * - `append-only`: logs in with the pinned key and talks HTTP/2 to the Pi's forced `rclone serve restic --stdio
 *   --append-only`, asks whether `config` exists and, if so, downloads up to `sizeBytes` of existing pack files.
 *   Limit: nothing is uploaded, because an append-only repository cannot delete what the test would write
 *   (a leftover data file would stay until the next prune on the Pi). The upload direction is first exercised
 *   by `restic init` or the first backup; a black hole there ends that run through ssh's ServerAlive timeout.
 *   Also fails (`invalid-config`) when the key turns out not to be restricted to a forced command.
 * - `local`: writes, reads back and deletes a file in the folder (or its parent).
 *
 * Errors: `host-key-mismatch`, `host-key-unknown`, `permission-denied`, `network` (refused, timed out, lost,
 * kex mismatch, data corrupted), `invalid-config`, `cancelled`, `failed`. Side effects: a short-lived file in
 * the OS temp folder, and a short-lived `.restray-connection-test-*` file on the Pi (sftp) or next to a local
 * repository.
 */
export async function testConnection(
  target: RepoTarget,
  opts: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const started = Date.now();
  const size = opts.sizeBytes ?? DEFAULT_SIZE;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  opts.signal?.throwIfAborted?.();
  let partial: Omit<ConnectionTestResult, 'durationMs' | 'kind'>;
  try {
    switch (target.kind) {
      case 'sftp':
        partial = await testSftp(target, size, timeoutMs, opts.signal);
        break;
      case 'append-only':
        partial = await testAppendOnly(target, size, timeoutMs, opts.signal);
        break;
      case 'local':
        partial = await testLocal(target.path, size);
        break;
    }
  } catch (e) {
    if (opts.signal?.aborted && !(e instanceof RestrayError && e.kind === 'cancelled'))
      throw new RestrayError('cancelled', 'The connection test was cancelled.', { cause: e });
    throw e;
  }
  return { kind: target.kind, durationMs: Date.now() - started, ...partial };
}

const testFileName = () => `.restray-connection-test-${randomBytes(6).toString('hex')}`;

/** A double-quoted argument for sftp's batch parser, which understands backslash escapes inside quotes. */
function sftpQuote(path: string): string {
  if (/[\r\n]/.test(path))
    throw new RestrayError('invalid-argument', 'The repository path must not contain a line break.');
  return `"${path.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** execa's result when the program itself could not be started (missing, not executable). */
function couldNotStart(r: {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  isCanceled: boolean;
}): boolean {
  return r.exitCode === undefined && r.signal === undefined && !r.timedOut && !r.isCanceled;
}

function timedOut(seconds: number): RestrayError {
  return new RestrayError('network', `The connection test did not finish within ${seconds} s.`, {
    hint: 'The link to the Pi is very slow or drops large packets (VPN/MTU); check the network, then try again.',
  });
}

/** Turns a failed ssh/sftp run into a typed error; ssh's own messages first, then sftp's. */
function sshFailure(stderr: string, what: string): RestrayError {
  const classified = classifySshFailure(stderr);
  if (classified) return classified;
  if (/Permission denied/i.test(stderr))
    return new RestrayError('permission-denied', `The Pi accepted the key but refused ${what}.`, {
      hint: "Check that the repository folder on the Pi belongs to the key's user.",
    });
  if (/No space left|quota/i.test(stderr))
    return new RestrayError('no-space', `The Pi has no space left for ${what}.`);
  if (/subsystem request failed|Connection closed/i.test(stderr))
    return new RestrayError('network', 'The Pi closed the SFTP session.', {
      hint: "Check that the Pi's sshd allows SFTP for this user (Subsystem sftp internal-sftp).",
    });
  // Keep only the last line: ssh/sftp messages name hosts and remote paths, never local key contents.
  const last = stderr.trim().split('\n').pop()?.trim();
  return new RestrayError('failed', `The connection test failed${last ? `: ${last}` : '.'}`);
}

async function testSftp(
  target: Extract<RepoTarget, { kind: 'sftp' }>,
  size: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Omit<ConnectionTestResult, 'durationMs' | 'kind'>> {
  const local = await mkdtemp(join(tmpdir(), 'restray-conntest-'));
  try {
    const data = randomBytes(size);
    const upPath = join(local, 'up');
    const downPath = join(local, 'down');
    await writeFile(upPath, data);
    const name = testFileName();
    const repo = target.path;
    // The parent must exist (a fatal cd stops the batch before anything is written); the repository itself
    // may not exist yet ('-' lets sftp go on). The two pwd outputs tell whether the second cd moved.
    const batch = [
      `cd ${sftpQuote(dirname(repo))}`,
      'pwd',
      `-cd ${sftpQuote(repo)}`,
      'pwd',
      `put ${sftpQuote(upPath)} ${name}`,
      `get ${name} ${sftpQuote(downPath)}`,
      `rm ${name}`,
    ].join('\n');
    const batchPath = join(local, 'batch');
    await writeFile(batchPath, `${batch}\n`);
    const r = await execa(
      'sftp',
      ['-b', batchPath, ...sshOptionArgs(target, { portFlag: '-P' }), sshDestination(target)],
      {
        reject: false,
        stdin: 'ignore',
        timeout: timeoutMs,
        ...(signal ? { cancelSignal: signal } : {}),
        forceKillAfterDelay: 2_000,
      },
    );
    if (r.isCanceled) throw new RestrayError('cancelled', 'The connection test was cancelled.');
    if (r.timedOut) throw timedOut(Math.round(timeoutMs / 1000));
    if (couldNotStart(r))
      throw new RestrayError('failed', 'The sftp program could not be run.', {
        hint: 'Install the OpenSSH client (ssh, sftp).',
      });
    // sftp echoes each batch command; no echo of the first pwd means the parent folder is missing.
    const dirs = [...r.stdout.matchAll(/Remote working directory: (.*)/g)].map((m) => m[1]!.trim());
    if (r.exitCode !== 0) {
      const ssh = classifySshFailure(r.stderr);
      if (ssh) throw ssh;
      if (dirs.length === 0 && /sftp> cd /.test(r.stdout))
        throw new RestrayError('not-found', `The folder ${dirname(repo)} does not exist on the Pi.`, {
          hint: 'Create it on the Pi (restray-pi provision does), or correct the repository path.',
        });
      // sftp exits on SIGPIPE after ssh died; stderr still says why.
      throw sshFailure(r.stderr, 'writing a test file in the repository folder');
    }
    const cwd = dirs[1] ?? dirs[0];
    const repoExists = dirs.length === 2 && dirs[0] !== dirs[1];
    const back = await readFile(downPath);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    if (back.length !== data.length || sha(back) !== sha(data))
      throw new RestrayError('network', 'The test data came back from the Pi altered.', {
        hint: 'Something on the path corrupts data; check the network equipment and the Pi’s storage.',
      });
    const mib = (size / 1024 / 1024).toFixed(1);
    return {
      bytesUp: size,
      bytesDown: size,
      repositoryExists: repoExists,
      checks: [
        "Logged in with the repository's key and the pinned host key.",
        `Wrote ${mib} MiB to ${cwd ?? 'the Pi'} over SFTP, read it back unchanged and removed it.`,
      ],
    };
  } finally {
    await rm(local, { recursive: true, force: true });
  }
}

/** The ssh child's stdin/stdout as one Duplex for the HTTP/2 client, with a look at what comes back. */
function stdioDuplex(child: { stdin: NodeJS.WritableStream; stdout: NodeJS.ReadableStream }): Duplex {
  const out = new PassThrough();
  child.stdout.pipe(out);
  const duplex = Duplex.from({ readable: out, writable: child.stdin });
  // Writes after ssh died fail with EPIPE; the failure is reported from ssh's exit and stderr instead.
  duplex.on('error', () => {});
  child.stdin.on('error', () => {});
  return duplex;
}

// Sent as the remote command. The Pi's forced command replaces it; if there is none, the shell echoes this
// marker instead of starting anything with the key's full rights.
const NO_FORCED_COMMAND_MARKER = 'restray-no-forced-command';

async function testAppendOnly(
  target: Extract<RepoTarget, { kind: 'append-only' }>,
  size: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Omit<ConnectionTestResult, 'durationMs' | 'kind'>> {
  const child = execa(SSH_PROGRAM, sshArgs(target, ['echo', NO_FORCED_COMMAND_MARKER]), {
    reject: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: { stdout: false, stderr: true },
    ...(signal ? { cancelSignal: signal } : {}),
    forceKillAfterDelay: 2_000,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s.slice(0, 64 * 1024)));
  let sawMarker = false;
  child.stdout.on('data', (b: Buffer) => {
    if (!sawMarker && b.includes(NO_FORCED_COMMAND_MARKER)) sawMarker = true;
  });

  let session: ClientHttp2Session | undefined;
  const exited = child.then((r) => r);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut(Math.round(timeoutMs / 1000))), timeoutMs);
  });
  // Whatever happens first: the HTTP/2 exchange finishes, ssh exits (then its stderr says why), or the deadline.
  const sshGone = exited.then((r): never => {
    if (r.isCanceled) throw new RestrayError('cancelled', 'The connection test was cancelled.');
    if (sawMarker) throw notRestricted();
    if (r.exitCode === undefined && !r.isCanceled && r.signal === undefined)
      throw new RestrayError('failed', 'The ssh program could not be run.', {
        hint: 'Install the OpenSSH client (ssh).',
      });
    throw appendOnlyFailure(stderr);
  });

  let duplex: Duplex | undefined;
  const exchange = async () => {
    session = http2Connect('http://localhost', {
      createConnection: () => (duplex = stdioDuplex(child)),
    });
    session.on('error', () => {
      // Reported through the request that fails or through ssh's exit.
    });
    const head = await request(session, 'HEAD', '/config');
    if (sawMarker) throw notRestricted();
    if (head.status === 403 || head.status === 401)
      throw new RestrayError('permission-denied', "The Pi's rclone refused to read the repository.");
    const exists = head.status === 200;
    let down = 0;
    if (exists) {
      const list = await request(session, 'GET', '/data/', { accept: 'application/vnd.x.restic.rest.v2' });
      let packs: { name: string; size: number }[] = [];
      try {
        packs = list.status === 200 ? (JSON.parse(list.body.toString('utf8')) as typeof packs) : [];
      } catch {
        packs = [];
      }
      for (const p of packs) {
        if (down >= size) break;
        if (!/^[0-9a-f]{64}$/.test(p.name)) continue;
        const got = await request(session, 'GET', `/data/${p.name}`);
        if (got.status !== 200) break;
        down += got.body.length;
      }
    }
    return { exists, down };
  };

  try {
    const { exists, down } = await Promise.race([exchange(), sshGone, deadline]);
    const mib = (down / 1024 / 1024).toFixed(1);
    return {
      bytesUp: 0,
      bytesDown: down,
      repositoryExists: exists,
      checks: [
        "Logged in with the repository's key and the pinned host key.",
        'The Pi answered through its append-only rclone (the key is restricted to it).',
        exists
          ? down > 0
            ? `Found the repository and read ${mib} MiB of it back.`
            : 'Found the repository (it holds no data yet).'
          : 'No repository there yet: the first run initialises it.',
      ],
    };
  } catch (e) {
    // An HTTP/2 error is only a symptom; ssh's stderr (once it has exited) names the cause.
    if (e instanceof RestrayError) throw e;
    const r = await Promise.race([
      exited,
      new Promise<undefined>((res) => setTimeout(() => res(undefined), 3000)),
    ]);
    if (sawMarker) throw notRestricted();
    if (r?.isCanceled) throw new RestrayError('cancelled', 'The connection test was cancelled.');
    throw appendOnlyFailure(stderr, e);
  } finally {
    clearTimeout(timer);
    // The transport goes first, and the session only once its socket has seen that: a session destroyed on a
    // live socket writes a GOAWAY frame, and when ssh has died with a write still pending Node 20 trips an
    // internal assertion (js_stream_socket doWrite) in a callback, where no caller can catch it.
    if (duplex) {
      duplex.destroy();
      await new Promise((r) => setImmediate(r));
    }
    session?.destroy();
    child.stdin.destroy();
    child.kill();
    await exited;
  }
}

function notRestricted(): RestrayError {
  return new RestrayError(
    'invalid-config',
    'The Pi did not start rclone for this key: the key is not restricted to append-only access.',
    {
      hint: 'Authorise the key on the Pi with restray-pi provision (it adds the forced rclone command), or choose the SFTP profile.',
    },
  );
}

function appendOnlyFailure(stderr: string, cause?: unknown): RestrayError {
  const classified = classifySshFailure(stderr);
  if (classified) return classified;
  if (/rclone: (command )?not found|rclone: No such file/i.test(stderr))
    return new RestrayError('failed', 'rclone is not installed on the Pi.', {
      hint: 'Install rclone on the Pi (apt install rclone).',
    });
  const last = stderr.trim().split('\n').pop()?.trim();
  return new RestrayError('failed', `The Pi's append-only rclone did not answer${last ? `: ${last}` : '.'}`, {
    hint: "Check the forced command in the Pi's authorized_keys (rclone serve restic --stdio --append-only …).",
    cause,
  });
}

interface Http2Reply {
  status: number;
  body: Buffer;
}

function request(
  session: ClientHttp2Session,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Http2Reply> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': method, ':path': path, ...headers }, { endStream: true });
    let status = 0;
    const chunks: Buffer[] = [];
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: Buffer) => chunks.push(c));
    // A stream can end without any response when the connection underneath dies (ssh exited).
    req.on('end', () =>
      status === 0
        ? reject(new Error(`no HTTP/2 response to ${method} ${path}`))
        : resolve({ status, body: Buffer.concat(chunks) }),
    );
    req.on('error', reject);
    req.on('close', () => {
      if (status === 0) reject(new Error(`HTTP/2 stream closed before a response to ${method} ${path}`));
    });
  });
}

async function testLocal(
  path: string,
  size: number,
): Promise<Omit<ConnectionTestResult, 'durationMs' | 'kind'>> {
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() === true;
  const exists = await isDir(path);
  const dir = exists ? path : dirname(path);
  if (!(await isDir(dir)))
    throw new RestrayError('not-found', `Neither ${path} nor its parent folder exists.`, {
      hint: 'Plug in the disk or create the folder, then try again.',
    });
  try {
    await access(dir, fsConstants.W_OK);
  } catch {
    throw new RestrayError('permission-denied', `Restray may not write to ${dir}.`);
  }
  const file = join(dir, testFileName());
  const data = randomBytes(Math.min(size, DEFAULT_SIZE));
  try {
    await writeFile(file, data);
    const back = await readFile(file);
    if (!back.equals(data)) throw new RestrayError('failed', `Data written to ${dir} came back altered.`);
  } catch (e) {
    if (e instanceof RestrayError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new RestrayError('no-space', `The disk holding ${dir} is full.`);
    throw new RestrayError('failed', `Could not write a test file to ${dir} (${code ?? 'error'}).`, {
      cause: e,
    });
  } finally {
    await rm(file, { force: true });
  }
  return {
    bytesUp: data.length,
    bytesDown: data.length,
    repositoryExists: exists,
    checks: [`Wrote a test file to ${dir}, read it back unchanged and removed it.`],
  };
}

import { execa } from 'execa';
import type { Repository } from '../../contract/config.js';
import { parsePiStatus } from '../../contract/pi-status.js';
import { RestrayError } from '../errors.js';
import { classifySshFailure } from '../ssh/ssh-errors.js';
import { SSH_PROGRAM, sshArgs, type SshEndpoint } from '../ssh/ssh-options.js';
import type { StatusObservation, StatusSource } from './observations.js';

/** Largest status document Restray reads (a year of generations with hundreds of snapshot IDs fits easily). */
export const MAX_STATUS_BYTES = 4 * 1024 * 1024;
/** Hard limit for one read; ssh's own ConnectTimeout (15 s) normally ends a dead link first. */
export const STATUS_READ_TIMEOUT_MS = 30_000;

export interface StatusReadOptions {
  timeoutMs?: number;
  maxBytes?: number;
  signal?: AbortSignal;
  /** Time stamp of the observation; default now. */
  now?: () => Date;
}

/**
 * The SSH endpoint of the onsite Pi's status account for a repository: the repository's host, port, key and
 * pinned known_hosts with `offsiteStatusUser` as the user. undefined for local repositories or without a status
 * account.
 */
export function statusEndpoint(repo: Repository): SshEndpoint | undefined {
  const t = repo.target;
  if (t.kind === 'local' || repo.offsiteStatusUser === undefined) return undefined;
  return {
    user: repo.offsiteStatusUser,
    host: t.host,
    port: t.port,
    sshKey: t.sshKey,
    knownHosts: t.knownHosts,
  };
}

/** Output of one bounded ssh run. */
interface SshCapture {
  exitCode: number | undefined;
  stdout: Buffer;
  stderr: string;
  tooLarge: boolean;
  timedOut: boolean;
  cancelled: boolean;
}

/**
 * Runs `ssh <Restray's options> -T user@host` and captures at most `maxBytes` of stdout (ssh is stopped beyond
 * that) and the last 16 KiB of stderr. No remote command is sent: the account's forced command decides what
 * runs, and an unrestricted account would only get an empty shell on /dev/null.
 */
async function captureSsh(
  e: SshEndpoint,
  o: Required<Omit<StatusReadOptions, 'signal' | 'now'>> & { signal?: AbortSignal | undefined },
): Promise<SshCapture> {
  const child = execa(SSH_PROGRAM, sshArgs(e, [], ['-T']), {
    reject: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    timeout: o.timeoutMs,
    forceKillAfterDelay: 2_000,
    windowsHide: true,
    ...(o.signal ? { cancelSignal: o.signal } : {}),
  });
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    if (tooLarge) return;
    size += b.length;
    if (size > o.maxBytes) {
      tooLarge = true;
      child.kill();
      return;
    }
    chunks.push(b);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-16 * 1024);
  });
  const r = await child;
  return {
    exitCode: r.exitCode,
    stdout: Buffer.concat(chunks),
    stderr,
    tooLarge,
    timedOut: r.timedOut,
    cancelled: r.isCanceled,
  };
}

/**
 * Turns a status document's bytes into an observation: JSON, then the contract's schema (parsePiStatus, which
 * names an unknown schema version plainly). Pure.
 */
export function statusFromBytes(bytes: Buffer, via: StatusSource, at: string): StatusObservation {
  const where = via === 'onsite' ? 'on the onsite Pi' : 'on the offsite Pi';
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return {
      ok: false,
      via,
      at,
      problem: bytes.length === 0 ? 'missing' : 'invalid',
      error: {
        kind: 'failed',
        message:
          bytes.length === 0
            ? `The offsite status ${where} is empty.`
            : `The offsite status ${where} is not valid JSON.`,
      },
    };
  }
  const parsed = parsePiStatus(json);
  if (!parsed.ok)
    return { ok: false, via, at, problem: 'invalid', error: { kind: 'failed', message: parsed.message } };
  return { ok: true, via, at, status: parsed.status, ...(parsed.signed ? { signed: parsed.signed } : {}) };
}

/**
 * Reads the offsite status that restray-pi publishes on the onsite Pi, through the status account
 * (`offsiteStatusUser`) whose forced command prints offsite.json, logging in with the repository's own key and
 * pinned known_hosts (BatchMode, StrictHostKeyChecking, timeouts: see sshOptionArgs).
 *
 * Never throws for expected failures: the result says what went wrong, as a problem and a plain ErrorInfo
 * (`unreachable` for network failures and timeouts, `refused` for a refused key or host key problems, `missing`
 * when nothing has been published yet, `invalid` for a document that is too large, not JSON or not valid).
 * Throws `invalid-argument` only when the repository has no status account or is local (a caller's mistake),
 * and `cancelled` when `signal` aborts. Side effects: one ssh process, at most `timeoutMs` long.
 */
export async function readOffsiteStatus(
  repo: Repository,
  opts: StatusReadOptions = {},
): Promise<StatusObservation> {
  const endpoint = statusEndpoint(repo);
  if (!endpoint)
    throw new RestrayError(
      'invalid-argument',
      `Repository "${repo.name}" has no status account on an onsite Pi (offsiteStatusUser).`,
    );
  const now = opts.now ?? (() => new Date());
  const timeoutMs = opts.timeoutMs ?? STATUS_READ_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? MAX_STATUS_BYTES;
  const r = await captureSsh(endpoint, { timeoutMs, maxBytes, signal: opts.signal });
  const at = now().toISOString();
  if (r.cancelled) throw new RestrayError('cancelled', 'Reading the offsite status was cancelled.');
  if (r.tooLarge)
    return {
      ok: false,
      via: 'onsite',
      at,
      problem: 'invalid',
      error: {
        kind: 'failed',
        message: `The offsite status on the onsite Pi is larger than ${maxBytes} bytes.`,
      },
    };
  if (r.timedOut)
    return {
      ok: false,
      via: 'onsite',
      at,
      problem: 'unreachable',
      error: {
        kind: 'network',
        message: `The onsite Pi did not send the offsite status within ${Math.round(timeoutMs / 1000)} s.`,
      },
    };
  if (r.exitCode === 0) return statusFromBytes(r.stdout, 'onsite', at);
  return { ok: false, via: 'onsite', at, ...statusReadFailure(r.stderr, r.exitCode) };
}

/** Classifies a failed status read from ssh's exit status and stderr. Pure. */
export function statusReadFailure(
  stderr: string,
  exitCode: number | undefined,
): {
  problem: 'unreachable' | 'refused' | 'missing' | 'invalid';
  error: {
    kind: 'network' | 'host-key-mismatch' | 'host-key-unknown' | 'permission-denied' | 'not-found' | 'failed';
    message: string;
    hint?: string;
  };
} {
  const ssh = classifySshFailure(stderr);
  if (ssh) {
    const kind = ssh.kind as 'network' | 'host-key-mismatch' | 'host-key-unknown' | 'permission-denied';
    return {
      problem: kind === 'network' ? 'unreachable' : 'refused',
      error: { kind, message: ssh.message, ...(ssh.hint ? { hint: ssh.hint } : {}) },
    };
  }
  if (exitCode === 255)
    return {
      problem: 'unreachable',
      error: { kind: 'network', message: 'The onsite Pi could not be reached to read the offsite status.' },
    };
  // The forced `cat …/offsite.json` failed: restray-pi has not published anything yet.
  if (/No such file or directory/i.test(stderr))
    return {
      problem: 'missing',
      error: {
        kind: 'not-found',
        message: 'The offsite Pi has not published a status on the onsite Pi yet.',
        hint: 'Run `restray-pi sync` on the offsite Pi, or check its publish settings.',
      },
    };
  if (/Permission denied/i.test(stderr))
    return {
      problem: 'refused',
      error: {
        kind: 'permission-denied',
        message: 'The onsite Pi does not let this key read the offsite status.',
        hint: 'Check the status directory permissions and the status account (restray-pi provision onsite).',
      },
    };
  return {
    problem: 'missing',
    error: {
      kind: 'failed',
      message: `Reading the offsite status on the onsite Pi failed (exit status ${exitCode ?? 'unknown'}).`,
      hint: 'Check the status account on the onsite Pi (restray-pi provision onsite --status-key …).',
    },
  };
}

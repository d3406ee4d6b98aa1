import { execa } from 'execa';
import type { SshEndpoint, SshTiming } from './config.js';
import { PiError } from './errors.js';
import { classifyLinkFailure, rsyncRsh } from './ssh.js';
import type { PiRunPhase } from '../../contract/pi-status.js';

export interface RsyncResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** rsync's `Total bytes received` (wire bytes, protocol included); 0 when no stats were printed. */
  bytesReceived: number;
  bytesSent: number;
}

export interface RsyncOptions {
  rsyncPath: string;
  endpoint: SshEndpoint;
  ssh: SshTiming;
  /** rsync's own I/O timeout in seconds. */
  timeout: number;
  bwlimitKiB?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Parses `--stats` totals (with or without digit grouping). */
export function parseStats(stdout: string): { received: number; sent: number } {
  const num = (re: RegExp) => {
    const m = re.exec(stdout);
    return m ? Number(m[1]!.replace(/[,.]/g, '')) : 0;
  };
  return { received: num(/^Total bytes received: ([\d,.]+)/m), sent: num(/^Total bytes sent: ([\d,.]+)/m) };
}

/**
 * Runs rsync over ssh with the unattended ssh options (see ssh.ts), `--timeout`, and the optional bandwidth
 * limit. Never throws for a non-zero exit: the caller maps it with {@link rsyncFailure}. TZ=UTC makes
 * `--list-only` print UTC times; LC_ALL=C keeps messages in English for classification.
 */
export async function runRsync(args: readonly string[], o: RsyncOptions): Promise<RsyncResult> {
  const full = [
    '-e',
    rsyncRsh(o.endpoint, o.ssh),
    `--timeout=${o.timeout}`,
    ...(o.bwlimitKiB ? [`--bwlimit=${o.bwlimitKiB}`] : []),
    ...args,
  ];
  const r = await execa(o.rsyncPath, full, {
    reject: false,
    stdin: 'ignore',
    env: { TZ: 'UTC', LC_ALL: 'C' },
    extendEnv: true,
    cancelSignal: o.signal,
    // rsync is killed with SIGTERM on cancel; it forwards to ssh and keeps partial files (--partial-dir).
    forceKillAfterDelay: 5_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.failed && r.exitCode === undefined && !r.isCanceled)
    throw new PiError('failed', `rsync could not be started (${o.rsyncPath}): ${r.shortMessage}`, {
      hint: 'Install rsync (apt install rsync).',
    });
  const stats = parseStats(String(r.stdout ?? ''));
  return {
    exitCode: r.isCanceled ? 130 : (r.exitCode ?? 1),
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    bytesReceived: stats.received,
    bytesSent: stats.sent,
  };
}

/** True when rsync reports that source files vanished during the transfer (exit 24): the source changed. */
export function sourceVanished(r: RsyncResult): boolean {
  return r.exitCode === 24;
}

/**
 * Maps a failed rsync run to a PiError: ssh and link failures first (by text), then rsync's exit statuses
 * (10/12: connection lost; 30: I/O timeout; 5 or rrsync's refusal: the forced command refused the request;
 * 23: some files failed). The message never quotes raw stderr (it may name key paths).
 */
export function rsyncFailure(r: RsyncResult, phase: PiRunPhase, what: string): PiError {
  const link = classifyLinkFailure(r.stderr);
  if (link) return new PiError(link.kind, link.message, { phase, ...(link.hint ? { hint: link.hint } : {}) });
  if (r.exitCode === 130) return new PiError('cancelled', `The ${what} was cancelled.`, { phase });
  if (r.exitCode === 30)
    return new PiError('network', 'The link to the other Pi stalled and the run was ended.', {
      phase,
      hint: 'Check the network between the Pis; the next run resumes where this one stopped.',
    });
  if (r.exitCode === 10 || r.exitCode === 12 || r.exitCode === 255)
    return new PiError('network', 'The connection to the other Pi was lost.', {
      phase,
      hint: 'Check the network link; the next run resumes where this one stopped.',
    });
  if (/rrsync error|rrsync: /i.test(r.stderr) || r.exitCode === 5)
    return new PiError('permission-denied', `The other Pi's forced command refused the ${what}.`, {
      phase,
      hint: 'Check the key options in authorized_keys there (restray-pi provision onsite --dry-run shows them).',
    });
  const firstLine = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('rsync:') || l.startsWith('rsync error:'));
  return new PiError(
    'failed',
    `The ${what} failed (rsync exit ${r.exitCode}${firstLine ? `: ${firstLine.replace(/^rsync(: | error: )/, '')}` : ''}).`,
    {
      phase,
    },
  );
}

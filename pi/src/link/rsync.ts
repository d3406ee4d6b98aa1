import { execa } from 'execa';
import type { SshEndpoint } from '../config.js';
import { PiError } from '../errors.js';
import { tiedToRun } from './tied-child.js';
import { classifyLinkFailure, rsyncRsh, sshArgs, type SshOptions } from './ssh.js';
import type { SshMaster } from './ssh-master.js';
import type { PiRunPhase } from '../../../contract/pi-status.js';

export interface RsyncResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** rsync's `Total bytes received` (wire bytes, protocol included); 0 when no stats were printed. */
  bytesReceived: number;
  bytesSent: number;
  /** Sum of `%b` over the files reported through `onFile` (what a cut run moved before the cut). */
  fileBytes: number;
}

export interface RsyncOptions {
  rsyncPath: string;
  endpoint: SshEndpoint;
  ssh: SshOptions;
  /** rsync's own I/O timeout in seconds. */
  timeout: number;
  bwlimitKiB?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Ride on this run's shared connection (see ssh-master.ts); without it each call connects on its own. */
  master?: SshMaster | undefined;
  /** The `-e` value, overriding `master` (the transfer that carries the run's connection, see ssh-master.ts). */
  rsh?: string | undefined;
  /**
   * Called for each file rsync finished receiving, as rsync reports it (path relative to the destination, wire
   * bytes). rsync reports a file just before it renames it into place, so a consumer treats a file as complete
   * once the next report (or the end of the run) arrives.
   */
  onFile?: ((path: string, bytes: number) => void) | undefined;
}

// Marks rsync's per-file lines on stdout, apart from --stats and --list-only output. %b makes rsync log after
// the file's data arrived instead of before (rsync logs before the transfer unless the format needs its result).
const FILE_LINE = 'restray-file ';

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
  return spawnRsync(args, o).finish();
}

/** An rsync running on its own (see {@link launchRsync}). */
export interface RunningRsync {
  /** Resolves when rsync ends (never rejects for a non-zero exit, as {@link runRsync}). */
  readonly result: Promise<RsyncResult>;
  /** Stops it early (SIGTERM: rsync keeps the file it was receiving in the partial dir) and waits for its end. */
  stop(): Promise<RsyncResult>;
}

/** Starts rsync and returns at once: the caller decides, while it runs, whether to let it finish or stop it. */
export function launchRsync(args: readonly string[], o: RsyncOptions): RunningRsync {
  const run = spawnRsync(args, o);
  const result = run.finish();
  // A caller that stops it on an error path may never look at the result.
  result.catch(() => undefined);
  return {
    result,
    stop() {
      run.sub.kill('SIGTERM');
      return result;
    },
  };
}

function spawnRsync(args: readonly string[], o: RsyncOptions) {
  const full = [
    '-e',
    o.rsh ?? (o.master && !o.master.exited ? o.master.rsh : rsyncRsh(o.endpoint, o.ssh)),
    `--timeout=${o.timeout}`,
    ...(o.bwlimitKiB ? [`--bwlimit=${o.bwlimitKiB}`] : []),
    ...(o.onFile ? [`--out-format=${FILE_LINE}%b %n`] : []),
    ...args,
  ];
  let fileBytes = 0;
  const onFile = o.onFile;
  const sub = execa(...tiedToRun(o.rsyncPath, full), {
    reject: false,
    stdin: 'ignore',
    stdout: onFile
      ? function* (line: unknown) {
          const l = String(line);
          if (!l.startsWith(FILE_LINE)) {
            yield l;
            return;
          }
          const m = /^(\d+) (.+)$/.exec(l.slice(FILE_LINE.length));
          // Directories rsync creates on the way (`data/ab/`) are reported too; only files count.
          if (!m || m[2]!.endsWith('/')) return;
          fileBytes += Number(m[1]);
          onFile(m[2]!, Number(m[1]));
        }
      : 'pipe',
    env: { TZ: 'UTC', LC_ALL: 'C' },
    extendEnv: true,
    cancelSignal: o.signal,
    // rsync is killed with SIGTERM on cancel; it forwards to ssh and keeps partial files (--partial-dir).
    forceKillAfterDelay: 5_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  const finish = async (): Promise<RsyncResult> => {
    const r = await sub;
    const notStarted =
      (r.failed && r.exitCode === undefined && !r.isCanceled && r.signal === undefined) ||
      (r.exitCode === 127 && /^setpriv: failed to execute/m.test(String(r.stderr ?? '')));
    if (notStarted)
      throw new PiError('failed', `rsync could not be started (${o.rsyncPath}): ${r.shortMessage}`, {
        hint: 'Install rsync (apt install rsync).',
      });
    const stats = parseStats(String(r.stdout ?? ''));
    const exitCode = r.isCanceled ? 130 : (r.exitCode ?? 1);
    // A session through a master that died (cut, stalled) only sees its channel close; the master said why.
    // rsync may see its channel close a moment before the master's exit is reported: give it that moment when
    // the exit status says the link broke (10/12 protocol stream, 30/35 timeouts, 255 ssh).
    if (o.master && [10, 12, 30, 35, 255].includes(exitCode)) await o.master.waitExit(2_000);
    const masterSaid = exitCode !== 0 && o.master?.exited ? `${o.master.stderr()}\n` : '';
    return {
      exitCode,
      stdout: String(r.stdout ?? ''),
      stderr: masterSaid + String(r.stderr ?? ''),
      // Without --stats (a cut run prints none) the files reported so far are the best lower bound.
      bytesReceived: stats.received || fileBytes,
      bytesSent: stats.sent,
      fileBytes,
    };
  };
  return { sub, finish };
}

/**
 * Runs `command` on the other side (its forced command decides what that means) over the run's connection, or a
 * connection of its own when there is none. Output as from rsync (no stats); never throws for a non-zero exit.
 */
export async function runRemote(command: string, o: RsyncOptions): Promise<RsyncResult> {
  const viaMaster = o.master && !o.master.exited;
  const r = await execa(
    ...tiedToRun('ssh', [
      ...(viaMaster ? o.master!.args : sshArgs(o.endpoint, o.ssh)),
      `${o.endpoint.user}@${o.endpoint.host}`,
      command,
    ]),
    {
      reject: false,
      stdin: 'ignore',
      env: { LC_ALL: 'C' },
      extendEnv: true,
      cancelSignal: o.signal,
      forceKillAfterDelay: 5_000,
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const exitCode = r.isCanceled ? 130 : (r.exitCode ?? 1);
  if (viaMaster && exitCode === 255) await o.master!.waitExit(2_000);
  const masterSaid = exitCode !== 0 && viaMaster && o.master!.exited ? `${o.master!.stderr()}\n` : '';
  return {
    exitCode,
    stdout: String(r.stdout ?? ''),
    stderr: masterSaid + String(r.stderr ?? ''),
    bytesReceived: 0,
    bytesSent: 0,
    fileBytes: 0,
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

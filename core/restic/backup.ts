import type { BackupProblem, BackupProgress, BackupResult, Snapshot } from '../../contract/restic.js';
import { invalidArgument, repeated } from './args.js';
import { ResticError } from './errors.js';
import { decodeMessage, messageTypeOf } from './json-lines.js';
import {
  BackupStatusMsg,
  BackupSummaryMsg,
  ItemErrorMsg,
  type BackupSummaryMsg as Summary,
} from './messages.js';
import { toBackupProblem, toBackupProgress, toBackupSummary } from './normalize.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';
import { snapshots } from './snapshots.js';
import { featuresOf, type ResticFeatures } from './version.js';

export interface BackupOptions extends CallOptions {
  /** Files and folders to back up (absolute paths keep snapshots comparable across runs). */
  paths: string[];
  excludes?: string[];
  tags?: string[];
  /** Host name recorded in the snapshot; default: the machine's. */
  host?: string;
  /** Upload limit in KiB/s. */
  limitUploadKiB?: number;
  /** Progress a few times a second (RESTIC_PROGRESS_FPS). */
  onProgress?: (p: BackupProgress) => void;
  /** Progress updates per second; default 4. */
  progressFps?: number;
  /** false: always write a snapshot, even on restic ≥ 0.17 when nothing changed (default: skip). */
  skipIfUnchanged?: boolean;
}

const MAX_PROBLEMS = 1000;

/**
 * How long a backup waits for an exclusive lock (restic ≥ 0.16): long enough for the onsite Pi's nightly
 * forget + prune of a home-sized repository, short enough that a lock that never goes fails the run the same
 * evening. On 0.14 a locked repository fails at once (and the stale-lock retry of the engine applies).
 */
export const BACKUP_RETRY_LOCK = '10m';

function requirePaths(opts: BackupOptions): void {
  if (opts.paths.length === 0) throw invalidArgument('Name at least one file or folder to back up.');
}

/**
 * The arguments of `restic backup` for `opts` on a restic with `features`: `--retry-lock` from 0.16,
 * `--skip-if-unchanged` from 0.17 (unless `opts.skipIfUnchanged` is false). Pure; throws `invalid-argument` for
 * an empty path list.
 */
export function backupArgs(opts: BackupOptions, features: ResticFeatures): string[] {
  requirePaths(opts);
  const args = ['backup', '--json', ...repeated('--exclude', opts.excludes), ...repeated('--tag', opts.tags)];
  if (opts.host !== undefined) args.push('--host', opts.host);
  if (opts.limitUploadKiB !== undefined) args.push('--limit-upload', String(opts.limitUploadKiB));
  if (features.retryLock) args.push('--retry-lock', BACKUP_RETRY_LOCK);
  if (features.skipIfUnchanged && opts.skipIfUnchanged !== false) args.push('--skip-if-unchanged');
  // `--` so that a source path starting with a dash is never read as a flag.
  args.push('--', ...opts.paths);
  return args;
}

/**
 * How a backup's summary line ended: a new snapshot, or (only when `--skip-if-unchanged` was passed) none
 * because nothing changed since the parent; anything else is an error. Pure.
 */
export function summaryOutcome(
  summary: Summary | undefined,
  skipRequested: boolean,
):
  | { kind: 'snapshot'; id: string; summary: Summary }
  | { kind: 'unchanged'; summary: Summary }
  | { kind: 'missing' } {
  if (summary === undefined) return { kind: 'missing' };
  const id = summary.snapshot_id;
  if (id !== undefined && id.length > 0) return { kind: 'snapshot', id, summary };
  // restic 0.17+ leaves snapshot_id out of the summary when it skipped the snapshot.
  if (skipRequested && summary.dry_run !== true) return { kind: 'unchanged', summary };
  return { kind: 'missing' };
}

/**
 * The snapshot a skipped backup left as the newest: restic's parent, i.e. the newest snapshot of this host with
 * exactly these paths (restic ≥ 0.17 picks the parent that way; a snapshot with more paths is the fallback).
 */
async function parentSnapshot(ctx: ResticContext, opts: BackupOptions): Promise<Snapshot | undefined> {
  const list = await snapshots(ctx, {
    ...callOptions(opts),
    ...(opts.host === undefined ? {} : { host: opts.host }),
    paths: opts.paths,
  });
  const key = (paths: readonly string[]) => [...paths].sort().join('\0');
  const exact = list.filter((s) => key(s.paths) === key(opts.paths));
  return (exact.length > 0 ? exact : list).at(-1);
}

/**
 * `restic backup --json`: stores a new snapshot of `paths`.
 *
 * Exit statuses: 0 → complete; 3 → partial: the snapshot exists but some items could not be read, listed in
 * `problems` (restic 0.14 loses most error texts: `message` is then undefined or an errno description).
 * restic ≥ 0.17 is asked to skip a snapshot identical to its parent: the result then has `unchanged` set and
 * names the parent, which stays the newest snapshot (one extra `restic snapshots` call finds it).
 * A run that ends without a summary line or snapshot ID (and was not skipped) is an error (`failed`).
 * Errors: `repo-not-found`, `wrong-password`, `locked` (an exclusive lock by check/prune; from restic 0.16
 * only after waiting {@link BACKUP_RETRY_LOCK} for it), SSH kinds, `no-space`, `permission-denied`,
 * `cancelled` (no snapshot is written; the next run re-uses uploaded packs), `invalid-argument` for an empty
 * path list. Side effects: asks restic its version once per process (version.ts); adds packs, index files and
 * one snapshot; takes a shared lock for the duration.
 */
export async function backup(ctx: ResticContext, opts: BackupOptions): Promise<BackupResult> {
  requirePaths(opts); // before restic is asked its version
  const args = backupArgs(opts, await featuresOf(ctx));
  const skipRequested = args.includes('--skip-if-unchanged');

  let summary: Summary | undefined;
  const problems: BackupProblem[] = [];
  let problemCount = 0;
  const onItemError = (v: unknown) => {
    const e = decodeMessage(ItemErrorMsg, v);
    if (!e) return;
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push(toBackupProblem(e));
  };

  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args,
    okExitCodes: [0, 3],
    env: { RESTIC_PROGRESS_FPS: String(opts.progressFps ?? 4) },
    onJson: (v) => {
      switch (messageTypeOf(v)) {
        case 'status': {
          const s = decodeMessage(BackupStatusMsg, v);
          if (s && opts.onProgress) opts.onProgress(toBackupProgress(s));
          break;
        }
        case 'summary':
          summary = decodeMessage(BackupSummaryMsg, v) ?? summary;
          break;
        case 'error':
          onItemError(v);
          break;
      }
    },
    // restic prints per-item errors on stderr (0.14 and later).
    onStderrJson: onItemError,
  });

  const outcome = summaryOutcome(summary, skipRequested);
  const parent = outcome.kind === 'unchanged' ? await parentSnapshot(ctx, opts) : undefined;
  const id = outcome.kind === 'snapshot' ? outcome.id : parent?.id;
  if (outcome.kind === 'missing' || id === undefined)
    throw new ResticError('failed', 'restic finished without reporting a snapshot (no summary line).', {
      hint: "See the run log for restic's output; the next backup will retry.",
      exitCode: r.exitCode,
      stderrTail: r.stderrTail,
    });
  const result: BackupResult = {
    snapshotId: id,
    shortId: id.slice(0, 8),
    summary: toBackupSummary(outcome.summary),
    partial: r.exitCode === 3,
    problems,
    problemCount,
    ...(outcome.kind === 'unchanged' ? { unchanged: true } : {}),
  };
  if (id.length === 64) result.fullId = id;
  return result;
}

import type { BackupProblem, BackupProgress, BackupResult } from '../../contract/restic.js';
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
}

const MAX_PROBLEMS = 1000;

/**
 * `restic backup --json`: stores a new snapshot of `paths`.
 *
 * Exit statuses: 0 → complete; 3 → partial: the snapshot exists but some items could not be read, listed in
 * `problems` (restic 0.14 loses most error texts: `message` is then undefined or an errno description).
 * A run that ends without a summary line or snapshot ID is an error (`failed`), whatever the status.
 * Errors: `repo-not-found`, `wrong-password`, `locked` (an exclusive lock by check/prune), SSH kinds,
 * `no-space`, `permission-denied`, `cancelled` (no snapshot is written; the next run re-uses uploaded packs),
 * `invalid-argument` for an empty path list. Side effects: adds packs, index files and one snapshot; takes a
 * shared lock for the duration.
 */
export async function backup(ctx: ResticContext, opts: BackupOptions): Promise<BackupResult> {
  if (opts.paths.length === 0) throw invalidArgument('Name at least one file or folder to back up.');
  const args = ['backup', '--json', ...repeated('--exclude', opts.excludes), ...repeated('--tag', opts.tags)];
  if (opts.host !== undefined) args.push('--host', opts.host);
  if (opts.limitUploadKiB !== undefined) args.push('--limit-upload', String(opts.limitUploadKiB));
  // `--` so that a source path starting with a dash is never read as a flag.
  args.push('--', ...opts.paths);

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

  const id = summary?.snapshot_id;
  if (summary === undefined || id === undefined || id.length === 0)
    throw new ResticError('failed', 'restic finished without reporting a snapshot (no summary line).', {
      hint: "See the run log for restic's output; the next backup will retry.",
      exitCode: r.exitCode,
      stderrTail: r.stderrTail,
    });
  const result: BackupResult = {
    snapshotId: id,
    shortId: id.slice(0, 8),
    summary: toBackupSummary(summary),
    partial: r.exitCode === 3,
    problems,
    problemCount,
  };
  if (id.length === 64) result.fullId = id;
  return result;
}

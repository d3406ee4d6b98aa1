import { hostname } from 'node:os';
import type { JobProgress } from '../../contract/app-state.js';
import type { Plan, Repository, Settings } from '../../contract/config.js';
import type { BackupProgress } from '../../contract/restic.js';
import * as restic from '../restic/index.js';
import type { JobControl, JobOutcome } from './job-runner.js';
import { retryAfterStaleLock } from './stale-locks.js';

/** restic's backup progress in the contract's shape (fraction 0..1; unknowns absent). */
export function toJobProgress(p: BackupProgress): JobProgress {
  return {
    ...(p.bytesTotal > 0 || p.percent > 0 ? { fraction: Math.min(1, Math.max(0, p.percent / 100)) } : {}),
    bytesDone: p.bytesDone,
    ...(p.bytesTotal > 0 ? { bytesTotal: p.bytesTotal } : {}),
    filesDone: p.filesDone,
    ...(p.filesTotal > 0 ? { filesTotal: p.filesTotal } : {}),
    ...(p.etaSeconds === undefined ? {} : { secondsRemaining: Math.round(p.etaSeconds) }),
    currentFiles: p.currentFiles,
    ...(p.errorCount > 0 ? { errorCount: p.errorCount } : {}),
  };
}

/** The restic host name of this configuration's snapshots: the `hostname` setting, else the machine's name. */
export function resticHost(settings: Pick<Settings, 'hostname'>): string {
  return settings.hostname ?? hostname();
}

/** True when the plan asks for forget + prune after its backups and the target allows deleting. */
export function plansPrune(plan: Plan, repo: Repository): boolean {
  const r = plan.retention;
  const hasPolicy = r !== undefined && Object.values(r).some((v) => v !== undefined);
  return hasPolicy && plan.prune && repo.target.kind !== 'append-only';
}

/**
 * The backup job: `restic backup` of the plan's paths, then, when the plan prunes (never on an append-only
 * target, where the Pi runs retention), `restic forget --prune` limited to this host's snapshots of these
 * paths. Exit 3 makes the run `partial` with the unreadable files as warnings. Throws the restic driver's
 * typed errors; a failure in forget/prune fails the run although the snapshot exists (the record says so).
 */
export async function runBackupJob(
  ctx: restic.ResticContext,
  plan: Plan,
  repo: Repository,
  control: JobControl,
  host: string,
): Promise<JobOutcome> {
  const log: string[] = [];
  const noteUnlock = () => log.push('removed a stale lock left by an earlier run');
  const result = await retryAfterStaleLock(
    ctx,
    () =>
      restic.backup(ctx, {
        paths: plan.paths,
        excludes: plan.excludes,
        host,
        ...(plan.limitUploadKiB === undefined ? {} : { limitUploadKiB: plan.limitUploadKiB }),
        signal: control.signal,
        onProgress: (p) => control.progress(toJobProgress(p)),
      }),
    noteUnlock,
    control.signal,
  );
  const warnings = result.problems.map((p) => (p.message ? `${p.path}: ${p.message}` : p.path));
  log.push(
    result.unchanged
      ? `nothing changed since snapshot ${result.snapshotId}: no new snapshot written`
      : `snapshot ${result.snapshotId} saved`,
    ...warnings,
  );
  if (plansPrune(plan, repo)) {
    const forgotten = await retryAfterStaleLock(
      ctx,
      () =>
        restic.forget(ctx, {
          retention: plan.retention!,
          prune: true,
          host,
          paths: plan.paths,
          signal: control.signal,
        }),
      noteUnlock,
      control.signal,
    );
    const removed = forgotten.groups.reduce((n, g) => n + g.remove.length, 0);
    log.push(`forget: ${removed} snapshot(s) removed, prune ${forgotten.pruned ? 'done' : 'not needed'}`);
  }
  const s = result.summary;
  return {
    result: result.partial ? 'partial' : 'success',
    warnings,
    log,
    backup: {
      snapshotId: result.fullId ?? result.snapshotId,
      filesNew: s.filesNew,
      filesChanged: s.filesChanged,
      filesUnmodified: s.filesUnmodified,
      dataAdded: s.dataAddedPacked ?? s.dataAdded,
      totalFilesProcessed: s.totalFilesProcessed,
      totalBytesProcessed: s.totalBytesProcessed,
      ...(result.unchanged ? { unchanged: true as const } : {}),
    },
  };
}

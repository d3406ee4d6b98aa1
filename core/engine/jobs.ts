import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import type { RunRecord, Trigger } from '../../contract/app-state.js';
import type { Destination } from '../../contract/browse.js';
import type { Repository } from '../../contract/config.js';
import { RestrayError } from '../errors.js';
import * as restic from '../restic/index.js';
import { onCancel } from '../restic/cancellation.js';
import { offsiteAccessOf, resolveOffsiteContext } from '../status/offsite-access.js';
import { runBackupJob } from './backup-job.js';
import { hostOf, repoContext, type EngineDeps } from './engine-deps.js';
import type { JobControl, JobOutcome } from './job-runner.js';
import { runOffsiteRestore, type OffsiteRestoreInput } from './offsite-restore.js';
import { findPlan, findRepository, lazyResticContextFor } from './repo-context.js';
import type { Conflict } from './restore-placement.js';
import { restoreTarget, runRestoreJob } from './restore-job.js';
import { retryAfterStaleLock } from './stale-locks.js';

/** A started job: its id (for cancel and events) and its run record once finished (never rejects). */
export interface StartedJob {
  jobId: string;
  done: Promise<RunRecord>;
}

/**
 * The jobs that run restic in a repository's queue (one at a time per repository, across processes through
 * the repository lock): backups, restores (onsite and offsite), checks; their cancellation and their logs.
 */
export class Jobs {
  constructor(private readonly deps: EngineDeps) {}

  /**
   * Queues a backup of the plan (then forget + prune when the plan prunes). A second trigger while one is
   * pending joins it. Returns the job id and its finished run record (which never rejects: failures are
   * records with an ErrorInfo). `not-found` for an unknown plan or repository.
   */
  startBackup(planName: string, trigger: Trigger): StartedJob {
    const config = this.deps.config.get();
    const plan = findPlan(config, planName);
    const repo = findRepository(config, plan.repo);
    return this.deps.runner.submit({
      kind: 'backup',
      repo: repo.name,
      plan: plan.name,
      trigger,
      key: `backup:${plan.name}`,
      // restic starts while the keychain is asked for the password (it gets it on stdin).
      work: async (control) => {
        const now = this.deps.config.get();
        return runBackupJob(
          lazyResticContextFor(now, repo, this.deps.secrets, this.deps.paths.stateDir),
          plan,
          repo,
          control,
          hostOf(this.deps),
        );
      },
    });
  }

  /**
   * Cancels a queued or running job; restic removes its lock. `force` (asked a second time) kills restic
   * without waiting for the grace period, then removes its lock. Unknown ids are ignored.
   */
  cancel(jobId: string, opts: { force?: boolean } = {}): void {
    this.deps.runner.cancel(jobId, opts);
  }

  /** `restic check`, optionally reading a subset of the data (e.g. `5%`). Runs in the repository's queue. */
  async check(
    repoName: string,
    readDataSubset?: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ run: RunRecord; report: string }> {
    const repo = findRepository(this.deps.config.get(), repoName);
    let report = '';
    const { jobId, done } = this.deps.runner.submit({
      kind: 'check',
      repo: repo.name,
      trigger: 'manual',
      key: `check:${readDataSubset ?? ''}`,
      work: async (control) => {
        const ctx = await repoContext(this.deps, repo);
        const log: string[] = [];
        const r = await retryAfterStaleLock(
          ctx,
          () =>
            restic.check(ctx, {
              ...(readDataSubset === undefined ? {} : { readDataSubset }),
              signal: control.signal,
            }),
          () => log.push('removed a stale lock left by an earlier run'),
          control.signal,
        );
        report = r.report;
        return { result: 'success', log: [...log, ...r.report.split('\n')] };
      },
    });
    // `signal` cancels the job like cancel() (a forced Cancellation kills restic at once).
    const unlink = onCancel(opts.signal, (force) => this.cancel(jobId, { force }));
    try {
      return { run: await done, report };
    } finally {
      unlink();
    }
  }

  /**
   * Restores `includes` (everything when empty) of a snapshot as a job with progress. Destination `folder`
   * restores into that folder (default ~/Restored/<date time>), keeping the snapshot's absolute paths below
   * it. Destination `original` restores into a staging folder first, then moves each file to its own place
   * with the conflict choice for files that exist there (see placeRestored).
   */
  startRestore(input: {
    repo: string;
    snapshot: string;
    includes?: string[];
    destination: { kind: 'folder'; path?: string | undefined } | { kind: 'original'; conflict: Conflict };
    home?: string;
  }): StartedJob {
    const repo = findRepository(this.deps.config.get(), input.repo);
    return this.submitRestore(repo, input, async (withHost, target, now, control) =>
      runRestoreJob(await repoContext(this.deps, repo), withHost, target, now, control),
    );
  }

  /**
   * Restores from the offsite copy as a restore job (same destinations and conflict choices as startRestore),
   * from the generation `input.generation` or the newest verified one holding the snapshot. Throws `not-found`
   * at once when no offsite access is configured; everything else ends up in the run record.
   */
  async startOffsiteRestore(input: OffsiteRestoreInput): Promise<StartedJob> {
    const repo = findRepository(this.deps.config.get(), input.repo);
    offsiteAccessOf(repo);
    return this.submitRestore(repo, input, (withHost, target, now, control) =>
      runOffsiteRestore(
        async (choice, signal) =>
          resolveOffsiteContext(await repoContext(this.deps, repo), repo, this.deps.paths.stateDir, choice, {
            signal,
          }),
        withHost,
        target,
        now,
        control,
      ),
    );
  }

  /** The run record and log of one run; `not-found` for an unknown id. */
  async runLog(runId: string): Promise<{ run: RunRecord; log: string }> {
    const entry = await this.deps.history.latest((r) => r.id === runId);
    if (!entry) throw new RestrayError('not-found', `There is no run with id ${runId}.`);
    return { run: entry.run, log: entry.log.join('\n') };
  }

  /**
   * Queues a restore job (onsite or offsite): the target folder (chosen, default ~/Restored/<date>, or a
   * staging folder for the original place), the run's time, and this workstation's restic host so that
   * `latest` means its own newest snapshot.
   */
  private submitRestore<I extends { destination: Destination; home?: string | undefined }>(
    repo: Repository,
    input: I,
    work: (
      input: I & { host: string },
      target: string,
      now: Date,
      control: JobControl,
    ) => Promise<JobOutcome>,
  ): StartedJob {
    const now = this.deps.clock.now();
    const target = restoreTarget(input.destination, this.deps.paths.stateDir, input.home ?? homedir(), now);
    const withHost = { ...input, host: hostOf(this.deps) };
    return this.deps.runner.submit({
      kind: 'restore',
      repo: repo.name,
      trigger: 'manual',
      key: `restore:${randomUUID()}`,
      work: (control) => work(withHost, target, now, control),
    });
  }
}

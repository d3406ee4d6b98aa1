import { randomUUID } from 'node:crypto';
import type { Job, JobKind, JobProgress, RunRecord, RunResult, Trigger } from '../../contract/app-state.js';
import type { ErrorInfo } from '../../contract/errors.js';
import { fileErrorInfo, RestrayError, toErrorInfo } from '../errors.js';
import { Cancellation, cancellationOf } from '../restic/cancellation.js';
import type { EventBus } from './event-bus.js';
import { JobQueue } from '../jobs/job-queue.js';
import type { HistoryEntry, RunHistory } from '../jobs/run-history.js';
import type { RepoLocks } from '../jobs/repo-lock.js';
import type { Clock } from '../schedule/clock.js';

/** What a job's work function gets: a cancel signal and a way to report progress. */
export interface JobControl {
  signal: AbortSignal;
  progress(p: JobProgress): void;
}

/** What a job's work produced: the run fields beyond id, times and identity, and its log lines. */
export interface JobOutcome {
  result: Exclude<RunResult, 'failed' | 'cancelled'>;
  warnings?: string[];
  backup?: RunRecord['backup'];
  restore?: RunRecord['restore'];
  drill?: RunRecord['drill'];
  /** The work ran to the end and judged the run failed (a restore drill that found damage): recorded `failed`. */
  failure?: ErrorInfo;
  log?: string[];
}

export interface JobSpec {
  kind: JobKind;
  repo: string;
  plan?: string | undefined;
  trigger: Trigger;
  /** Equal keys coalesce while one is pending (e.g. `backup:home`). */
  key: string;
  work: (control: JobControl) => Promise<JobOutcome>;
}

interface Active {
  job: Job;
  abort: AbortController;
  done: Promise<RunRecord>;
}

/**
 * Runs jobs through the per-repository queue, tracks them for the state snapshot, publishes job events,
 * records every finished run in the history, and turns failures into run records: an expected failure
 * (RestrayError) becomes `failed` or `cancelled` with its ErrorInfo; anything else is reported to `onBug`
 * and recorded as `failed`.
 */
export class JobRunner {
  private readonly queue = new JobQueue();
  private readonly active = new Map<string, Active>();
  private readonly byKey = new Map<string, string>();

  constructor(
    private readonly bus: EventBus,
    private readonly history: RunHistory,
    private readonly clock: Clock,
    private readonly onBug: (e: unknown) => void,
    /** One restic per repository across processes; the key names the repository's lock. */
    private readonly locks?: { locks: RepoLocks; key: (repo: string) => string },
  ) {}

  /** Queued and running jobs, oldest first. */
  jobs(): Job[] {
    return [...this.active.values()].map((a) => a.job);
  }

  /** Queues a job (or joins the equal one pending) and returns its id and its finished run. */
  submit(spec: JobSpec): { jobId: string; done: Promise<RunRecord>; coalesced: boolean } {
    const pendingId = this.byKey.get(`${spec.repo}\u0000${spec.key}`);
    const pending = pendingId === undefined ? undefined : this.active.get(pendingId);
    if (pending) return { jobId: pending.job.id, done: pending.done, coalesced: true };

    const id = randomUUID();
    const abort = new AbortController();
    const job: Job = {
      id,
      kind: spec.kind,
      repo: spec.repo,
      ...(spec.plan === undefined ? {} : { plan: spec.plan }),
      trigger: spec.trigger,
      state: 'queued',
      queuedAt: this.clock.now().toISOString(),
    };
    const keyId = `${spec.repo}\u0000${spec.key}`;
    const { promise } = this.queue.enqueue(spec.repo, keyId, () => this.run(job, abort, spec));
    const done = promise.finally(() => {
      this.active.delete(id);
      if (this.byKey.get(keyId) === id) this.byKey.delete(keyId);
    });
    this.active.set(id, { job, abort, done });
    this.byKey.set(keyId, id);
    this.bus.emit({ type: 'job-updated', job });
    return { jobId: id, done, coalesced: false };
  }

  /**
   * Cancels a queued or running job: restic gets SIGINT and removes its lock (SIGKILL after the grace
   * period). With `force` (a second request, e.g. a second Ctrl-C) restic is killed at once and its lock
   * removed with `restic unlock` afterwards. Either way the run is recorded as cancelled. Unknown ids are
   * ignored.
   */
  cancel(jobId: string, opts: { force?: boolean } = {}): void {
    const a = this.active.get(jobId);
    if (!a) return;
    if (!a.abort.signal.aborted) {
      a.job = { ...a.job, state: 'cancelling' };
      this.bus.emit({ type: 'job-updated', job: a.job });
      a.abort.abort(new Cancellation());
    }
    if (opts.force) cancellationOf(a.abort.signal)?.force();
  }

  /** Cancels everything and waits until all jobs have finished (daemon shutdown). */
  async cancelAll(): Promise<void> {
    for (const id of this.active.keys()) this.cancel(id);
    await this.queue.idle();
  }

  /** Resolves when no job is pending. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async run(queued: Job, abort: AbortController, spec: JobSpec): Promise<RunRecord> {
    const startedAt = this.clock.now().toISOString();
    const entry = this.active.get(queued.id);
    let log: string[] = [];
    let outcome: JobOutcome | undefined;
    let error: ErrorInfo | undefined;
    let result: RunResult;
    let release: (() => void) | undefined;
    let noLock: string | undefined;
    try {
      if (abort.signal.aborted)
        throw new RestrayError('cancelled', 'The job was cancelled before it started.');
      release = await this.locks?.locks.acquire(
        this.locks.key(spec.repo),
        { kind: spec.kind, name: spec.plan ?? spec.repo },
        {
          signal: abort.signal,
          onWait: (h) => {
            const waiting: Job = {
              ...(entry?.job ?? queued),
              waitingFor: { role: h.role, kind: h.kind, name: h.name, pid: h.pid, since: h.since },
            };
            if (entry) entry.job = waiting;
            this.bus.emit({ type: 'job-updated', job: waiting });
          },
        },
      );
      const { waitingFor: _w, ...notWaiting } = entry?.job ?? queued;
      const running: Job = { ...notWaiting, state: 'running', startedAt };
      if (entry) entry.job = running;
      this.bus.emit({ type: 'job-updated', job: running });
      outcome = await spec.work({
        signal: abort.signal,
        progress: (progress) => {
          if (entry) entry.job = { ...entry.job, progress };
          this.bus.emit({ type: 'job-progress', jobId: queued.id, progress });
        },
      });
      result = outcome.failure ? 'failed' : outcome.result;
      error = outcome.failure;
      log = outcome.log ?? [];
    } catch (e) {
      if (!(e instanceof RestrayError)) this.onBug(e);
      error = toErrorInfo(e);
      result = error.kind === 'cancelled' ? 'cancelled' : 'failed';
      const tail = (e as { stderrTail?: unknown }).stderrTail;
      if (typeof tail === 'string' && tail) log = tail.split('\n');
    } finally {
      release?.();
    }
    const run: RunRecord = {
      id: queued.id,
      kind: spec.kind,
      repo: spec.repo,
      ...(spec.plan === undefined ? {} : { plan: spec.plan }),
      trigger: spec.trigger,
      startedAt,
      endedAt: this.clock.now().toISOString(),
      result,
      ...(error === undefined ? {} : { error }),
      ...(outcome?.warnings?.length || noLock
        ? { warnings: [...(noLock ? [noLock] : []), ...(outcome?.warnings ?? [])].slice(0, 200) }
        : {}),
      ...(outcome?.backup === undefined ? {} : { backup: outcome.backup }),
      ...(outcome?.restore === undefined ? {} : { restore: outcome.restore }),
      ...(outcome?.drill === undefined ? {} : { drill: outcome.drill }),
    };
    const record: HistoryEntry = { run, log: log.slice(-200) };
    let unrecorded: ErrorInfo | undefined;
    try {
      await this.history.append(record);
    } catch (e) {
      // A read-only or full disk is the user's to fix (the caller shows it); anything else is a bug.
      unrecorded = fileErrorInfo(e);
      if (!unrecorded) {
        this.onBug(e);
        unrecorded = toErrorInfo(e);
      }
    }
    const finished = unrecorded ? { ...run, unrecorded } : run;
    this.bus.emit({ type: 'job-finished', jobId: queued.id, run: finished });
    return finished;
  }
}

import { z } from 'zod';
import { Config, Name } from './config.js';
import { ErrorInfo } from './errors.js';

/**
 * What the app shows, as one snapshot (`getState`) plus pushed events (contract/ipc.ts). The engine owns it;
 * main (tray, notifications) and the renderer keep caches and update them with `applyEvent` below, so both
 * sides derive the same picture from the same stream. No password or key material ever appears here.
 */

/** An instant, ISO 8601 with offset (`new Date().toISOString()` is fine). */
export const IsoTime = z.iso.datetime({ offset: true });
export type IsoTime = z.infer<typeof IsoTime>;

export const JobKind = z.enum(['backup', 'forget', 'prune', 'check', 'restore', 'drill']);
export type JobKind = z.infer<typeof JobKind>;

/** Why a job runs: the user asked, its schedule fired, or a slot missed while asleep/off is made up. */
export const Trigger = z.enum(['manual', 'schedule', 'catch-up']);
export type Trigger = z.infer<typeof Trigger>;

const bytes = z.number().nonnegative();
const int = z.number().int().nonnegative();

/** Progress of a running job, from restic's status lines. Unknown figures are absent, never guessed. */
export const JobProgress = z.object({
  /** 0..1; absent while restic still scans. */
  fraction: z.number().min(0).max(1).optional(),
  bytesDone: bytes,
  bytesTotal: bytes.optional(),
  filesDone: int,
  filesTotal: int.optional(),
  /** restic's estimate; absent while unknown (restic sends 2^63 before the scan finishes: drop that). */
  secondsRemaining: int.optional(),
  /** Files restic is reading right now (may be empty). */
  currentFiles: z.array(z.string()),
  /** Files that could not be read so far (the run will end `partial`). */
  errorCount: int.optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;

export const Job = z.object({
  id: z.string().min(1),
  kind: JobKind,
  repo: Name,
  plan: Name.optional(),
  trigger: Trigger,
  state: z.enum(['queued', 'running', 'cancelling']),
  queuedAt: IsoTime,
  startedAt: IsoTime.optional(),
  progress: JobProgress.optional(),
  /** Queued behind another Restray process's work on the same repository (tray app, daemon or CLI). */
  waitingFor: z
    .object({
      role: z.enum(['tray', 'daemon', 'cli']),
      kind: z.string(),
      name: z.string(),
      pid: int,
      since: IsoTime,
    })
    .optional(),
});
export type Job = z.infer<typeof Job>;

/** `partial` = restic exit 3: the snapshot exists but some files were unreadable (a warning, not a failure). */
export const RunResult = z.enum(['success', 'partial', 'failed', 'cancelled']);
export type RunResult = z.infer<typeof RunResult>;

export const BackupSummary = z.object({
  snapshotId: z.string().min(1),
  filesNew: int,
  filesChanged: int,
  filesUnmodified: int,
  /** Bytes added to the repository (after deduplication and compression when restic reports it). */
  dataAdded: bytes,
  totalFilesProcessed: int,
  totalBytesProcessed: bytes,
  /**
   * Nothing changed since snapshot `snapshotId` (restic ≥ 0.17, `--skip-if-unchanged`): no new snapshot was
   * written and that one stays the newest. The run counts as a successful, current backup.
   */
  unchanged: z.literal(true).optional(),
});
export type BackupSummary = z.infer<typeof BackupSummary>;

export const RestoreSummary = z.object({
  /** Folder restic restored into (the original place is `/`, or the drive root on Windows). */
  target: z.string(),
  /** The selected paths, as the user picked them (bounded list for the "done" screen). */
  paths: z.array(z.string()),
  filesRestored: int,
  bytesRestored: bytes,
  /** Files left alone because of the `skip` conflict choice. */
  filesSkipped: int.optional(),
  /** Files written next to an existing one (`keepBoth`), as their new paths; bounded. */
  renamed: z.array(z.string()).optional(),
});
export type RestoreSummary = z.infer<typeof RestoreSummary>;

/**
 * A restore drill (issue 12): a random sample of the newest snapshot restored from one copy (`from`) and compared
 * byte for byte with the same files restored from the other (`comparedWith: 'onsite'`), or, when the onsite Pi
 * was unreachable, with the sizes and content IDs restic recorded (`'recorded'`). `failures` names each sampled
 * file that did not come back intact (bounded); empty exactly when the drill passed.
 */
export const DrillSummary = z.object({
  from: z.enum(['offsite', 'onsite']),
  comparedWith: z.enum(['onsite', 'offsite', 'recorded']),
  snapshot: z.string().min(1),
  /** The offsite generation read (when one was). */
  generation: z.string().optional(),
  files: int,
  bytes: bytes,
  failures: z.array(
    z.object({
      path: z.string(),
      problem: z.enum(['unreadable', 'missing', 'size', 'content']),
    }),
  ),
});
export type DrillSummary = z.infer<typeof DrillSummary>;

/** One finished job in the run history. */
export const RunRecord = z.object({
  id: z.string().min(1),
  /** The job that produced this run (what backupNow/restore returned), so a screen can find its outcome. */
  jobId: z.string().min(1).optional(),
  kind: JobKind,
  repo: Name,
  plan: Name.optional(),
  trigger: Trigger,
  startedAt: IsoTime,
  endedAt: IsoTime,
  result: RunResult,
  error: ErrorInfo.optional(),
  /** Unreadable files and other warnings, bounded (the full text is in the run log). */
  warnings: z.array(z.string()).optional(),
  backup: BackupSummary.optional(),
  restore: RestoreSummary.optional(),
  drill: DrillSummary.optional(),
  /**
   * Set only on the record a job hands back (never stored) when the run history could not be written: a
   * read-only or full disk. The job's own result stands.
   */
  unrecorded: ErrorInfo.optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/**
 * Per-hop state. `ok`: the hop holds what it should; `behind`: works but lags; `failed`/`blocked`: its last run
 * failed / restray-pi's guard blocked promotion; `unreachable`: could not be asked; `unknown`: status missing or
 * invalid (never read as safe); `not-configured`: no such hop (e.g. no offsite Pi).
 */
export const HopState = z.enum([
  'ok',
  'behind',
  'failed',
  'blocked',
  'unreachable',
  'unknown',
  'not-configured',
]);
export type HopState = z.infer<typeof HopState>;

export const SnapshotRef = z.object({ id: z.string().min(1), time: IsoTime });

/**
 * Whether the offsite status is the offsite Pi's own word. `signed`: signed by the key pinned for the
 * repository, not older than the last one accepted, not from the future, renewed in time. `not-pinned`: no key is
 * pinned (a setup from before signing): read as before, with a warning and the step that fixes it. `rejected`:
 * pinned, and the document failed one check (`problem`); the verdict is then `unknown`, never safe.
 */
export const StatusTrust = z.object({
  state: z.enum(['signed', 'not-pinned', 'rejected']),
  problem: z
    .enum(['unsigned', 'bad-signature', 'other-key', 'replay', 'future', 'stale', 'mismatch'])
    .optional(),
  /** The pinned fingerprint, or (not pinned) the one of the key that signed the document, if it is signed. */
  fingerprint: z.string().optional(),
});
export type StatusTrust = z.infer<typeof StatusTrust>;
export type TrustProblem = NonNullable<StatusTrust['problem']>;
export type SnapshotRef = z.infer<typeof SnapshotRef>;

/**
 * Why this workstation's newest work is not backed up (issue 12): a plan's last due backup `failed` (since the
 * first failure after its last success), or its newest snapshot is `too-old` for its schedule (interval plus a
 * tolerance) or, without a schedule, for its maximum age. `hop` is where the fault lies: `onsite` when the
 * backup's error came from the Pi or the repository (network, full disk, lock, …), else `workstation`.
 * `missing-offsite` (hop `offsite`, no plan): the offsite Pi set aside files (quarantine) that the newest
 * snapshot needs, so its offsite copy is incomplete (core/status/quarantine-verdict.ts).
 */
export const BackupRisk = z.object({
  /** The plan at fault; absent for `missing-offsite` (a repository's snapshot, not a plan's run). */
  plan: Name.optional(),
  cause: z.enum(['failed', 'too-old', 'missing-offsite']),
  hop: z.enum(['workstation', 'onsite', 'offsite']),
  /** `missing-offsite`: how many set-aside files the newest snapshot needs, and a few of its paths they hold. */
  missingFiles: int.optional(),
  paths: z.array(z.string()).max(5).optional(),
  /** `failed`: end of the first failed run in the current streak. */
  since: IsoTime.optional(),
  /** `failed`: the newest failure's error; its run for the log link. */
  error: ErrorInfo.optional(),
  runId: z.string().optional(),
  failures: int.optional(),
  /** Age of the plan's newest snapshot and the limit it broke (`too-old`; also set for `failed` when known). */
  ageSeconds: int.optional(),
  limitSeconds: int.optional(),
  /** `too-old`: whether the plan has a schedule (else the limit is its maximum age). */
  scheduled: z.boolean().optional(),
});
export type BackupRisk = z.infer<typeof BackupRisk>;

/**
 * The chain Workstation → Onsite → Offsite for one repository (issue 5).
 * verdict `safe` only when the newest snapshot is in a verified offsite generation; `not-yet-offsite` when it is
 * onsite only (see `offsite.lagSeconds` / `snapshotsBehind`); `no-offsite` when no offsite hop is configured;
 * `no-backup` before the first snapshot; `unknown` when a status could not be read or validated; `at-risk` when
 * this workstation's backups are not current (see `risk`), whatever the Pis hold — it comes before all others.
 */
export const ChainStatus = z.object({
  repo: Name,
  verdict: z.enum(['safe', 'not-yet-offsite', 'no-offsite', 'no-backup', 'unknown', 'at-risk']),
  /** Why the verdict is `at-risk` (core/status/freshness.ts): present exactly then. */
  risk: BackupRisk.optional(),
  workstation: z.object({
    lastSuccess: IsoTime.optional(),
    lastResult: RunResult.optional(),
    newestSnapshot: SnapshotRef.optional(),
  }),
  onsite: z.object({
    state: HopState,
    /** When the onsite repository last received a snapshot. */
    lastSuccess: IsoTime.optional(),
    reason: z.string().optional(),
  }),
  offsite: z.object({
    state: HopState,
    /** End of the last successful, verified offsite sync. */
    lastSuccess: IsoTime.optional(),
    /** Newest snapshot contained in a verified offsite generation. */
    newestConfirmed: SnapshotRef.optional(),
    /**
     * How long the offsite copy has been behind: the age of the OLDEST snapshot not yet in a verified
     * generation (with hourly backups the newest is always young, so its age would never show a dead link).
     */
    lagSeconds: int.optional(),
    snapshotsBehind: int.optional(),
    reason: z.string().optional(),
    /** Whether the status was the offsite Pi's own word; absent when no status was read. */
    trust: StatusTrust.optional(),
    /**
     * Files the offsite Pi set aside (quarantined) in the generation holding the newest snapshot, and how many of
     * them that snapshot needs (the workstation asked restic; absent: not known, the verdict is then `unknown`).
     */
    setAside: z.object({ generation: z.string(), files: int, needed: int.optional() }).optional(),
  }),
  checkedAt: IsoTime.optional(),
});
export type ChainStatus = z.infer<typeof ChainStatus>;

/**
 * A repository as the UI sees it: never its password, only whether the keychain holds one (absent when the
 * keychain was not asked: CLI commands that need no password never touch it).
 */
export const RepoState = z.object({
  name: Name,
  hasPassword: z.boolean().optional(),
  chain: ChainStatus,
  /** The newest restore drill of this repository (core/drill), however long ago. */
  lastDrill: RunRecord.optional(),
});
export type RepoState = z.infer<typeof RepoState>;

export const PlanState = z.object({
  name: Name,
  /** Next scheduled run; absent for manual-only plans or while paused past it. */
  nextRun: IsoTime.optional(),
  lastRun: RunRecord.optional(),
  /**
   * Which Restray process runs this scheduled plan's slots (the tray app or the daemon: one per
   * configuration); `none` when neither runs, so the slot waits. Absent for manual-only plans.
   */
  scheduledBy: z.enum(['tray', 'daemon', 'cli', 'none']).optional(),
});
export type PlanState = z.infer<typeof PlanState>;

export const AppState = z.object({
  /** Revision of this snapshot: the `rev` of the last event folded into it (see `EngineEvent`). */
  rev: int,
  config: Config,
  repos: z.array(RepoState),
  plans: z.array(PlanState),
  /** Queued and running jobs. */
  jobs: z.array(Job),
  /** Newest first, bounded (the engine keeps the full history; getRunLog reads one). */
  recentRuns: z.array(RunRecord),
  /** Scheduled runs are paused until then; absent when not paused (an expired pause is absent). */
  pausedUntil: IsoTime.optional(),
});
export type AppState = z.infer<typeof AppState>;

/** Longest recent-runs list a cache keeps. */
export const RECENT_RUNS_LIMIT = 50;

/**
 * Events the engine pushes. Every one carries `rev`, incremented by exactly 1 per event; `getState().rev` is the
 * rev of the newest event already folded in. A cache applies only `rev === state.rev + 1`; older ones are
 * dropped, a gap means events were lost → reload with getState (as after a reconnect).
 */
export const EngineEvent = z.discriminatedUnion('type', [
  /** A job was queued, started, or is being cancelled (replaces the job with that id). */
  z.object({ type: z.literal('job-updated'), rev: int, job: Job }),
  /** Progress of a running job; sent at restic's status rate, at most a few per second. */
  z.object({ type: z.literal('job-progress'), rev: int, jobId: z.string(), progress: JobProgress }),
  /**
   * The job left the queue; its record is prepended to recentRuns and becomes its plan's lastRun (a backup) or
   * its repository's lastDrill (a restore drill).
   */
  z.object({ type: z.literal('job-finished'), rev: int, jobId: z.string(), run: RunRecord }),
  /** Config saved (by the UI, the CLI or a migration): replaces config and repos. */
  z.object({ type: z.literal('config-changed'), rev: int, config: Config, repos: z.array(RepoState) }),
  /** Next runs or pause changed: replaces plans and pausedUntil. */
  z.object({
    type: z.literal('schedule-changed'),
    rev: int,
    plans: z.array(PlanState),
    pausedUntil: IsoTime.optional(),
  }),
  /** A repository's chain status changed (new snapshot, offsite status read, hop failed). */
  z.object({ type: z.literal('chain-changed'), rev: int, chain: ChainStatus }),
  /** Too much changed to describe, or the transport reconnected: reload with getState (any rev). */
  z.object({ type: z.literal('resync'), rev: int }),
]);
export type EngineEvent = z.infer<typeof EngineEvent>;

export type ApplyResult = { kind: 'applied'; state: AppState } | { kind: 'ignored' } | { kind: 'reload' };

/**
 * Folds one engine event into a cached snapshot. Pure; used by main (tray, notifications) and the renderer.
 * Returns `reload` on a gap in revisions or a `resync` event.
 */
export function applyEvent(state: AppState, event: EngineEvent): ApplyResult {
  // A resync always reloads, whatever its rev (transports synthesize one after a reconnect).
  if (event.type === 'resync') return { kind: 'reload' };
  if (event.rev <= state.rev) return { kind: 'ignored' };
  if (event.rev !== state.rev + 1) return { kind: 'reload' };
  const rev = event.rev;
  switch (event.type) {
    case 'job-updated': {
      const known = state.jobs.some((j) => j.id === event.job.id);
      const jobs = known
        ? state.jobs.map((j) => (j.id === event.job.id ? event.job : j))
        : [...state.jobs, event.job];
      return { kind: 'applied', state: { ...state, rev, jobs } };
    }
    case 'job-progress':
      return {
        kind: 'applied',
        state: {
          ...state,
          rev,
          jobs: state.jobs.map((j) =>
            j.id === event.jobId
              ? { ...j, state: j.state === 'queued' ? 'running' : j.state, progress: event.progress }
              : j,
          ),
        },
      };
    case 'job-finished': {
      const run = event.run;
      const plans = run.plan
        ? state.plans.map((p) => (p.name === run.plan && run.kind === 'backup' ? { ...p, lastRun: run } : p))
        : state.plans;
      // A restore drill becomes its repository's lastDrill (shown however many backups follow it).
      const repos =
        run.kind === 'drill'
          ? state.repos.map((r) => (r.name === run.repo ? { ...r, lastDrill: run } : r))
          : state.repos;
      return {
        kind: 'applied',
        state: {
          ...state,
          rev,
          jobs: state.jobs.filter((j) => j.id !== event.jobId),
          recentRuns: [run, ...state.recentRuns.filter((r) => r.id !== run.id)].slice(0, RECENT_RUNS_LIMIT),
          plans,
          repos,
        },
      };
    }
    case 'config-changed':
      return { kind: 'applied', state: { ...state, rev, config: event.config, repos: event.repos } };
    case 'schedule-changed': {
      const next: AppState = { ...state, rev, plans: event.plans };
      if (event.pausedUntil === undefined) delete next.pausedUntil;
      else next.pausedUntil = event.pausedUntil;
      return { kind: 'applied', state: next };
    }
    case 'chain-changed':
      return {
        kind: 'applied',
        state: {
          ...state,
          rev,
          repos: state.repos.map((r) => (r.name === event.chain.repo ? { ...r, chain: event.chain } : r)),
        },
      };
  }
}

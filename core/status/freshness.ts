import type { BackupRisk, RunRecord } from '../../contract/app-state.js';
import type { Plan } from '../../contract/config.js';
import type { ErrorInfo, ErrorKind } from '../../contract/errors.js';
import { previousSlot } from '../schedule/slots.js';

/** Plans without a schedule: their newest snapshot may be this old before the chain is at risk. */
export const DEFAULT_MAX_AGE_HOURS = 24;
/** Scheduled plans get their interval plus this share of it (at least {@link MIN_TOLERANCE_SECONDS}). */
export const TOLERANCE_SHARE = 0.25;
export const MIN_TOLERANCE_SECONDS = 3600;

/** What the freshness rule looks at besides the run history; all of it already read (no I/O here). */
export interface FreshnessInput {
  /** Every configured plan (only the repository's own are judged). */
  plans: readonly Pick<Plan, 'name' | 'repo' | 'schedule' | 'maxAgeHours'>[];
  /**
   * The scheduler's persisted last handled slot per plan (core/schedule/scheduler.ts state). A due slot later
   * than it has not been triggered yet — the machine was off or asleep, the make-up run is still to come.
   */
  handledSlots: Readonly<Record<string, string>>;
  /** Plans with a backup queued or running right now: their run is under way, its outcome still open. */
  activePlans: readonly string[];
  /**
   * False when no Restray process (tray app or daemon) runs the schedules: then no make-up run is coming and a
   * snapshot past its limit is at risk by the clock alone. Absent: assumed running.
   */
  schedulerRunning?: boolean;
}

/** Errors that come from the Pi or the repository rather than from this computer. */
const ONSITE_KINDS: readonly ErrorKind[] = [
  'network',
  'host-key-mismatch',
  'host-key-unknown',
  'permission-denied',
  'append-only',
  'no-space',
  'locked',
  'repo-not-found',
];

/**
 * Which hop a backup's error puts the fault on: `onsite` when it came from the Pi or the repository (network,
 * host key, key refused, append-only refusal, full disk, lock, no repository), else `workstation` (a missing
 * folder, the keychain, restic itself). No error: `workstation`.
 */
export function faultHop(error: ErrorInfo | undefined): 'workstation' | 'onsite' {
  return error && ONSITE_KINDS.includes(error.kind) ? 'onsite' : 'workstation';
}

/** The limit a scheduled plan's newest snapshot must stay within: the slot interval plus the tolerance. */
export function scheduledLimitSeconds(intervalSeconds: number): number {
  return Math.round(intervalSeconds + Math.max(MIN_TOLERANCE_SECONDS, intervalSeconds * TOLERANCE_SHARE));
}

const isOk = (r: RunRecord) => r.result === 'success' || r.result === 'partial';
const seconds = (ms: number) => Math.max(0, Math.floor(ms / 1000));

/**
 * Whether this workstation's backups to one repository are current; undefined when they are, else why not
 * (contract/app-state.ts BackupRisk). Pure; `now` fixed by the caller.
 *
 * Per plan of the repository:
 * - `failed`: its newest finished backup (cancelled ones do not count) failed. `since` is the end of the first
 *   failure after its last success, `error` the newest failure's.
 * - `too-old`: its newest successful or partial backup (from the run history, else the repository's newest
 *   snapshot `fallbackSnapshotTime`) is older than the limit: for a schedule, the interval before the latest due
 *   slot plus the tolerance; without one, `maxAgeHours` (default 24). A scheduled plan whose latest due slot
 *   has not been handled by the scheduler yet (asleep, off, paused) or whose backup is queued or running is not
 *   judged by the clock: its make-up run decides, and if that fails the plan is `failed`.
 * A plan that never had a successful backup and no fallback time is left to the `no-backup` verdict.
 * Several plans at risk: a failure wins over age, then the longest-standing one.
 */
export function backupRisk(
  repoName: string,
  now: Date,
  runs: readonly RunRecord[],
  input: FreshnessInput,
  fallbackSnapshotTime?: string,
): BackupRisk | undefined {
  const risks: BackupRisk[] = [];
  for (const plan of input.plans) {
    if (plan.repo !== repoName) continue;
    const risk = planRisk(plan, now, runs, input, fallbackSnapshotTime);
    if (risk) risks.push(risk);
  }
  const key = (r: BackupRisk) =>
    r.cause === 'failed' ? Date.parse(r.since ?? '') || 0 : Number.MAX_SAFE_INTEGER - (r.ageSeconds ?? 0);
  return risks.sort((a, b) => key(a) - key(b))[0];
}

function planRisk(
  plan: FreshnessInput['plans'][number],
  now: Date,
  runs: readonly RunRecord[],
  input: FreshnessInput,
  fallbackSnapshotTime: string | undefined,
): BackupRisk | undefined {
  const mine = runs
    .filter(
      (r) => r.kind === 'backup' && r.repo === plan.repo && r.plan === plan.name && r.result !== 'cancelled',
    )
    .sort((a, b) => Date.parse(b.endedAt) - Date.parse(a.endedAt));
  const lastOkAt = mine.findIndex(isOk);
  const lastOk = lastOkAt >= 0 ? mine[lastOkAt] : undefined;
  const newestTime = lastOk?.startedAt ?? fallbackSnapshotTime;
  const ageSeconds = newestTime ? seconds(now.getTime() - Date.parse(newestTime)) : undefined;
  const age = ageSeconds !== undefined ? { ageSeconds } : {};

  const streak = lastOkAt >= 0 ? mine.slice(0, lastOkAt) : mine;
  const newestFailure = streak[0];
  if (newestFailure) {
    const first = streak[streak.length - 1]!;
    return {
      plan: plan.name,
      cause: 'failed',
      hop: faultHop(newestFailure.error),
      since: first.endedAt,
      ...(newestFailure.error ? { error: newestFailure.error } : {}),
      runId: newestFailure.id,
      failures: streak.length,
      ...age,
    };
  }
  if (ageSeconds === undefined) return undefined;

  if (!plan.schedule) {
    const limitSeconds = (plan.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS) * 3600;
    return ageSeconds > limitSeconds
      ? { plan: plan.name, cause: 'too-old', hop: 'workstation', ageSeconds, limitSeconds, scheduled: false }
      : undefined;
  }
  const due = safePreviousSlot(plan.schedule, now);
  if (!due) return undefined;
  const before = safePreviousSlot(plan.schedule, new Date(due.getTime() - 1));
  if (!before) return undefined;
  const limitSeconds = scheduledLimitSeconds(seconds(due.getTime() - before.getTime()));
  if (ageSeconds <= limitSeconds) return undefined;
  const handled = input.handledSlots[plan.name];
  const makeUpPending =
    input.schedulerRunning !== false && (handled === undefined || Date.parse(handled) < due.getTime());
  if (makeUpPending || input.activePlans.includes(plan.name)) return undefined;
  return { plan: plan.name, cause: 'too-old', hop: 'workstation', ageSeconds, limitSeconds, scheduled: true };
}

// A schedule that no longer parses is reported where it is edited; freshness then has nothing to judge by.
function safePreviousSlot(cron: string, at: Date): Date | undefined {
  try {
    return previousSlot(cron, at);
  } catch {
    return undefined;
  }
}

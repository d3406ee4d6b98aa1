import type { BackupRisk, ChainStatus, HopState, RunRecord, SnapshotRef } from '../../contract/app-state.js';
import type { Repository } from '../../contract/config.js';
import type { ErrorKind } from '../../contract/errors.js';
import { offsiteHolds, type PiStatus } from '../../contract/pi-status.js';
import { backupRisk, faultHop, type FreshnessInput } from './freshness.js';
import type { SnapshotsObservation, StatusObservation } from './observations.js';
import {
  decideQuarantine,
  quarantineQuestion,
  type QuarantineAnswer,
  type QuarantineFinding,
} from './quarantine-verdict.js';
import type { TrustResult } from './status-trust.js';

/** Everything {@link deriveChain} looks at; all of it already read, so derivation is pure. */
export interface ChainInput {
  repo: Pick<Repository, 'name' | 'offsiteStatusUser' | 'offsite'>;
  now: Date;
  /** `config.notifications.offsiteLagHours` in seconds: beyond it the offsite hop counts as `behind`. */
  lagLimitSeconds: number;
  /** Run history (any repositories, any order); only this repository's backups are used. */
  runs: readonly RunRecord[];
  /** The onsite repository's list of this workstation's snapshots, when it was read. */
  onsite?: SnapshotsObservation | undefined;
  /** The offsite status, when it was read (or tried). */
  offsite?: StatusObservation | undefined;
  /** Plans, scheduler state and running jobs for the freshness rule (freshness.ts); absent: not judged. */
  freshness?: FreshnessInput | undefined;
  /** Whether that status is the offsite Pi's own word (status-trust.ts); absent: not assessed. */
  trust?: TrustResult | undefined;
  /**
   * restic's answer about the files the offsite Pi set aside in the generation holding the newest snapshot
   * (quarantine-check.ts); used only when it answers the question for that snapshot and set (same key).
   */
  quarantine?: QuarantineAnswer | undefined;
}

/** A snapshot of this workstation, with where it was seen. */
export interface KnownSnapshot extends SnapshotRef {
  /** Listed by the onsite repository (false: only the run history knows it). */
  listed: boolean;
}

const SHORT_ID = /^[0-9a-f]{8,64}$/;

/** Whether two snapshot IDs name the same snapshot (one may be restic 0.14's 8-character short form). */
export function sameSnapshot(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (!SHORT_ID.test(x) || !SHORT_ID.test(y)) return x === y;
  return x.length <= y.length ? y.startsWith(x) : x.startsWith(y);
}

/**
 * This workstation's snapshots, newest first: the onsite listing (full IDs, exact times) merged with the
 * successful backups of the run history (restic 0.14 reports 8-character IDs there; a listed snapshot with that
 * prefix replaces it; the run's start stands in for the snapshot time). History snapshots the listing lacks stay
 * in the result with `listed: false`: the workstation made them, whatever happened onsite since.
 */
export function knownSnapshots(
  repoName: string,
  runs: readonly RunRecord[],
  onsite: SnapshotsObservation | undefined,
): KnownSnapshot[] {
  const listed: KnownSnapshot[] = onsite?.ok ? onsite.snapshots.map((s) => ({ ...s, listed: true })) : [];
  const fromHistory: KnownSnapshot[] = [];
  for (const r of runs) {
    if (r.repo !== repoName || r.kind !== 'backup' || !r.backup) continue;
    if (r.result !== 'success' && r.result !== 'partial') continue;
    const id = r.backup.snapshotId;
    if (listed.some((s) => sameSnapshot(s.id, id))) continue;
    if (fromHistory.some((s) => sameSnapshot(s.id, id))) continue;
    fromHistory.push({ id, time: r.startedAt, listed: false });
  }
  return [...listed, ...fromHistory].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
}

/**
 * Since when the snapshot is held offsite: the time of the oldest verified generation that contains it, or
 * undefined when no verified generation does.
 */
export function offsiteSince(status: PiStatus, snapshotId: string): string | undefined {
  const times = status.generations
    .filter((g) => g.state === 'verified' && g.snapshotIds.some((s) => sameSnapshot(s, snapshotId)))
    .map((g) => g.time)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return times[0];
}

const NETWORK_KINDS: readonly ErrorKind[] = ['network'];

function backupRuns(repoName: string, runs: readonly RunRecord[]): RunRecord[] {
  return runs
    .filter((r) => r.repo === repoName && r.kind === 'backup')
    .sort((a, b) => Date.parse(b.endedAt) - Date.parse(a.endedAt));
}

function hours(seconds: number): string {
  return `${Math.round(seconds / 3600)} h`;
}

/**
 * The chain Workstation → Onsite → Offsite of one repository, as contract/app-state.ts `ChainStatus` documents
 * it. Pure: the caller has read the run history, the onsite snapshot list and the offsite status.
 *
 * - verdict `at-risk` first, whatever the Pis hold, when this workstation's backups are not current
 *   (core/status/freshness.ts backupRisk: a plan's last due backup failed, or its newest snapshot is too old).
 * - verdict `safe` only when the workstation's newest snapshot is in a verified offsite generation of a status
 *   that was read and validated; `not-yet-offsite` when it is not; `unknown` when no status could be read or it
 *   did not validate (never safe); `no-backup` before the first snapshot; `no-offsite` without an offsite Pi.
 * - quarantine (quarantine-verdict.ts): when that generation left files out, `at-risk` (risk `missing-offsite`,
 *   hop `offsite`, offsite state `failed`) if the newest snapshot needs one of them, `unknown` while restic's
 *   answer (`input.quarantine`) for this snapshot and set is missing or failed, else `safe` with
 *   `offsite.setAside` for the note. Freshness risks come first.
 * - `offsite.lagSeconds` is how long this workstation's work has been waiting to reach the offsite Pi: the age of
 *   the OLDEST snapshot not yet offsite (newer than the newest confirmed one), not of the newest. With frequent
 *   backups the newest is always young, so only this measure grows while the offsite Pi is cut off and lets the
 *   tray warn after `offsiteLagHours`. `snapshotsBehind` counts those snapshots.
 * - offsite state: `blocked` (guard, or the last run was blocked), `failed` (last run failed), `behind` (newest
 *   not offsite for longer than the limit), `unreachable` / `unknown` (status not read / not valid), else `ok`.
 * - onsite state: `unreachable` when the onsite Pi did not answer, `failed` when the last backup failed with an
 *   error of the Pi or the repository (freshness.ts faultHop) or the onsite listing lacks the newest snapshot,
 *   `ok` when it holds it, `unknown` before anything is known.
 */
export function deriveChain(input: ChainInput): ChainStatus {
  const { repo } = input;
  const runs = backupRuns(repo.name, input.runs);
  const last = runs[0];
  const lastOk = runs.find((r) => r.result === 'success' || r.result === 'partial');
  const known = knownSnapshots(repo.name, input.runs, input.onsite);
  const newest = known[0];

  const workstation: ChainStatus['workstation'] = {
    ...(lastOk ? { lastSuccess: lastOk.endedAt } : {}),
    ...(last ? { lastResult: last.result } : {}),
    ...(newest ? { newestSnapshot: { id: newest.id, time: newest.time } } : {}),
  };

  const onsite = onsiteHop(input, newest, last, lastOk, known);
  const finding = setAsideFinding(input, newest);
  const offsite = withSetAside(withTrust(offsiteHop(input, known, newest), input.trust), finding, newest);
  const hasOffsite = repo.offsiteStatusUser !== undefined || repo.offsite !== undefined;
  const risk = input.freshness
    ? backupRisk(repo.name, input.now, input.runs, input.freshness, newest?.time)
    : undefined;
  let verdict: ChainStatus['verdict'];
  const missing = !risk && finding?.needed ? missingRisk(finding) : undefined;
  if (risk ?? missing) verdict = 'at-risk';
  else if (!newest) verdict = 'no-backup';
  else if (!hasOffsite) verdict = 'no-offsite';
  else if (!input.offsite?.ok || input.trust?.state === 'rejected') verdict = 'unknown';
  else if (!offsiteHolds(input.offsite.status, newest.id)) verdict = 'not-yet-offsite';
  else verdict = finding && finding.needed === undefined ? 'unknown' : 'safe';

  const checkedAt = [input.onsite?.at, input.offsite?.at]
    .filter((t): t is string => t !== undefined)
    .sort((a, b) => Date.parse(b) - Date.parse(a))[0];
  return {
    repo: repo.name,
    verdict,
    ...(risk ? { risk } : missing ? { risk: missing } : {}),
    workstation,
    onsite,
    offsite,
    ...(checkedAt ? { checkedAt } : {}),
  };
}

/**
 * The quarantine rule: when the newest snapshot is in a verified generation of a trusted (or unpinned) status
 * and that generation left files out, whether the snapshot needs them (quarantine-verdict.ts). undefined when
 * there is nothing to judge.
 */
function setAsideFinding(
  input: ChainInput,
  newest: KnownSnapshot | undefined,
): QuarantineFinding | undefined {
  const obs = input.offsite;
  if (!newest || !obs?.ok || input.trust?.state === 'rejected') return undefined;
  const q = quarantineQuestion(obs.status, newest.id);
  return q ? decideQuarantine(q, input.quarantine) : undefined;
}

function missingRisk(f: QuarantineFinding): BackupRisk {
  return {
    cause: 'missing-offsite',
    hop: 'offsite',
    missingFiles: f.needed ?? 0,
    ...(f.paths ? { paths: f.paths } : {}),
  };
}

/**
 * The offsite hop with the quarantine finding: `failed` when the newest snapshot needs a set-aside file (its
 * offsite copy is incomplete), `unknown` while that is not known; a hop that is already not ok keeps its state.
 */
function withSetAside(
  hop: ChainStatus['offsite'],
  f: QuarantineFinding | undefined,
  newest: KnownSnapshot | undefined,
): ChainStatus['offsite'] {
  if (!f || !newest) return hop;
  const setAside = {
    generation: f.generation,
    files: f.files,
    ...(f.needed === undefined ? {} : { needed: f.needed }),
  };
  if (hop.state !== 'ok') return { ...hop, setAside };
  const id = newest.id.slice(0, 8);
  if (f.needed === undefined)
    return {
      ...hop,
      state: 'unknown',
      setAside,
      reason: f.error
        ? f.error.message
        : `Whether snapshot ${id} needs the ${f.files} file(s) the offsite Pi set aside in generation ${f.generation} has not been checked yet.`,
    };
  if (f.needed > 0)
    return {
      ...hop,
      state: 'failed',
      setAside,
      reason: `The offsite Pi set aside ${f.needed} file(s) that snapshot ${id} needs in generation ${f.generation} (${(f.neededNames ?? []).join(', ')}): its offsite copy is incomplete.`,
    };
  return { ...hop, setAside };
}

/**
 * The trust rule: a rejected status (forged, replayed, stripped, future, stale) says nothing about the offsite
 * copy, so the hop is `unknown` with the reason; a trusted or unpinned one keeps its hop and carries the result.
 */
function withTrust(hop: ChainStatus['offsite'], trust: TrustResult | undefined): ChainStatus['offsite'] {
  if (!trust) return hop;
  const { reason, ...t } = trust;
  if (t.state === 'rejected') return { state: 'unknown', ...(reason ? { reason } : {}), trust: t };
  return { ...hop, trust: t };
}

function onsiteHop(
  input: ChainInput,
  newest: KnownSnapshot | undefined,
  last: RunRecord | undefined,
  lastOk: RunRecord | undefined,
  known: readonly KnownSnapshot[],
): ChainStatus['onsite'] {
  const listing = input.onsite;
  const status = input.offsite;
  const newestListed = known.find((s) => s.listed);
  const lastSuccess = newestListed?.time ?? lastOk?.endedAt;
  const withTime = (state: HopState, reason?: string): ChainStatus['onsite'] => ({
    state,
    ...(lastSuccess ? { lastSuccess } : {}),
    ...(reason ? { reason } : {}),
  });
  // The onsite Pi did not answer the listing, nor (through the status account) the status read.
  const listingDown = listing && !listing.ok && NETWORK_KINDS.includes(listing.error.kind);
  const statusDown =
    status?.onsiteUnreachable ??
    (status && !status.ok && status.via === 'onsite' && status.problem === 'unreachable'
      ? status.error
      : undefined);
  if (!listing?.ok && (listingDown || statusDown)) {
    const why = listing && !listing.ok ? listing.error.message : (statusDown?.message ?? '');
    return withTime('unreachable', why);
  }
  // A backup that failed on this computer (its folder gone, the keychain) says nothing about the Pi.
  if (last && last.result === 'failed' && last !== lastOk && faultHop(last.error) === 'onsite')
    return withTime('failed', last.error?.message ?? 'The last backup failed.');
  if (listing && !listing.ok) return withTime('failed', listing.error.message);
  if (!newest) return withTime(listing?.ok ? 'ok' : 'unknown');
  if (listing?.ok && !newest.listed)
    return withTime(
      'failed',
      `The onsite repository no longer holds snapshot ${newest.id.slice(0, 8)}, the newest one this workstation made.`,
    );
  return withTime('ok');
}

function offsiteHop(
  input: ChainInput,
  known: readonly KnownSnapshot[],
  newest: KnownSnapshot | undefined,
): ChainStatus['offsite'] {
  const { repo, now } = input;
  if (repo.offsiteStatusUser === undefined && repo.offsite === undefined) return { state: 'not-configured' };
  const obs = input.offsite;
  if (!obs) return { state: 'unknown', reason: 'The offsite status has not been checked yet.' };
  if (!obs.ok) {
    return {
      state: obs.problem === 'unreachable' ? 'unreachable' : 'unknown',
      reason: obs.error.message,
    };
  }
  const status = obs.status;
  const held = (s: SnapshotRef) => offsiteHolds(status, s.id);
  const confirmed = known.find(held);
  const waiting = known.filter(
    (s) => !held(s) && (!confirmed || Date.parse(s.time) > Date.parse(confirmed.time)),
  );
  const oldestWaiting = waiting[waiting.length - 1];
  const lagSeconds = oldestWaiting
    ? Math.max(0, Math.floor((now.getTime() - Date.parse(oldestWaiting.time)) / 1000))
    : undefined;

  const base: Omit<ChainStatus['offsite'], 'state'> = {
    ...(status.lastSuccess ? { lastSuccess: status.lastSuccess } : {}),
    ...(confirmed ? { newestConfirmed: { id: confirmed.id, time: confirmed.time } } : {}),
    ...(newest && lagSeconds !== undefined ? { lagSeconds, snapshotsBehind: waiting.length } : {}),
  };
  if (newest && lagSeconds === undefined) base.snapshotsBehind = 0;

  const run = status.lastRun;
  const damaged = status.verification.damaged.length;
  const note = damaged > 0 ? ` Re-verification found ${damaged} damaged file(s) in older generations.` : '';
  if (status.guard.state === 'blocked' || run?.result === 'blocked')
    return {
      state: 'blocked',
      ...base,
      reason:
        status.guard.reason ??
        run?.error?.message ??
        'The offsite Pi blocked the copy: the onsite repository changed suspiciously (mass deletion or changed keys).',
    };
  if (run?.result === 'failed')
    return {
      state: 'failed',
      ...base,
      reason: `${run.error?.message ?? 'The last offsite sync failed.'}${note}`,
    };
  if (lagSeconds !== undefined && lagSeconds > input.lagLimitSeconds)
    return {
      state: 'behind',
      ...base,
      reason: `${waiting.length} snapshot(s) have not reached the offsite Pi for more than ${hours(input.lagLimitSeconds)}.${status.stale ? ' The offsite Pi has not completed a sync for too long.' : ''}${note}`,
    };
  return {
    state: 'ok',
    ...base,
    ...(note
      ? { reason: note.trim() }
      : lagSeconds !== undefined
        ? { reason: waitingReason(status) }
        : newest
          ? heldReason(status, newest.id)
          : {}),
  };
}

// "Since when" the newest snapshot is offsite has no field of its own in ChainStatus yet: say it in words.
function heldReason(status: PiStatus, id: string): { reason?: string } {
  const since = offsiteSince(status, id);
  return since ? { reason: `The newest snapshot is in a verified offsite generation since ${since}.` } : {};
}

function waitingReason(status: PiStatus): string {
  return status.nextRun
    ? `The newest snapshot has not reached the offsite Pi yet; its next sync is due at ${status.nextRun}.`
    : 'The newest snapshot has not reached the offsite Pi yet.';
}

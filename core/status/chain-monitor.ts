import { hostname } from 'node:os';
import type { ChainStatus, RunRecord, SnapshotRef } from '../../contract/app-state.js';
import type { Config, Repository } from '../../contract/config.js';
import { RestrayError, toErrorInfo } from '../errors.js';
import * as restic from '../restic/index.js';
import type { Clock } from '../schedule/clock.js';
import { deriveChain, knownSnapshots } from './chain.js';
import { quarantineQuestion, type QuarantineAnswer, type QuarantineQuestion } from './quarantine-verdict.js';
import type { FreshnessInput } from './freshness.js';
import type { SnapshotsObservation, StatusObservation } from './observations.js';
import { inspectOffsite } from './offsite-access.js';
import { readOffsiteStatus, statusEndpoint } from './status-reader.js';
import type { AcceptedStatusStore } from './accepted-status-store.js';
import { assessStatus, statusMaxAgeSeconds, type AcceptedStatus, type TrustResult } from './status-trust.js';

/** How often the chain is checked without a reason: cheap (one ssh login, one `restic snapshots`). */
export const CHAIN_INTERVAL_MS = 10 * 60_000;
/** After a backup, the offsite sync is expected "within minutes": look more often for a while. */
export const FOLLOW_UP_INTERVAL_MS = 60_000;
export const FOLLOW_UP_WINDOW_MS = 30 * 60_000;

export interface ChainMonitorOptions {
  config: () => Config;
  /** The run history, newest first (bounded). */
  runs: () => Promise<RunRecord[]>;
  /** This workstation's snapshots in the onsite repository; throws RestrayError. Absent: history only. */
  listOnsite?: (repo: Repository, signal: AbortSignal) => Promise<SnapshotRef[]>;
  /** The newest accepted offsite status per repository (replay protection); absent: kept in memory only. */
  accepted?: Pick<AcceptedStatusStore, 'get' | 'set'>;
  /** Reads the offsite status; default {@link observeOffsiteStatus}. */
  readStatus?: (
    repo: Repository,
    signal: AbortSignal,
    now: () => Date,
  ) => Promise<StatusObservation | undefined>;
  clock: Clock;
  /** Plans, the scheduler's handled slots and running backups, for the freshness rule; absent: not judged. */
  freshness?: () => FreshnessInput;
  /**
   * Whether the newest snapshot needs the files the offsite Pi set aside (quarantine-check.ts quarantineChecker);
   * absent: not asked (such a chain stays `unknown`, never safe).
   */
  checkQuarantine?: (
    repo: Repository,
    q: QuarantineQuestion,
    signal: AbortSignal,
  ) => Promise<QuarantineAnswer>;
  /** Called with a repository's chain when it changed in a way the UI shows (see chainKey). */
  emit: (chain: ChainStatus) => void;
  onBug: (e: unknown) => void;
  intervalMs?: number;
  followUpIntervalMs?: number;
  followUpWindowMs?: number;
}

interface Observed {
  /** The repository's config when observed: a changed target or account makes the observation void. */
  repoKey: string;
  onsite?: SnapshotsObservation | undefined;
  offsite?: StatusObservation | undefined;
  trust?: TrustResult | undefined;
  quarantine?: QuarantineAnswer | undefined;
}

/**
 * `restic snapshots --no-lock --host <this host>` as SnapshotRefs: `--no-lock` so the check never leaves a lock
 * that would make the Pi's own prune wait, and the host filter so that other workstations' snapshots in a shared
 * repository do not count as this one's. Throws the restic driver's errors.
 */
export async function listOnsiteSnapshots(
  ctx: restic.ResticContext,
  signal: AbortSignal,
  host = hostname(),
): Promise<SnapshotRef[]> {
  const snaps = await restic.snapshots(
    { ...ctx, repoArgs: [...ctx.repoArgs, '--no-lock'] },
    { host, signal },
  );
  return snaps.map((s) => ({ id: s.id, time: new Date(s.time).toISOString() }));
}

/**
 * Reads the offsite status of a repository: through the onsite Pi's status account when one is configured; when
 * that Pi does not answer (or there is no status account) and read-only offsite access is configured, from the
 * offsite Pi itself (restray-pi's state/status.json, same document). undefined when neither is configured.
 * Never throws for expected failures (they are observations); `cancelled` on abort.
 */
export async function observeOffsiteStatus(
  repo: Repository,
  signal: AbortSignal,
  now: () => Date,
): Promise<StatusObservation | undefined> {
  let obs: StatusObservation | undefined;
  if (statusEndpoint(repo)) obs = await readOffsiteStatus(repo, { signal, now });
  if (repo.offsite && obs?.ok) {
    // The cross-check: what the offsite Pi itself holds (a failed read leaves the onsite copy to stand alone).
    const direct = await inspectOffsite(repo.offsite, { signal, now, timeoutMs: 30_000 }).then(
      (l) => l.status,
      (e: unknown) => {
        if (e instanceof RestrayError && e.kind === 'cancelled') throw e;
        return undefined;
      },
    );
    if (direct) obs = { ...obs, direct };
  }
  if (repo.offsite && (!obs || (!obs.ok && obs.problem === 'unreachable'))) {
    try {
      const direct = (await inspectOffsite(repo.offsite, { signal, now, timeoutMs: 30_000 })).status;
      if (direct.ok || !obs) obs = obs && !obs.ok ? { ...direct, onsiteUnreachable: obs.error } : direct;
    } catch (e) {
      if (e instanceof RestrayError && e.kind === 'cancelled') throw e;
      if (!obs) {
        const error = toErrorInfo(e);
        obs = {
          ok: false,
          via: 'offsite',
          at: now().toISOString(),
          problem: error.kind === 'network' ? 'unreachable' : 'refused',
          error,
        };
      }
    }
  }
  return obs;
}

class MemoryAcceptedStore {
  private readonly records = new Map<string, AcceptedStatus>();
  get(repo: Pick<Repository, 'id' | 'name'>): Promise<AcceptedStatus | undefined> {
    return Promise.resolve(this.records.get(repo.id ?? repo.name));
  }
  set(repo: Pick<Repository, 'id' | 'name'>, rec: AcceptedStatus): Promise<void> {
    this.records.set(repo.id ?? repo.name, rec);
    return Promise.resolve();
  }
}

/**
 * What a chain-changed event is about: everything but the check time, the exact lag and the exact age of an
 * at-risk plan's newest snapshot (both in hourly buckets).
 */
export function chainKey(chain: ChainStatus, lagLimitSeconds: number): string {
  const lag = chain.offsite.lagSeconds;
  const bucket = lag === undefined ? 'none' : lag > lagLimitSeconds ? 'over' : String(Math.floor(lag / 3600));
  const { checkedAt: _c, ...rest } = chain;
  const { lagSeconds: _l, ...offsite } = chain.offsite;
  // The age of an at-risk plan's newest snapshot grows with every check: only whole hours are news.
  const risk = chain.risk && {
    ...chain.risk,
    ageSeconds: chain.risk.ageSeconds === undefined ? undefined : Math.floor(chain.risk.ageSeconds / 3600),
  };
  return JSON.stringify({ ...rest, offsite, bucket, ...(risk ? { risk } : {}) });
}

/**
 * Keeps each repository's chain status (contract/app-state.ts ChainStatus) current: reads the onsite snapshot
 * list and the offsite status in the background and emits a chain-changed when what the UI shows changed.
 * `chain()` is synchronous and never does I/O, so the engine's getState stays fast; before the first check a
 * chain with an offsite Pi is `unknown` ("not checked yet"), never safe.
 *
 * Checks run every `intervalMs`, right after each backup and then every `followUpIntervalMs` for
 * `followUpWindowMs` until the newest snapshot is offsite. One check per repository at a time.
 */
export class ChainMonitor {
  private readonly observed = new Map<string, Observed>();
  private readonly emitted = new Map<string, string>();
  private readonly inflight = new Map<string, Promise<ChainStatus | undefined>>();
  private readonly followUps = new Map<string, NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();
  private timer: NodeJS.Timeout | undefined;
  private readonly memory = new MemoryAcceptedStore();

  constructor(private readonly o: ChainMonitorOptions) {}

  /** The chain of one repository from what is known now (no I/O). */
  chain(repoName: string, runs: readonly RunRecord[]): ChainStatus {
    const config = this.o.config();
    const repo = config.repositories.find((r) => r.name === repoName) ?? { name: repoName };
    const seen = this.observed.get(repoName);
    const fresh = seen && seen.repoKey === JSON.stringify(repo) ? seen : undefined;
    if (seen && !fresh && this.timer) void this.refresh([repoName]);
    return deriveChain({
      repo,
      now: this.o.clock.now(),
      lagLimitSeconds: config.notifications.offsiteLagHours * 3600,
      runs,
      onsite: fresh?.onsite,
      offsite: fresh?.offsite,
      trust: fresh?.trust,
      quarantine: fresh?.quarantine,
      freshness: this.o.freshness?.(),
    });
  }

  /**
   * Checks the named repositories (default: all) now and resolves with their chains; emits chain-changed for
   * those that changed. A repository already being checked joins that check. Never rejects for expected
   * failures (they become hop states); unexpected ones go to onBug and leave the old observation.
   */
  async refresh(repoNames?: readonly string[]): Promise<ChainStatus[]> {
    const repos = this.o.config().repositories.filter((r) => !repoNames || repoNames.includes(r.name));
    const chains = await Promise.all(repos.map((r) => this.refreshOne(r)));
    return chains.filter((c): c is ChainStatus => c !== undefined);
  }

  /** Starts the periodic checks (and one right away). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.o.intervalMs ?? CHAIN_INTERVAL_MS);
    this.timer.unref();
    void this.refresh();
  }

  /**
   * A backup of the repository finished: check now, then follow up until the offsite Pi has it. Only while
   * started (tray, daemon): a one-shot CLI backup must not wait for checks nobody will see.
   */
  backupFinished(repoName: string): void {
    if (!this.timer) return;
    const old = this.followUps.get(repoName);
    if (old) clearInterval(old);
    const until = this.o.clock.now().getTime() + (this.o.followUpWindowMs ?? FOLLOW_UP_WINDOW_MS);
    const settled = (c: ChainStatus | undefined) =>
      !c || c.verdict === 'safe' || c.verdict === 'no-offsite' || this.o.clock.now().getTime() > until;
    const stop = () => {
      const t = this.followUps.get(repoName);
      if (t) clearInterval(t);
      this.followUps.delete(repoName);
    };
    const tick = () =>
      void this.refresh([repoName]).then(([c]) => {
        if (settled(c)) stop();
      });
    const t = setInterval(tick, this.o.followUpIntervalMs ?? FOLLOW_UP_INTERVAL_MS);
    t.unref();
    this.followUps.set(repoName, t);
    tick();
  }

  /** Stops every timer and aborts running checks. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const t of this.followUps.values()) clearInterval(t);
    this.followUps.clear();
    for (const a of this.aborts) a.abort();
  }

  private refreshOne(repo: Repository): Promise<ChainStatus | undefined> {
    const pending = this.inflight.get(repo.name);
    if (pending) return pending;
    const abort = new AbortController();
    this.aborts.add(abort);
    const now = () => this.o.clock.now();
    const work = (async () => {
      const repoKey = JSON.stringify(repo);
      const readStatus = this.o.readStatus ?? observeOffsiteStatus;
      const [onsite, offsite] = await Promise.all([
        this.observeOnsite(repo, abort.signal),
        readStatus(repo, abort.signal, now),
      ]);
      const config = this.o.config();
      const accepted = this.o.accepted ?? this.memory;
      const last = await accepted.get(repo);
      const assessed = assessStatus(offsite, {
        pinned: repo.offsiteStatusKey,
        last: last?.fingerprint === repo.offsiteStatusKey ? last : undefined,
        now: now(),
        maxAgeSeconds: statusMaxAgeSeconds(config.notifications.offsiteLagHours * 3600),
      });
      if (
        assessed.accept &&
        (!last ||
          last.fingerprint !== assessed.accept.fingerprint ||
          assessed.accept.sequence > last.sequence)
      )
        await accepted.set(repo, assessed.accept);
      const runs = await this.o.runs();
      const quarantine = await this.askQuarantine(repo, runs, onsite, assessed, abort.signal);
      this.observed.set(repo.name, {
        repoKey,
        onsite,
        offsite: assessed.observation,
        trust: assessed.trust,
        quarantine,
      });
      const chain = this.chain(repo.name, runs);
      const key = chainKey(chain, this.o.config().notifications.offsiteLagHours * 3600);
      if (this.emitted.get(repo.name) !== key) {
        this.emitted.set(repo.name, key);
        this.o.emit(chain);
      }
      return chain;
    })()
      .catch((e: unknown) => {
        if (!(e instanceof RestrayError && e.kind === 'cancelled')) this.o.onBug(e);
        return undefined;
      })
      .finally(() => {
        this.aborts.delete(abort);
        this.inflight.delete(repo.name);
      });
    this.inflight.set(repo.name, work);
    return work;
  }

  /** restic's answer about the set-aside files of the newest snapshot's generation, when there are any. */
  private async askQuarantine(
    repo: Repository,
    runs: readonly RunRecord[],
    onsite: SnapshotsObservation | undefined,
    assessed: { observation: StatusObservation | undefined; trust?: TrustResult },
    signal: AbortSignal,
  ): Promise<QuarantineAnswer | undefined> {
    const obs = assessed.observation;
    const newest = knownSnapshots(repo.name, runs, onsite)[0];
    if (!this.o.checkQuarantine || !newest || !obs?.ok || assessed.trust?.state === 'rejected')
      return undefined;
    const q = quarantineQuestion(obs.status, newest.id);
    return q ? this.o.checkQuarantine(repo, q, signal) : undefined;
  }

  private async observeOnsite(
    repo: Repository,
    signal: AbortSignal,
  ): Promise<SnapshotsObservation | undefined> {
    if (!this.o.listOnsite) return undefined;
    try {
      const snapshots = await this.o.listOnsite(repo, signal);
      return { ok: true, at: this.o.clock.now().toISOString(), snapshots };
    } catch (e) {
      if (!(e instanceof RestrayError)) throw e;
      if (e.kind === 'cancelled') throw e;
      // Without the password (keychain locked or empty) the run history is all there is: not a hop failure.
      if (e.kind === 'secret-missing' || e.kind === 'keychain-locked' || e.kind === 'keychain-unavailable')
        return undefined;
      return { ok: false, at: this.o.clock.now().toISOString(), error: e.toInfo() };
    }
  }
}

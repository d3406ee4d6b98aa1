import { existsSync, linkSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { PiRun, PiRunPhase } from '../../../contract/pi-status.js';
import { pingHealthchecks, type Log } from '../alerts.js';
import type { OffsiteConfig, PiConfig, Secrets } from '../config.js';
import { PiError, toErrorInfo } from '../errors.js';
import { readJson, updateJsonAtomic, writeJsonAtomic } from '../fs-util.js';
import type { GuardFinding } from '../guard.js';
import type { HashPool } from '../hash.js';
import { classify, type RepoFile } from '../repo-files.js';
import { runResticCheck } from './restic-check.js';
import { readVerifyState } from './reverify.js';
import { readGuardState, readStatus, startPublish, type GuardState, type PendingPublish } from './status.js';
import { applyRetention, promoteStaging, type StagedFiles } from './commit.js';
import { crashPoint } from './crash-point.js';
import { alert, endPing, finishStatus } from './report.js';
import { runGuard } from './guard-reference.js';
import { damageMessages, withoutQuarantined, type DamageOutcome } from './quarantine.js';
import { listGenerations, recordQuarantined, walkRepo, type LocalFile, type OffsitePaths } from './store.js';

export interface SyncOptions {
  config: PiConfig;
  offsite: OffsiteConfig;
  secrets: Secrets;
  trigger: PiRun['trigger'];
  /** Only run when the source's snapshot list, keys or config differ from the newest generation (cheap check). */
  ifChanged?: boolean;
  /** Injectable clock (tests). */
  now?: () => Date;
  /** Injectable sleep for the lock wait (tests wait on conditions, not time). */
  sleep?: (ms: number) => Promise<void>;
  log?: Log;
  signal?: AbortSignal;
  /** Called after each phase (tests and progress output). */
  onPhase?: (
    phase: 'list' | 'meta' | 'data' | 'snapshots' | 'verify' | 'promote',
    detail: { bytes: number },
  ) => void;
}

export interface SyncOutcome {
  /** `skipped`: nothing to do (no change with --if-changed, or outside the time window). */
  result: PiRun['result'] | 'skipped';
  run?: PiRun;
  /** Name of the promoted generation. */
  promoted?: string;
  bytesTransferred: number;
  filesVerified: number;
  /** New files fetched in this run. */
  filesTransferred: number;
  guard?: GuardFinding;
}

/** The newest generation: the run's starting point (its files are linked, not fetched again). */
export interface Previous {
  name: string | undefined;
  dir: string | undefined;
  files: readonly LocalFile[];
  map: ReadonlyMap<string, LocalFile> | undefined;
  /** Files re-verification found rotten in it: never carried over, fetched afresh. */
  rotten: ReadonlySet<string>;
}

/** The guard's verdict on what the source offers (see {@link OffsiteRun.judge}). */
export interface Verdict {
  finding: GuardFinding;
  /** The finding ID `restray-pi approve` accepted, if any. */
  approved: string | undefined;
  guardState: GuardState;
  /** True when the finding blocks and is not approved. */
  blocked: boolean;
}

/**
 * One offsite run (pull or push receive), from the run lock to the published status. Its phases, in order:
 *
 *   list      what the source offers (pull: a listing of the onsite repository; push: the newest manifest)
 *   transfer  the new files into the run's OWN staging folder, staging/run-<id> (see commit.ts, invariant I3)
 *   verify    each new file's SHA-256 against its name
 *   guard     {@link judge} on the listing (pull runs it while the transfer is still running, to stop it early),
 *             {@link checkConfig} once config is staged
 *   promote   {@link conclude}: the promotion commit (metadata entry, ONE rename into generations/)
 *   retain    the retention commit (rename into trash/, metadata, delete)
 *   publish   status.json written (built from generations/ itself) and sent onsite
 *
 * The first three are the source's (pull.ts, push-receive.ts); the last four are the same for both and live
 * here. Before any of them, offsite/sync.ts holds the run lock and runs recovery (commit.ts): a crash at any
 * instant leaves a store that recovery makes consistent. Each commit point is marked with {@link crashPoint}.
 */
export class OffsiteRun {
  readonly off: OffsiteConfig;
  readonly now: () => Date;
  readonly log: Log;
  readonly start: Date;
  bytes = 0;
  verified = 0;
  transferred = 0;
  phase: PiRunPhase = 'list';
  /** The healthchecks start ping, sent without waiting for it; end pings wait for it so they arrive in order. */
  startPing: Promise<void> | undefined;
  /** The status upload, started ahead with its own connection (see startPublish). */
  readonly publishPending: PendingPublish | undefined;
  /** Connections and threads the run no longer needs, ending while it finishes (awaited before it returns). */
  closing: Promise<void> | undefined;
  private prev: Previous | undefined;

  /**
   * @param staging the run's own staging folder (commit.ts openStaging)
   * @param nextRun the sync timer's next elapse for the status, asked from systemd at the start
   */
  constructor(
    readonly o: SyncOptions,
    readonly p: OffsitePaths,
    readonly staging: string,
    readonly pool: HashPool,
    readonly nextRun: Promise<string | undefined>,
  ) {
    this.off = o.offsite;
    this.now = o.now ?? (() => new Date());
    this.log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
    this.start = this.now();
    // The status upload comes up while the run works (mostly waiting, not computing), so publishing at the end
    // costs no handshake. A failure here only means publishing connects on its own at the end.
    this.publishPending = startPublish(this.off);
  }

  /** The newest generation's name and folder (cheap: no walk). */
  get newest(): { name: string | undefined; dir: string | undefined } {
    const name = this.prev?.name ?? listGenerations(this.p).at(-1);
    return { name, dir: name ? join(this.p.generations, name) : undefined };
  }

  /** The newest generation with its files (walked once, on first use). */
  previous(): Previous {
    if (this.prev) return this.prev;
    const { name, dir } = this.newest;
    const files = dir ? walkRepo(dir) : [];
    const rotten = new Set(
      readVerifyState(this.p)
        .damaged.filter((d) => name !== undefined && d.generations.includes(name))
        .map((d) => d.file),
    );
    return (this.prev = {
      name,
      dir,
      files,
      map: dir ? new Map(files.map((f) => [f.path, f])) : undefined,
      rotten,
    });
  }

  /** Sends the healthchecks start ping once, without waiting for it. */
  pingStart(): void {
    this.startPing ??= pingHealthchecks('start', this.o.secrets, this.o.config.alerts, this.log);
  }

  /** The outcome `skipped` (nothing to do), logged. */
  skipped(why: string): SyncOutcome {
    this.log(why);
    return { result: 'skipped', bytesTransferred: this.bytes, filesVerified: 0, filesTransferred: 0 };
  }

  /** The guard phase on what the source offers (the listing or manifest, locks excluded), against the newest generation. */
  judge(current: readonly RepoFile[]): Verdict {
    this.phase = 'guard';
    const max = this.off.guard.maxLostShare;
    const guardState = readGuardState(this.p, max);
    const finding = runGuard(this.p, this.off, this.previous().map, current, this.now(), guardState);
    const approved = readApproval(this.p);
    crashPoint('guard:done');
    return { finding, approved, guardState, blocked: finding.blocked && approved !== finding.id };
  }

  /**
   * The guard once verification is done: when files were quarantined (their bytes were counted as new packs),
   * the source is judged again without them, so that junk written under pack names cannot offset a loss.
   * Returns `v` itself when nothing was quarantined or `v` already blocks.
   */
  rejudge(v: Verdict, current: readonly RepoFile[], damage: DamageOutcome | undefined): Verdict {
    if (!damage?.quarantined.length || v.finding.blocked) return v;
    const finding = runGuard(
      this.p,
      this.off,
      this.previous().map,
      withoutQuarantined(current, damage),
      this.now(),
      v.guardState,
    );
    return { ...v, finding, blocked: finding.blocked && v.approved !== finding.id };
  }

  /**
   * The guard's config check: the run's staged config against the newest generation's, byte for byte (restic
   * never rewrites it). Equal: the staged copy is replaced by a hardlink to the generation's, like every
   * unchanged file. Different: the verdict's finding is extended; returns true when that blocks the run.
   * Throws PiError `repo-not-found` when nothing staged config.
   */
  checkConfig(v: Verdict): boolean {
    const { dir } = this.newest;
    const prev = dir ? join(dir, 'config') : undefined;
    const staged = join(this.staging, 'config');
    if (!prev || !existsSync(prev)) return false;
    if (!existsSync(staged))
      throw new PiError(
        'repo-not-found',
        'The onsite repository has no config file: it is not a restic repository.',
        { phase: 'transfer' },
      );
    if (readFileSync(prev).equals(readFileSync(staged))) {
      unlinkSync(staged);
      linkSync(prev, staged);
      return false;
    }
    const f = v.finding;
    if (f.configChanged) return false;
    f.configChanged = true;
    f.blocked = true;
    f.reason = "Possible tampering at the source: the repository's config file changed.";
    f.id = `${f.id}-config`;
    v.blocked = v.approved !== f.id;
    return v.blocked;
  }

  /**
   * The common end of a successful run (pull and push): the promotion commit, the retention commit, the
   * optional `restic check` of the new generation, guard state, then the publish phase, recovery alert and
   * success ping, and the damage alerts. `staged`: the staging folder as last walked, when nothing changed it
   * since; `damage`: files that failed verification twice and were healed or quarantined (see settleDamaged).
   */
  async conclude(v: Verdict, staged?: StagedFiles, damage?: DamageOutcome): Promise<SyncOutcome> {
    const { o, off, p, log } = this;
    const prev = this.previous();
    this.phase = 'promote';
    const promoted = promoteStaging(p, this.staging, prev.name, prev.map, this.now(), staged);
    if (promoted && damage?.quarantined.length) recordQuarantined(p, promoted, damage.quarantined);
    o.onPhase?.('promote', { bytes: this.bytes });
    if (v.approved === v.finding.id) rmSync(p.approval, { force: true });

    this.phase = 'retention';
    applyRetention(p, off, this.now(), log);
    if (promoted && off.verify.resticCheck)
      // Structure, not bytes: the files are already hash-verified, so a failure here is recorded and alerted but
      // does not hold back the promotion (the onsite repository has the same problem; the copy is still exact).
      await runResticCheck(p, off, o.secrets, promoted, this.now(), log, (m) =>
        alert(
          o,
          p,
          'damaged',
          m,
          log,
          this.now(),
          'Run `restic check` on the onsite Pi and look at its output.',
        ),
      );

    const end = this.now();
    const run = this.record('ok', end, promoted ? { promoted } : {});
    updateJsonAtomic(p.guard, {
      state: 'ok',
      threshold: off.guard.maxLostShare,
      configChanged: false,
      keysChanged: false,
      lostShare: v.finding.lostShare,
      ...(v.approved === v.finding.id && v.finding.blocked
        ? { approvedAt: end.toISOString() }
        : v.guardState.approvedAt
          ? { approvedAt: v.guardState.approvedAt }
          : {}),
      // An approved loss is not counted again: older generations stop serving as the guard's reference.
      ...(v.approved === v.finding.id && v.finding.blocked && promoted
        ? { baseline: promoted }
        : v.guardState.baseline
          ? { baseline: v.guardState.baseline }
          : {}),
    } satisfies GuardState);
    const before = readStatus(p)?.lastRun?.result;
    const wasFailing = before !== undefined && before !== 'ok';
    this.phase = 'publish';
    const dm = damage ? damageMessages(damage) : {};
    // Publishing and the success ping go to different places: neither waits for the other.
    await Promise.all([
      dm.healed
        ? alert(
            o,
            p,
            'onsite-damage',
            dm.healed,
            log,
            end,
            'Run `restic check --read-data` on the onsite Pi.',
          )
        : undefined,
      dm.quarantined
        ? alert(
            o,
            p,
            'quarantined',
            dm.quarantined,
            log,
            end,
            'Run `restic check --read-data` on the onsite Pi; a workstation can tell with `restic find --pack ID` whether its snapshots need them.',
          )
        : undefined,
      finishStatus(o, p, end, run, log, this),
      endPing(o, this.startPing, 'success', log),
      wasFailing
        ? alert(
            o,
            p,
            'recovered',
            promoted ? `Sync works again; generation ${promoted} is verified.` : 'Sync works again.',
            log,
            end,
          )
        : undefined,
    ]);
    log(
      `ok: ${promoted ? `promoted ${promoted}` : 'no change at the source'}; ${this.bytes} bytes received, ${this.verified} files verified`,
    );
    return { ...this.counts(), result: 'ok', run, ...(promoted ? { promoted } : {}), guard: v.finding };
  }

  /** The end of a run the guard blocked: nothing promoted, every generation kept, guard state, status, alert. */
  async blocked(v: Verdict): Promise<SyncOutcome> {
    const { o, p, log } = this;
    const end = this.now();
    const f = v.finding;
    const reason = f.reason ?? 'The guard blocked the run.';
    const prev = v.guardState;
    writeJsonAtomic(p.guard, {
      state: 'blocked',
      reason,
      since: prev.state === 'blocked' && prev.since ? prev.since : end.toISOString(),
      lostShare: Math.min(1, f.lostShare),
      threshold: o.offsite.guard.maxLostShare,
      configChanged: f.configChanged,
      keysChanged: f.keysChanged,
      findingId: f.id,
      ...(prev.approvedAt ? { approvedAt: prev.approvedAt } : {}),
      ...(prev.baseline ? { baseline: prev.baseline } : {}),
    } satisfies GuardState);
    const run = this.record('blocked', end, {
      phase: 'guard',
      error: {
        kind: 'failed',
        message: reason,
        hint: 'If the change is intended (a large prune, a new key), run `restray-pi approve`.',
      },
    });
    await finishStatus(o, p, end, run, log, this);
    await alert(
      o,
      p,
      'blocked',
      reason,
      log,
      end,
      'If the change is intended, run `restray-pi approve` on the offsite Pi.',
    );
    await endPing(o, this.startPing, 'fail', log, reason);
    log(`blocked: ${reason}`);
    return { ...this.counts(), result: 'blocked', run, guard: f };
  }

  /** The end of a failed run: nothing promoted, the error (a PiError's kind, message, hint) in the status, alert. */
  async failed(e: unknown): Promise<SyncOutcome> {
    const { o, p, log } = this;
    const end = this.now();
    const info = toErrorInfo(e);
    if (!(e instanceof PiError))
      log(`unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    const phase = e instanceof PiError && e.phase ? e.phase : this.phase;
    const run = this.record('failed', end, { error: info, phase });
    try {
      await finishStatus(o, p, end, run, log, this);
    } catch (err) {
      log(`status: ${toErrorInfo(err).message}`);
    }
    await alert(o, p, 'failed', info.message, log, end, info.hint);
    await endPing(o, this.startPing, 'fail', log, info.message);
    log(`failed (${phase}): ${info.message}`);
    return { ...this.counts(), result: 'failed', run };
  }

  /** Ends the status upload if it was never used. */
  async closePublish(): Promise<void> {
    await this.publishPending?.cancel();
  }

  private record(result: PiRun['result'], end: Date, extra: Partial<PiRun>): PiRun {
    return {
      start: this.start.toISOString(),
      end: end.toISOString(),
      result,
      bytesTransferred: this.bytes,
      filesVerified: this.verified,
      trigger: this.o.trigger,
      ...extra,
    };
  }

  private counts() {
    return { bytesTransferred: this.bytes, filesVerified: this.verified, filesTransferred: this.transferred };
  }
}

function readApproval(p: OffsitePaths): string | undefined {
  const a = readJson(p.approval) as { findingId?: unknown } | undefined;
  return typeof a?.findingId === 'string' ? a.findingId : undefined;
}

/** True when snapshots, keys or config at the source differ from the newest generation. */
export function sourceChangedSince(meta: readonly RepoFile[], prev: ReadonlyMap<string, LocalFile>): boolean {
  const relevant = (c: string) => c === 'snapshots' || c === 'keys' || c === 'config';
  const cur = meta.filter((f) => relevant(classify(f.path)));
  const before = [...prev.values()].filter((f) => relevant(classify(f.path)));
  if (cur.length !== before.length) return true;
  return cur.some((f) => {
    const q = prev.get(f.path);
    return !q || q.size !== f.size || q.mtime !== f.mtime;
  });
}

import { type Dirent, chmodSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { PiRun, PiRunPhase, PiStatus } from '../../contract/pi-status.js';
import { pingHealthchecks, raiseAlert, type Alert, type Log } from './alerts.js';
import type { OffsiteConfig, PiConfig, Secrets } from './config.js';
import { PiError, toErrorInfo } from './errors.js';
import { fsyncDir, readJson, writeJsonAtomic } from './fs-util.js';
import type { GuardFinding } from './guard.js';
import { generationName, parseGenerationName } from './generation-name.js';
import {
  readGenerationsMeta,
  removeGeneration,
  snapshotIdsOf,
  walkRepo,
  writeGenerationsMeta,
  type LocalFile,
  type OffsitePaths,
} from './offsite-store.js';
import { classify } from './repo-files.js';
import { forgetRemovedGenerations } from './reverify.js';
import {
  buildStatus,
  nextTimerRun,
  publishStatus,
  startPublish,
  statusText,
  type PendingPublish,
  writeStatus,
  type GuardState,
} from './status.js';
import { planRetention } from './removed-ledger.js';
import { loadSigningKey, signedStatusText } from './status-signing.js';

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

/** What a run has counted so far and where it is: reported as is when the run fails. */
export interface RunCtx {
  bytes: number;
  verified: number;
  transferred: number;
  phase: PiRunPhase;
  /** The healthchecks start ping, sent without waiting for it; end pings wait for it so they arrive in order. */
  startPing?: Promise<void>;
  /** The status upload, started ahead with its own connection (see startPublish). */
  publishPending?: PendingPublish | undefined;
  /** The sync timer's next elapse for the status, asked from systemd at the start (see nextTimerRun). */
  nextRun?: Promise<string | undefined>;
  /** Connections and threads the run no longer needs, ending while it finishes (awaited before it returns). */
  closing?: Promise<void>;
}

/** Opens the status upload ahead of the run's end (see startPublish). */
export function preparePublish(off: OffsiteConfig, ctx: RunCtx): void {
  ctx.publishPending = startPublish(off);
}

/** Ends the upload {@link preparePublish} opened if it is still waiting. */
export async function closePublish(ctx: RunCtx): Promise<void> {
  await ctx.publishPending?.cancel();
}

/**
 * Removes from staging/ whatever the source no longer has (and stray non-repository files), so a staging area
 * left by an interrupted run can be resumed without carrying deleted files into the next generation. Partial
 * files (`.rsync-partial/`) stay: they are what makes the next transfer resume.
 */
export function cleanStaging(dir: string, wanted: Set<string>): void {
  const walk = (rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === '.rsync-partial') continue;
        walk(r);
      } else if (!wanted.has(r)) rmSync(join(dir, r), { force: true });
    }
  };
  walk('');
}

/** staging/ as a walk just saw it (with rsync's partial dirs), so promotion need not walk it again. */
export interface StagedFiles {
  files: readonly LocalFile[];
  partialDirs: readonly string[];
}

/**
 * Turns staging/ into generations/<UTC time>/ by one rename, unless it holds exactly the newest generation's
 * files (then it is discarded and nothing is promoted). Records the generation's metadata.
 * @returns the new generation's name, or undefined when nothing changed
 */
export function promote(
  p: OffsitePaths,
  prevName: string | undefined,
  prevMap: ReadonlyMap<string, LocalFile> | undefined,
  t: Date,
  staged?: StagedFiles,
): string | undefined {
  const partialDirs: string[] = staged ? [...staged.partialDirs] : [];
  const files = (staged?.files ?? walkRepo(p.staging, partialDirs)).filter(
    (f) => classify(f.path) !== 'locks' && classify(f.path) !== 'other',
  );
  for (const d of partialDirs) rmSync(d, { recursive: true, force: true });
  // restic wants locks/ to exist (restore takes a lock unless --no-lock).
  mkdirSync(join(p.staging, 'locks'), { recursive: true, mode: 0o755 });
  const unchanged =
    prevMap !== undefined &&
    files.length === [...prevMap.values()].filter((f) => classify(f.path) !== 'locks').length &&
    files.every((f) => prevMap.get(f.path)?.ino === f.ino);
  if (unchanged) {
    rmSync(p.staging, { recursive: true, force: true });
    return undefined;
  }
  let name = generationName(t);
  // Two runs within one second (tests, manual retries): keep names unique and increasing.
  if (prevName && name <= prevName)
    name = generationName(new Date(parseGenerationName(prevName)!.getTime() + 1000));
  const meta = readGenerationsMeta(p);
  meta[name] = {
    name,
    time: parseGenerationName(name)!.toISOString(),
    snapshotIds: snapshotIdsOf(files),
    sizeBytes: files.reduce((s, f) => s + f.size, 0),
    newBytes: files.filter((f) => prevMap?.get(f.path)?.ino !== f.ino).reduce((s, f) => s + f.size, 0),
    fileCount: files.length,
  };
  renameSync(p.staging, join(p.generations, name));
  fsyncDir(p.generations);
  chmodSync(join(p.generations, name), 0o755);
  writeGenerationsMeta(p, meta);
  return name;
}

/** Applies the generation retention after a promotion; never in a failed or blocked run. */
export function applyRetention(p: OffsitePaths, off: OffsiteConfig, now: Date, log: Log): string[] {
  const removed: string[] = [];
  const meta = readGenerationsMeta(p);
  for (const d of planRetention(p, off, now)) {
    if (d.keep) continue;
    removeGeneration(p, d.name);
    delete meta[d.name];
    removed.push(d.name);
  }
  if (removed.length > 0) {
    writeGenerationsMeta(p, meta);
    forgetRemovedGenerations(p);
    log(`retention removed ${removed.length} generation(s): ${removed.join(', ')}`);
  }
  return removed;
}

export function readApproval(p: OffsitePaths): string | undefined {
  const a = readJson(p.approval) as { findingId?: unknown } | undefined;
  return typeof a?.findingId === 'string' ? a.findingId : undefined;
}

/**
 * The status as stored and published: signed with the offsite Pi's status key (made on first need). Should the
 * key be unusable, the document goes out unsigned and the log says why: a workstation that pinned the key then
 * reports the status as unsigned (unknown, never safe), which is the truth, rather than nothing at all.
 */
function publishedText(status: PiStatus, p: OffsitePaths, log: Log): string {
  try {
    return signedStatusText(status, loadSigningKey(p.root));
  } catch (e) {
    log(`publish: the status goes out unsigned: ${toErrorInfo(e).message}`);
    return statusText(status);
  }
}

/**
 * Writes state/status.json (with `run` as the last run, or the previous last run when undefined), publishes it
 * onsite (a failed publish is logged, never fails the run) and alerts staleness.
 */
export async function finishStatus(
  o: Pick<SyncOptions, 'config' | 'offsite' | 'secrets'>,
  p: OffsitePaths,
  t: Date,
  run: PiRun | undefined,
  log: Log,
  ctx?: Pick<RunCtx, 'publishPending' | 'nextRun'>,
): Promise<void> {
  const status = buildStatus(p, o.config, o.offsite, t, run, await (ctx?.nextRun ?? nextTimerRun()));
  const text = publishedText(status, p, log);
  // The upload and the local write (with its fsync) go on at the same time; the run ends after both.
  const publishing = publishStatus(p, o.offsite, text, ctx?.publishPending, log).catch((e) =>
    log(`publish: ${toErrorInfo(e).message}`),
  );
  try {
    writeStatus(p, text);
  } finally {
    await publishing;
  }
  if (status.stale) {
    const since = status.lastSuccess ?? 'never';
    await alert(
      o,
      p,
      'stale',
      `No successful offsite sync since ${since} (limit ${o.offsite.staleAfterHours} h).`,
      log,
      t,
    );
  }
}

export async function alert(
  o: Pick<SyncOptions, 'config' | 'secrets'>,
  p: OffsitePaths,
  event: Alert['event'],
  message: string,
  log: Log,
  t: Date,
  hint?: string,
): Promise<void> {
  await raiseAlert(
    { event, repository: o.config.name, host: hostname(), time: t.toISOString(), message, hint },
    o.config.alerts,
    o.secrets,
    p.alerts,
    log,
  );
}

/** Sends a healthchecks end ping after the start ping (if one is under way) has gone out. */
export async function endPing(
  o: Pick<SyncOptions, 'config' | 'secrets'>,
  ctx: RunCtx,
  kind: 'success' | 'fail',
  log: Log,
  body?: string,
): Promise<void> {
  if (ctx.startPing) await ctx.startPing;
  await pingHealthchecks(kind, o.secrets, o.config.alerts, log, body);
}

export async function finishBlocked(
  o: SyncOptions,
  p: OffsitePaths,
  ctx: RunCtx,
  start: Date,
  end: Date,
  finding: GuardFinding,
  prev: GuardState,
  log: Log,
): Promise<SyncOutcome> {
  const reason = finding.reason ?? 'The guard blocked the run.';
  const guard: GuardState = {
    state: 'blocked',
    reason,
    since: prev.state === 'blocked' && prev.since ? prev.since : end.toISOString(),
    lostShare: Math.min(1, finding.lostShare),
    threshold: o.offsite.guard.maxLostShare,
    configChanged: finding.configChanged,
    keysChanged: finding.keysChanged,
    findingId: finding.id,
    ...(prev.approvedAt ? { approvedAt: prev.approvedAt } : {}),
    ...(prev.baseline ? { baseline: prev.baseline } : {}),
  };
  writeJsonAtomic(p.guard, guard);
  const run: PiRun = {
    start: start.toISOString(),
    end: end.toISOString(),
    result: 'blocked',
    phase: 'guard',
    error: {
      kind: 'failed',
      message: reason,
      hint: 'If the change is intended (a large prune, a new key), run `restray-pi approve`.',
    },
    bytesTransferred: ctx.bytes,
    filesVerified: ctx.verified,
    trigger: o.trigger,
  };
  await finishStatus(o, p, end, run, log, ctx);
  await alert(
    o,
    p,
    'blocked',
    reason,
    log,
    end,
    'If the change is intended, run `restray-pi approve` on the offsite Pi.',
  );
  await endPing(o, ctx, 'fail', log, reason);
  log(`blocked: ${reason}`);
  return {
    result: 'blocked',
    run,
    bytesTransferred: ctx.bytes,
    filesVerified: ctx.verified,
    filesTransferred: ctx.transferred,
    guard: finding,
  };
}

export async function finishFailed(
  o: SyncOptions,
  p: OffsitePaths,
  ctx: RunCtx,
  start: Date,
  end: Date,
  e: unknown,
  log: Log,
): Promise<SyncOutcome> {
  const info = toErrorInfo(e);
  if (!(e instanceof PiError))
    log(`unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  const phase = e instanceof PiError && e.phase ? e.phase : ctx.phase;
  const run: PiRun = {
    start: start.toISOString(),
    end: end.toISOString(),
    result: 'failed',
    error: info,
    phase,
    bytesTransferred: ctx.bytes,
    filesVerified: ctx.verified,
    trigger: o.trigger,
  };
  try {
    await finishStatus(o, p, end, run, log, ctx);
  } catch (err) {
    log(`status: ${toErrorInfo(err).message}`);
  }
  await alert(o, p, 'failed', info.message, log, end, info.hint);
  await endPing(o, ctx, 'fail', log, info.message);
  log(`failed (${phase}): ${info.message}`);
  return {
    result: 'failed',
    run,
    bytesTransferred: ctx.bytes,
    filesVerified: ctx.verified,
    filesTransferred: ctx.transferred,
  };
}

import {
  type Dirent,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PiRun, PiRunPhase } from '../../contract/pi-status.js';
import { raiseAlert, pingHealthchecks, type Alert, type Log } from './alerts.js';
import type { OffsiteConfig, PiConfig, Secrets, SshEndpoint } from './config.js';
import { PiError, toErrorInfo } from './errors.js';
import { fsyncDir, readJson, writeJsonAtomic } from './fs-util.js';
import { evaluateGuard, type GuardFinding } from './guard.js';
import { generationName, parseGenerationName } from './generation-name.js';
import { verifyNamedFiles } from './hash.js';
import {
  acquireRunLock,
  ensureLayout,
  listGenerations,
  offsitePaths,
  readGenerationsMeta,
  removeGeneration,
  snapshotIdsOf,
  walkRepo,
  writeGenerationsMeta,
  type LocalFile,
  type OffsitePaths,
} from './offsite-store.js';
import { classify, fileId, parseListing, type RepoFile } from './repo-files.js';
import { decideRetention } from './retention.js';
import { forgetRemovedGenerations, readVerifyState, reverifySlice } from './reverify.js';
import { runRsync, rsyncFailure, sourceVanished, type RsyncOptions } from './rsync.js';
import {
  buildStatus,
  nextTimerRun,
  publishStatus,
  readGuardState,
  readStatus,
  writeStatus,
  type GuardState,
} from './status.js';
import { inWindow } from './window.js';

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
  /** Called after each transfer phase (tests and progress output). */
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

const MAX_SOURCE_CHANGE_RETRIES = 3;

/**
 * One offsite sync (pull mode), end to end:
 * list the source (snapshot list, index, keys, config first; data/ after, so every pack an index names is
 * listed), wait while live restic locks show an operation in progress, run the guard, then fetch
 * config+keys+index+data (one connection), and finally the listed snapshots into staging/ with `--link-dest` against the newest
 * generation (unchanged files become hardlinks, `--partial-dir` keeps interrupted files for the next run),
 * verify every new file's SHA-256 against its name (a mismatch is fetched once more, then the run fails), check
 * config byte for byte, promote staging/ to generations/<UTC time>/ by rename, apply retention, re-verify a
 * rotating slice of old files, and write + publish the status. Alerts on failure, block, damage and staleness.
 *
 * Never throws for expected failures: they end as result `failed` or `blocked` with the status written.
 * Throws PiError `locked` (run lock held by another run) before touching anything.
 * Side effects: files under the offsite root, network (rsync over ssh), alerts.
 */
export async function runSync(o: SyncOptions): Promise<SyncOutcome> {
  const now = o.now ?? (() => new Date());
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const off = o.offsite;
  if (off.mode !== 'pull' || !off.source)
    throw new PiError(
      'invalid-config',
      'offsite.mode: sync pulls from offsite.source; push mode promotes with `restray-pi receive`.',
      {
        phase: 'config',
      },
    );
  const p = offsitePaths(off.root);
  ensureLayout(p);

  if ((o.trigger === 'timer' || o.trigger === 'change') && off.window && !inWindow(now(), off.window)) {
    log(`outside the sync window ${off.window.start}-${off.window.end}; nothing done`);
    return { result: 'skipped', bytesTransferred: 0, filesVerified: 0, filesTransferred: 0 };
  }

  const release = acquireRunLock(p);
  const start = now();
  const ctx: RunCtx = { bytes: 0, verified: 0, transferred: 0, phase: 'list' };
  try {
    return await syncLocked(o, p, off.source, ctx, start, now, log);
  } catch (e) {
    return await finishFailed(o, p, ctx, start, now(), e, log);
  } finally {
    release();
  }
}

interface RunCtx {
  bytes: number;
  verified: number;
  transferred: number;
  phase: PiRunPhase;
}

async function syncLocked(
  o: SyncOptions,
  p: OffsitePaths,
  source: SshEndpoint,
  ctx: RunCtx,
  start: Date,
  now: () => Date,
  log: Log,
): Promise<SyncOutcome> {
  const off = o.offsite;
  const rsyncOpts: RsyncOptions = {
    rsyncPath: off.rsync.rsyncPath,
    endpoint: source,
    ssh: off.ssh,
    timeout: off.rsync.timeout,
    bwlimitKiB: off.rsync.bwlimitKiB,
    signal: o.signal,
  };
  const gens = listGenerations(p);
  const prevName = gens.at(-1);
  const prevDir = prevName ? join(p.generations, prevName) : undefined;
  const prevFiles = prevDir ? walkRepo(prevDir) : undefined;
  const prevMap = prevFiles ? new Map(prevFiles.map((f) => [f.path, f])) : undefined;

  let startedPing = false;
  for (let attempt = 1; ; attempt++) {
    ctx.phase = 'list';
    const meta = await listMetaWaitingForLocks(o, rsyncOpts, now, log);
    if (o.ifChanged && prevMap && !sourceChangedSince(meta, prevMap)) {
      log('no new snapshots, keys or config at the source; nothing to do');
      return { result: 'skipped', bytesTransferred: ctx.bytes, filesVerified: 0, filesTransferred: 0 };
    }
    if (!startedPing) {
      startedPing = true;
      await pingHealthchecks('start', o.secrets, o.config.alerts, log);
    }
    const data = await listSource(rsyncOpts, 'data/', ['-r']);
    const current = [...meta, ...data].filter((f) => {
      const c = classify(f.path);
      return c !== 'locks' && c !== 'other';
    });
    o.onPhase?.('list', { bytes: ctx.bytes });

    ctx.phase = 'guard';
    const guardState = readGuardState(p, off.guard.maxLostShare);
    const finding = evaluateGuard({ previous: prevMap, current, maxLostShare: off.guard.maxLostShare });
    const approved = readApproval(p);
    if (finding.blocked && approved !== finding.id)
      return await finishBlocked(o, p, ctx, start, now(), finding, guardState, log);

    const snapshots = current.filter((f) => classify(f.path) === 'snapshots');
    const metaFiles = current.filter((f) => ['config', 'keys', 'index'].includes(classify(f.path)));
    const dataFiles = current.filter((f) => classify(f.path) === 'data');
    const wanted = new Set(current.map((f) => f.path));
    cleanStaging(p.staging, wanted);
    mkdirSync(p.staging, { recursive: true });

    ctx.phase = 'transfer';
    const common = [
      '-t',
      '--chmod=D0755,F0444',
      '--partial-dir=.rsync-partial',
      '--stats',
      '--no-human-readable',
      ...(prevDir ? [`--link-dest=${prevDir}`] : []),
    ];
    const vanished = async (files: RepoFile[], extra: string[] = []) => {
      const r = await fetchFiles(files, common, extra, rsyncOpts, p.staging);
      ctx.bytes += r.bytesReceived;
      if (sourceVanished(r)) return true;
      if (r.exitCode !== 0) throw rsyncFailure(r, 'transfer', 'transfer from the onsite Pi');
      return false;
    };
    // Index, keys, config and data in one connection (each ssh + rrsync start costs a round of handshakes);
    // the snapshots follow in a second one, so no snapshot arrives before the data it names.
    if (await vanished([...metaFiles, ...dataFiles])) {
      if (attempt < MAX_SOURCE_CHANGE_RETRIES) continue;
      throw sourceChanged();
    }
    o.onPhase?.('data', { bytes: ctx.bytes });
    // -c: config is compared by content with the source, not by size and time, so a config that changed
    // without changing either still shows up below.
    if (await vanished([...snapshots, ...current.filter((f) => f.path === 'config')], ['-c'])) {
      if (attempt < MAX_SOURCE_CHANGE_RETRIES) continue;
      throw sourceChanged();
    }
    o.onPhase?.('snapshots', { bytes: ctx.bytes });

    // Files re-verification found rotten were hardlinked from the newest generation like any other: replace
    // them with a fresh copy (no --link-dest), so the damage does not carry into the new generation.
    const rotten = new Set(
      readVerifyState(p)
        .damaged.filter((d) => prevName !== undefined && d.generations.includes(prevName))
        .map((d) => d.file),
    );
    const refetch = current.filter((f) => rotten.has(f.path));
    if (refetch.length > 0) {
      for (const f of refetch) rmSync(join(p.staging, f.path), { force: true });
      const r = await fetchFiles(
        refetch,
        common.filter((a) => !a.startsWith('--link-dest=')),
        [],
        rsyncOpts,
        p.staging,
      );
      ctx.bytes += r.bytesReceived;
      if (r.exitCode !== 0 && !sourceVanished(r))
        throw rsyncFailure(r, 'transfer', 'fresh copy of damaged files');
    }

    // config byte for byte against the newest generation (restic never rewrites it).
    if (prevDir && existsSync(join(prevDir, 'config'))) {
      const same = readFileSync(join(prevDir, 'config')).equals(readFileSync(join(p.staging, 'config')));
      if (!same && !finding.configChanged) {
        finding.configChanged = true;
        finding.blocked = true;
        finding.reason = "Possible tampering at the source: the repository's config file changed.";
        finding.id = `${finding.id}-config`;
        if (approved !== finding.id)
          return await finishBlocked(o, p, ctx, start, now(), finding, guardState, log);
      }
    }

    ctx.phase = 'verify';
    const staged = walkRepo(p.staging);
    const newFiles = staged.filter((f) => fileId(f.path) && !(prevMap?.get(f.path)?.ino === f.ino));
    ctx.transferred = newFiles.length;
    let bad = await verifyNamedFiles(
      p.staging,
      newFiles.map((f) => f.path),
      off.verify.concurrency,
    );
    ctx.verified += newFiles.length;
    if (bad.length > 0) {
      log(`verify: ${bad.length} file(s) do not match their SHA-256 name; fetching them once more`);
      for (const b of bad) rmSync(join(p.staging, b.file), { force: true });
      const again = current.filter((f) => bad.some((b) => b.file === f.path));
      const r = await fetchFiles(again, common, [], rsyncOpts, p.staging);
      ctx.bytes += r.bytesReceived;
      if (r.exitCode !== 0 && !sourceVanished(r))
        throw rsyncFailure(r, 'transfer', 'second fetch of damaged files');
      bad = await verifyNamedFiles(
        p.staging,
        again.map((f) => f.path),
        off.verify.concurrency,
      );
      ctx.verified += again.length;
      if (bad.length > 0) {
        // Do not keep bad bytes around as a basis for the next run.
        for (const b of bad) rmSync(join(p.staging, b.file), { force: true });
        throw new PiError(
          'failed',
          `${bad.length} file(s) from the onsite Pi are damaged: their SHA-256 does not match their name (first: ${bad[0]!.file}). Nothing was promoted.`,
          {
            phase: 'verify',
            hint: 'Run `restic check --read-data` on the onsite Pi; a damaged pack needs `restic rebuild-index` and a new backup.',
          },
        );
      }
    }
    o.onPhase?.('verify', { bytes: ctx.bytes });

    ctx.phase = 'promote';
    const promoted = promote(p, prevName, prevMap, now());
    o.onPhase?.('promote', { bytes: ctx.bytes });
    if (approved === finding.id) rmSync(p.approval, { force: true });

    ctx.phase = 'retention';
    applyRetention(p, off, now(), log);
    const slice = await reverifySlice(p, off.verify.rotationRuns, off.verify.concurrency, now());
    ctx.verified += slice.checked;

    const end = now();
    const run: PiRun = {
      start: start.toISOString(),
      end: end.toISOString(),
      result: 'ok',
      bytesTransferred: ctx.bytes,
      filesVerified: ctx.verified,
      trigger: o.trigger,
      ...(promoted ? { promoted } : {}),
    };
    const newGuard: GuardState = {
      state: 'ok',
      threshold: off.guard.maxLostShare,
      configChanged: false,
      keysChanged: false,
      lostShare: finding.lostShare,
      ...(approved === finding.id && finding.blocked
        ? { approvedAt: end.toISOString() }
        : guardState.approvedAt
          ? { approvedAt: guardState.approvedAt }
          : {}),
    };
    writeJsonAtomic(p.guard, newGuard);
    const before = readStatus(p)?.lastRun?.result;
    const wasFailing = before !== undefined && before !== 'ok';
    await finishStatus(o, p, end, run, log);
    if (slice.newlyDamaged.length > 0)
      await alert(
        o,
        p,
        'damaged',
        `${slice.newlyDamaged.length} stored file(s) no longer match their SHA-256 (bit rot), first ${slice.newlyDamaged[0]!.file}; generations holding them are marked damaged.`,
        log,
        end,
      );
    if (wasFailing)
      await alert(
        o,
        p,
        'recovered',
        promoted ? `Sync works again; generation ${promoted} is verified.` : 'Sync works again.',
        log,
        end,
      );
    await pingHealthchecks('success', o.secrets, o.config.alerts, log);
    log(
      `ok: ${promoted ? `promoted ${promoted}` : 'no change at the source'}; ${ctx.bytes} bytes received, ${ctx.verified} files verified`,
    );
    return {
      result: 'ok',
      run,
      ...(promoted ? { promoted } : {}),
      bytesTransferred: ctx.bytes,
      filesVerified: ctx.verified,
      filesTransferred: ctx.transferred,
      guard: finding,
    };
  }
}

function sourceChanged(): PiError {
  return new PiError(
    'failed',
    'Files vanished from the onsite repository during every attempt (a prune kept running?).',
    {
      phase: 'transfer',
      hint: 'Let the onsite maintenance finish; the next run will copy a consistent state.',
    },
  );
}

/** True when snapshots, keys or config at the source differ from the newest generation. */
function sourceChangedSince(meta: RepoFile[], prev: ReadonlyMap<string, LocalFile>): boolean {
  const relevant = (c: string) => c === 'snapshots' || c === 'keys' || c === 'config';
  const cur = meta.filter((f) => relevant(classify(f.path)));
  const before = [...prev.values()].filter((f) => relevant(classify(f.path)));
  if (cur.length !== before.length) return true;
  return cur.some((f) => {
    const q = prev.get(f.path);
    return !q || q.size !== f.size || q.mtime !== f.mtime;
  });
}

async function listSource(o: RsyncOptions, path: string, extra: string[]): Promise<RepoFile[]> {
  const r = await runRsync(
    ['--list-only', '--no-human-readable', ...extra, `${o.endpoint.user}@${o.endpoint.host}:${path}`],
    o,
  );
  // A repository without data/ yet (freshly initialised) is fine; rsync then exits 23 naming the path.
  if (r.exitCode === 23 && path !== '' && /No such file or directory/.test(r.stderr)) return [];
  if (r.exitCode !== 0) throw rsyncFailure(r, 'list', 'listing of the onsite repository');
  return parseListing(r.stdout, path);
}

/**
 * Lists everything but data/ and waits while restic locks younger than `staleAfterMinutes` exist (an operation
 * is in progress: a prune could delete packs under our feet). Bounded by `locks.waitSeconds`; then PiError
 * `locked`.
 */
async function listMetaWaitingForLocks(
  o: SyncOptions,
  r: RsyncOptions,
  now: () => Date,
  log: Log,
): Promise<RepoFile[]> {
  const { waitSeconds, pollSeconds, staleAfterMinutes } = o.offsite.locks;
  const sleep = o.sleep ?? ((ms: number) => new Promise((res) => setTimeout(res, ms)));
  const began = now().getTime();
  for (;;) {
    const meta = await listSource(r, '', ['-r', '--exclude=/data/']);
    const t = now().getTime();
    const live = meta.filter(
      (f) => classify(f.path) === 'locks' && t / 1000 - f.mtime < staleAfterMinutes * 60,
    );
    if (live.length === 0) return meta;
    if (t - began >= waitSeconds * 1000)
      throw new PiError(
        'locked',
        `The onsite repository stayed locked for ${Math.round((t - began) / 1000)} s (an operation is in progress); nothing was copied.`,
        {
          phase: 'lock',
          hint: 'A long prune or backup holds the lock; the next run tries again.',
        },
      );
    log(`source has ${live.length} live lock(s); waiting ${pollSeconds} s`);
    await sleep(pollSeconds * 1000);
  }
}

/** One rsync of the listed files into staging (paths relative to the source root, via --files-from). */
async function fetchFiles(
  files: RepoFile[],
  common: string[],
  extra: string[],
  o: RsyncOptions,
  staging: string,
) {
  if (files.length === 0) return { exitCode: 0, stdout: '', stderr: '', bytesReceived: 0, bytesSent: 0 };
  const listFile = join(tmpdir(), `restray-pi-files-${process.pid}-${Date.now()}`);
  writeFileSync(listFile, files.map((f) => f.path).join('\n') + '\n', { mode: 0o600 });
  try {
    return await runRsync(
      [
        ...common,
        ...extra,
        `--files-from=${listFile}`,
        `${o.endpoint.user}@${o.endpoint.host}:`,
        `${staging}/`,
      ],
      o,
    );
  } finally {
    unlinkSync(listFile);
  }
}

/**
 * Removes from staging/ whatever the source no longer has (and stray non-repository files), so a staging area
 * left by an interrupted run can be resumed without carrying deleted files into the next generation. Partial
 * files (`.rsync-partial/`) stay: they are what makes the next transfer resume.
 */
function cleanStaging(dir: string, wanted: Set<string>): void {
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

function removePartialDirs(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = join(dir, e.name);
    if (e.name === '.rsync-partial') rmSync(sub, { recursive: true, force: true });
    else removePartialDirs(sub);
  }
}

/**
 * Turns staging/ into generations/<UTC time>/ by one rename, unless it holds exactly the newest generation's
 * files (then it is discarded and nothing is promoted). Records the generation's metadata.
 * @returns the new generation's name, or undefined when nothing changed
 */
function promote(
  p: OffsitePaths,
  prevName: string | undefined,
  prevMap: ReadonlyMap<string, LocalFile> | undefined,
  t: Date,
): string | undefined {
  removePartialDirs(p.staging);
  // restic wants locks/ to exist (restore takes a lock unless --no-lock).
  mkdirSync(join(p.staging, 'locks'), { recursive: true, mode: 0o755 });
  const files = walkRepo(p.staging).filter(
    (f) => classify(f.path) !== 'locks' && classify(f.path) !== 'other',
  );
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
  const gens = listGenerations(p).map((name) => ({ name, time: parseGenerationName(name)! }));
  const removed: string[] = [];
  const meta = readGenerationsMeta(p);
  for (const d of decideRetention(gens, off.retention, now)) {
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

function readApproval(p: OffsitePaths): string | undefined {
  const a = readJson(p.approval) as { findingId?: unknown } | undefined;
  return typeof a?.findingId === 'string' ? a.findingId : undefined;
}

async function finishStatus(o: SyncOptions, p: OffsitePaths, t: Date, run: PiRun, log: Log): Promise<void> {
  const status = buildStatus(p, o.config, o.offsite, t, run, await nextTimerRun());
  writeStatus(p, status);
  try {
    await publishStatus(p, o.offsite);
  } catch (e) {
    log(`publish: ${toErrorInfo(e).message}`);
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

async function alert(
  o: SyncOptions,
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

async function finishBlocked(
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
  await finishStatus(o, p, end, run, log);
  await alert(
    o,
    p,
    'blocked',
    reason,
    log,
    end,
    'If the change is intended, run `restray-pi approve` on the offsite Pi.',
  );
  await pingHealthchecks('fail', o.secrets, o.config.alerts, log, reason);
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

async function finishFailed(
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
    await finishStatus(o, p, end, run, log);
  } catch (err) {
    log(`status: ${toErrorInfo(err).message}`);
  }
  await alert(o, p, 'failed', info.message, log, end, info.hint);
  await pingHealthchecks('fail', o.secrets, o.config.alerts, log, info.message);
  log(`failed (${phase}): ${info.message}`);
  return {
    result: 'failed',
    run,
    bytesTransferred: ctx.bytes,
    filesVerified: ctx.verified,
    filesTransferred: ctx.transferred,
  };
}

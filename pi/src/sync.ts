import {
  type Dirent,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PiRun } from '../../contract/pi-status.js';
import { pingHealthchecks, type Log } from './alerts.js';
import type { SshEndpoint } from './config.js';
import { PiError } from './errors.js';
import { writeJsonAtomic } from './fs-util.js';
import { evaluateGuard, type GuardFinding } from './guard.js';
import { HashPool, poolSize, type HashMismatch, type HashedFile } from './hash.js';
import {
  acquireRunLock,
  ensureLayout,
  listGenerations,
  offsitePaths,
  walkRepo,
  type LocalFile,
  type OffsitePaths,
} from './offsite-store.js';
import { receivePush } from './push-receive.js';
import { classify, fileId, parseListing, type RepoFile } from './repo-files.js';
import { runResticCheck } from './restic-check.js';
import { readVerifyState } from './reverify.js';
import {
  runRsync,
  rsyncFailure,
  sourceVanished,
  startRsync,
  type PendingRsync,
  type RsyncOptions,
} from './rsync.js';
import {
  alert,
  applyRetention,
  cleanStaging,
  closePublish,
  endPing,
  finishBlocked,
  finishFailed,
  finishStatus,
  promote,
  preparePublish,
  readApproval,
  type RunCtx,
  type SyncOptions,
  type SyncOutcome,
} from './run-common.js';
import { openSshMaster, type SshMaster } from './ssh-master.js';
import { readGuardState, readStatus, type GuardState } from './status.js';
import { inWindow } from './window.js';

export { applyRetention } from './run-common.js';
export type { SyncOptions, SyncOutcome } from './run-common.js';

const MAX_SOURCE_CHANGE_RETRIES = 3;

/**
 * One offsite sync, end to end. Pull mode (default):
 * one SSH connection for the whole run (connection multiplexing), one listing of the source in the consistency
 * order (snapshots, index, keys, config, locks, then data/ — so every pack an index names is listed), a wait
 * while live restic locks show an operation in progress, the guard, then ONE rsync of every listed file into
 * staging/ with `--link-dest` against the newest generation (unchanged files become hardlinks, `--partial-dir`
 * keeps interrupted files for the next run; rsync's sorted file list puts snapshots/ last, after the data they
 * name). Each new file is hashed on a worker thread as soon as rsync has renamed it into place, so verification
 * overlaps the transfer; after the transfer every new file (by inode) must have a matching SHA-256 (a mismatch
 * is fetched once more, then the run fails) and config must match the newest generation byte for byte. Then
 * staging/ is promoted to generations/<UTC time>/ by rename, retention applied, the optional `restic check`
 * run, and the status written and published. Alerts on failure, block and staleness.
 * Push mode: the same guard, verification, promotion and status, over what the onsite Pi pushed into incoming/
 * (see push-receive.ts). The rotating re-verification of old generations is `restray-pi reverify`.
 *
 * Never throws for expected failures: they end as result `failed` or `blocked` with the status written.
 * Throws PiError `locked` (run lock held by another run) before touching anything.
 * Side effects: files under the offsite root, network (rsync over ssh), alerts.
 */
export async function runSync(o: SyncOptions): Promise<SyncOutcome> {
  const now = o.now ?? (() => new Date());
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const off = o.offsite;
  if (off.mode === 'pull' && !off.source)
    throw new PiError('invalid-config', 'offsite.source: pull mode needs the onsite source endpoint.', {
      phase: 'config',
    });
  const p = offsitePaths(off.root);
  ensureLayout(p);

  if (
    (o.trigger === 'timer' || o.trigger === 'change' || o.trigger === 'push') &&
    off.window &&
    !inWindow(now(), off.window)
  ) {
    log(`outside the sync window ${off.window.start}-${off.window.end}; nothing done`);
    return { result: 'skipped', bytesTransferred: 0, filesVerified: 0, filesTransferred: 0 };
  }

  const release = acquireRunLock(p);
  const start = now();
  const ctx: RunCtx = { bytes: 0, verified: 0, transferred: 0, phase: 'list' };
  // The status account's connection and upload come up while the run works, so publishing at the end costs
  // no handshake. A failure here only means publishing connects on its own later (and reports its error then).
  preparePublish(p, off, ctx, o.signal);
  const pool = new HashPool(poolSize(off.verify.concurrency));
  let source: SshMaster | undefined;
  try {
    if (off.mode === 'push') return await receivePush(o, p, ctx, pool, start, now, log);
    source = await openSshMaster(off.source!, off.ssh, o.signal);
    return await pullLocked(o, p, off.source!, source, ctx, pool, start, now, log);
  } catch (e) {
    return await finishFailed(o, p, ctx, start, now(), e, log);
  } finally {
    release();
    await pool.close();
    await source?.close();
    await closePublish(ctx);
  }
}

/**
 * Hashes files while rsync is still receiving others. rsync reports a file just before renaming it into place,
 * so each report releases the file reported before it; the end of the transfer releases the last one. Results
 * are tied to the inode that was read: a file replaced afterwards (a retry, a second fetch) is hashed again.
 */
class LiveVerifier {
  private pendingPath: string | undefined;
  private readonly results = new Map<string, Promise<HashedFile | { error: string }>>();
  constructor(
    private readonly pool: HashPool,
    private readonly root: string,
  ) {}

  /** rsync reported `path` (relative to the staging root). */
  reported(path: string): void {
    if (this.pendingPath !== undefined) this.start(this.pendingPath);
    this.pendingPath = path;
  }

  /** The transfer ended: everything reported is in place. */
  transferEnded(): void {
    if (this.pendingPath !== undefined) this.start(this.pendingPath);
    this.pendingPath = undefined;
  }

  private start(path: string): void {
    if (fileId(path)) this.results.set(path, this.pool.hash({ path: join(this.root, path), sync: true }));
  }

  /**
   * The mismatches among `files` (content-addressed, as they are in the staging area now): a file hashed during
   * the transfer counts only if the hash was taken of this very inode; any other is hashed now.
   */
  async check(files: readonly LocalFile[]): Promise<HashMismatch[]> {
    const out = await Promise.all(
      files.map(async (f) => {
        const early = this.results.get(f.path);
        let r = early ? await early : undefined;
        if (!r || 'error' in r || r.ino !== f.ino || r.size !== f.size)
          r = await this.pool.hash({ path: join(this.root, f.path), sync: true });
        this.results.delete(f.path);
        if ('error' in r) return { file: f.path, actual: r.error };
        return r.hex === fileId(f.path) ? undefined : { file: f.path, actual: r.hex };
      }),
    );
    return out.filter((m): m is HashMismatch => m !== undefined);
  }
}

async function pullLocked(
  o: SyncOptions,
  p: OffsitePaths,
  source: SshEndpoint,
  master: SshMaster,
  ctx: RunCtx,
  pool: HashPool,
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
    master,
  };
  const gens = listGenerations(p);
  const prevName = gens.at(-1);
  const prevDir = prevName ? join(p.generations, prevName) : undefined;
  const prevFiles = prevDir ? walkRepo(prevDir) : undefined;
  const prevMap = prevFiles ? new Map(prevFiles.map((f) => [f.path, f])) : undefined;
  const listDest = join(p.state, 'list-only');

  const common = [
    '-t',
    '--chmod=D0755,F0444',
    '--partial-dir=.rsync-partial',
    '--stats',
    '--no-human-readable',
    ...(prevDir ? [`--link-dest=${prevDir}`] : []),
  ];
  mkdirSync(p.staging, { recursive: true });
  let pending: PendingRsync | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      ctx.phase = 'list';
      if (o.ifChanged && prevMap && attempt === 1) {
        // The cheap check lists only snapshots, keys and config: a 10-minute timer must not list every pack.
        const meta = await listSource(rsyncOpts, ['snapshots', 'keys', 'config'], listDest);
        if (!sourceChangedSince(meta, prevMap)) {
          log('no new snapshots, keys or config at the source; nothing to do');
          return { result: 'skipped', bytesTransferred: ctx.bytes, filesVerified: 0, filesTransferred: 0 };
        }
      }
      ctx.startPing ??= pingHealthchecks('start', o.secrets, o.config.alerts, log);
      const live = new LiveVerifier(pool, p.staging);
      // The transfer's session (the onsite rrsync and rsync starting up) comes up while the listing runs; it
      // gets its file list once listing and guard are through, or is stopped if the run goes no further.
      const transfer = () =>
        startRsync([...common, '--files-from=-', `${source.user}@${source.host}:`, `${p.staging}/`], {
          ...rsyncOpts,
          onFile: (f) => live.reported(f),
        });
      pending = transfer();
      const current = await listWaitingForLocks(o, rsyncOpts, listDest, now, log);
      o.onPhase?.('list', { bytes: ctx.bytes });

      ctx.phase = 'guard';
      const guardState = readGuardState(p, off.guard.maxLostShare);
      const finding = evaluateGuard({ previous: prevMap, current, maxLostShare: off.guard.maxLostShare });
      const approved = readApproval(p);
      if (finding.blocked && approved !== finding.id)
        return await finishBlocked(o, p, ctx, start, now(), finding, guardState, log);

      cleanStaging(p.staging, new Set(current.map((f) => f.path)));
      seedConfig(p.staging, prevDir);

      ctx.phase = 'transfer';
      // One session for config, keys, index, data and snapshots: rsync sorts its file list, so snapshots/
      // arrive after the index and data they name (the list is written in that order as well).
      const order = ['config', 'keys', 'index', 'data', 'snapshots'];
      const list = [...current]
        .sort((a, b) => order.indexOf(classify(a.path)) - order.indexOf(classify(b.path)))
        .map((f) => `${f.path}\n`)
        .join('');
      // A long lock wait outlives rsync's --timeout: then a fresh session.
      if (pending.ended) pending = transfer();
      const feeding = pending;
      pending = undefined;
      const partialBefore = partialBytes(p.staging);
      const r = await feeding.feed(list);
      live.transferEnded();
      ctx.bytes += r.bytesReceived;
      // A cut run prints no totals and reports only whole files: what rsync kept of the file it was receiving
      // (moved to the partial dir for the next run to resume from) arrived too.
      if (r.exitCode !== 0) ctx.bytes += Math.max(0, partialBytes(p.staging) - partialBefore);
      if (sourceVanished(r)) {
        if (attempt < MAX_SOURCE_CHANGE_RETRIES) continue;
        throw sourceChanged();
      }
      if (r.exitCode !== 0) throw rsyncFailure(r, 'transfer', 'transfer from the onsite Pi');
      o.onPhase?.('data', { bytes: ctx.bytes });
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
        const rr = await fetchFiles(
          refetch,
          common.filter((a) => !a.startsWith('--link-dest=')),
          rsyncOpts,
          p.staging,
        );
        ctx.bytes += rr.bytesReceived;
        if (rr.exitCode !== 0 && !sourceVanished(rr))
          throw rsyncFailure(rr, 'transfer', 'fresh copy of damaged files');
      }

      const blocked = await checkConfig(p.staging, prevDir, finding, approved);
      if (blocked) return await finishBlocked(o, p, ctx, start, now(), finding, guardState, log);

      ctx.phase = 'verify';
      const newFiles = walkRepo(p.staging).filter(
        (f) => fileId(f.path) && !(prevMap?.get(f.path)?.ino === f.ino),
      );
      ctx.transferred = newFiles.length;
      let bad = await live.check(newFiles);
      ctx.verified += newFiles.length;
      if (bad.length > 0) {
        log(`verify: ${bad.length} file(s) do not match their SHA-256 name; fetching them once more`);
        for (const b of bad) rmSync(join(p.staging, b.file), { force: true });
        const again = current.filter((f) => bad.some((b) => b.file === f.path));
        const rr = await fetchFiles(again, common, rsyncOpts, p.staging);
        ctx.bytes += rr.bytesReceived;
        if (rr.exitCode !== 0 && !sourceVanished(rr))
          throw rsyncFailure(rr, 'transfer', 'second fetch of damaged files');
        const names = new Set(again.map((f) => f.path));
        bad = await live.check(walkRepo(p.staging).filter((f) => names.has(f.path)));
        ctx.verified += again.length;
        if (bad.length > 0) {
          // Do not keep bad bytes around as a basis for the next run.
          for (const b of bad) rmSync(join(p.staging, b.file), { force: true });
          throw damagedFiles(bad, 'from the onsite Pi', 'Nothing was promoted.');
        }
      }
      o.onPhase?.('verify', { bytes: ctx.bytes });
      return await finishOk(o, p, ctx, start, now, log, { prevName, prevMap, finding, approved, guardState });
    }
  } finally {
    await pending?.cancel();
  }
}

/** What {@link finishOk} needs to know about the run's starting point and the guard's verdict. */
export interface PromoteInput {
  prevName: string | undefined;
  prevMap: ReadonlyMap<string, LocalFile> | undefined;
  finding: GuardFinding;
  approved: string | undefined;
  guardState: GuardState;
}

/**
 * The common end of a successful run (pull and push): promote staging/, apply retention, the optional
 * `restic check` of the new generation, guard state, status, publish, recovery alert, success ping.
 */
export async function finishOk(
  o: SyncOptions,
  p: OffsitePaths,
  ctx: RunCtx,
  start: Date,
  now: () => Date,
  log: Log,
  i: PromoteInput,
): Promise<SyncOutcome> {
  const off = o.offsite;
  ctx.phase = 'promote';
  const promoted = promote(p, i.prevName, i.prevMap, now());
  o.onPhase?.('promote', { bytes: ctx.bytes });
  if (i.approved === i.finding.id) rmSync(p.approval, { force: true });

  ctx.phase = 'retention';
  applyRetention(p, off, now(), log);
  if (promoted && off.verify.resticCheck)
    // Structure, not bytes: the files are already hash-verified, so a failure here is recorded and alerted but
    // does not hold back the promotion (the onsite repository has the same problem; the copy is still exact).
    await runResticCheck(p, off, o.secrets, promoted, now(), log, (m) =>
      alert(o, p, 'damaged', m, log, now(), 'Run `restic check` on the onsite Pi and look at its output.'),
    );

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
    lostShare: i.finding.lostShare,
    ...(i.approved === i.finding.id && i.finding.blocked
      ? { approvedAt: end.toISOString() }
      : i.guardState.approvedAt
        ? { approvedAt: i.guardState.approvedAt }
        : {}),
  };
  writeJsonAtomic(p.guard, newGuard);
  const before = readStatus(p)?.lastRun?.result;
  const wasFailing = before !== undefined && before !== 'ok';
  // Publishing and the success ping go to different places: neither waits for the other.
  await Promise.all([
    finishStatus(o, p, end, run, log, ctx),
    endPing(o, ctx, 'success', log),
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
    `ok: ${promoted ? `promoted ${promoted}` : 'no change at the source'}; ${ctx.bytes} bytes received, ${ctx.verified} files verified`,
  );
  return {
    result: 'ok',
    run,
    ...(promoted ? { promoted } : {}),
    bytesTransferred: ctx.bytes,
    filesVerified: ctx.verified,
    filesTransferred: ctx.transferred,
    guard: i.finding,
  };
}

/** The run failure for files whose SHA-256 does not match their name (phase verify; there is no own kind). */
export function damagedFiles(bad: readonly HashMismatch[], from: string, tail: string): PiError {
  return new PiError(
    'failed',
    `${bad.length} file(s) ${from} are damaged: their SHA-256 does not match their name (first: ${bad[0]!.file}). ${tail}`,
    {
      phase: 'verify',
      hint: 'Run `restic check --read-data` on the onsite Pi; a damaged pack needs `restic rebuild-index` and a new backup.',
    },
  );
}

/**
 * Puts a copy of the newest generation's config into staging with a zero mtime, so rsync's quick check
 * (size and time) can never take it for unchanged: config always comes by content (a delta against this copy,
 * a few bytes), and a config changed without changing size or time still shows up. Never written through:
 * staging/config may be a hardlink into a generation left by an interrupted run.
 */
function seedConfig(staging: string, prevDir: string | undefined): void {
  const dst = join(staging, 'config');
  rmSync(dst, { force: true });
  if (!prevDir || !existsSync(join(prevDir, 'config'))) return;
  copyFileSync(join(prevDir, 'config'), dst);
  utimesSync(dst, 0, 0);
}

/**
 * Compares staging/config with the newest generation's byte for byte (restic never rewrites it). Equal: the
 * staged copy is replaced by a hardlink to the generation's, like every unchanged file. Different: the guard's
 * finding is extended; returns true when that blocks the run (not approved).
 */
export async function checkConfig(
  staging: string,
  prevDir: string | undefined,
  finding: GuardFinding,
  approved: string | undefined,
): Promise<boolean> {
  const prev = prevDir ? join(prevDir, 'config') : undefined;
  const staged = join(staging, 'config');
  if (!prev || !existsSync(prev)) return false;
  if (!existsSync(staged))
    throw new PiError(
      'repo-not-found',
      'The onsite repository has no config file: it is not a restic repository.',
      {
        phase: 'transfer',
      },
    );
  if (readFileSync(prev).equals(readFileSync(staged))) {
    unlinkSync(staged);
    linkSync(prev, staged);
    return false;
  }
  if (finding.configChanged) return false;
  finding.configChanged = true;
  finding.blocked = true;
  finding.reason = "Possible tampering at the source: the repository's config file changed.";
  finding.id = `${finding.id}-config`;
  return approved !== finding.id;
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

/**
 * Lists the given top-level repository entries in ONE rsync call, recursively and in argument order:
 * `--no-inc-recursive` makes the onsite rsync read each argument completely before the next (incremental
 * recursion would read directories in sorted order, data/ before snapshots/). The destination argument is
 * required by rsync's syntax for several sources; --list-only never creates it. Entries that do not exist
 * (a repository without locks/ yet) are skipped.
 */
async function listSource(o: RsyncOptions, paths: readonly string[], dest: string): Promise<RepoFile[]> {
  const host = `${o.endpoint.user}@${o.endpoint.host}`;
  const r = await runRsync(
    [
      '--list-only',
      '-r',
      '--no-inc-recursive',
      '--no-human-readable',
      ...paths.map((x, i) => (i === 0 ? `${host}:${x}` : `:${x}`)),
      dest,
    ],
    o,
  );
  const missingOnly =
    r.exitCode === 23 &&
    r.stderr
      .split('\n')
      .filter((l) => /^rsync(:| error:)/.test(l) && !/some files\/attrs were not transferred/.test(l))
      .every((l) => /No such file or directory/.test(l));
  if (r.exitCode !== 0 && !missingOnly) throw rsyncFailure(r, 'list', 'listing of the onsite repository');
  return parseListing(r.stdout).filter((f) => classify(f.path) !== 'other');
}

/**
 * Lists the whole source (snapshots, index, keys, config, locks, data, in that order) and, while restic locks
 * younger than `staleAfterMinutes` exist (an operation is in progress: a prune could delete packs under our
 * feet), polls locks/ alone and lists again once they are gone. Bounded by `locks.waitSeconds`; then PiError
 * `locked`. Returns the files to copy (locks left out).
 */
async function listWaitingForLocks(
  o: SyncOptions,
  r: RsyncOptions,
  dest: string,
  now: () => Date,
  log: Log,
): Promise<RepoFile[]> {
  const { waitSeconds, pollSeconds, staleAfterMinutes } = o.offsite.locks;
  const sleep = o.sleep ?? ((ms: number) => new Promise((res) => setTimeout(res, ms)));
  const began = now().getTime();
  const liveLocks = (files: readonly RepoFile[]) => {
    const t = now().getTime() / 1000;
    return files.filter((f) => classify(f.path) === 'locks' && t - f.mtime < staleAfterMinutes * 60);
  };
  for (;;) {
    const all = await listSource(r, ['snapshots', 'index', 'keys', 'config', 'locks', 'data'], dest);
    if (!all.some((f) => f.path === 'config'))
      throw new PiError(
        'repo-not-found',
        'The onsite repository has no config file: it is not (yet) a restic repository.',
        { phase: 'list', hint: 'Initialise it from a workstation (restic init) or check offsite.source.' },
      );
    let live = liveLocks(all);
    if (live.length === 0) return all.filter((f) => classify(f.path) !== 'locks');
    while (live.length > 0) {
      const t = now().getTime();
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
      live = liveLocks(await listSource(r, ['locks'], dest));
    }
  }
}

/** Bytes held in rsync's partial dirs under `dir` (interrupted files kept for resuming). */
function partialBytes(dir: string): number {
  let total = 0;
  const walk = (d: string, inPartial: boolean) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path, inPartial || e.name === '.rsync-partial');
      else if (inPartial && e.isFile()) total += statSync(path).size;
    }
  };
  walk(dir, false);
  return total;
}

/** One rsync of the listed files into staging (paths relative to the source root, via --files-from). */
async function fetchFiles(files: readonly RepoFile[], common: string[], o: RsyncOptions, staging: string) {
  if (files.length === 0)
    return { exitCode: 0, stdout: '', stderr: '', bytesReceived: 0, bytesSent: 0, fileBytes: 0 };
  const listFile = join(tmpdir(), `restray-pi-files-${process.pid}-${Date.now()}`);
  writeFileSync(listFile, files.map((f) => f.path).join('\n') + '\n', { mode: 0o600 });
  try {
    return await runRsync(
      [...common, `--files-from=${listFile}`, `${o.endpoint.user}@${o.endpoint.host}:`, `${staging}/`],
      o,
    );
  } finally {
    unlinkSync(listFile);
  }
}

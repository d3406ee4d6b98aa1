import {
  type Dirent,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
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
import { dirname, join } from 'node:path';
import type { PiRun } from '../../contract/pi-status.js';
import { pingHealthchecks, type Log } from './alerts.js';
import type { SshEndpoint } from './config.js';
import { PiError } from './errors.js';
import { updateJsonAtomic } from './fs-util.js';
import type { GuardFinding } from './guard.js';
import { runGuard } from './guard-reference.js';
import {
  localCpuHasAes,
  parseListingCpu,
  readOnsiteCpu,
  recordOnsiteCpu,
  transferCiphers,
} from './cipher.js';
import { HashPool, poolSize, type HashMismatch, type HashedFile } from './hash.js';
import {
  acquireRunLock,
  ensureLayout,
  listGenerations,
  offsitePaths,
  recordQuarantined,
  walkRepo,
  type LocalFile,
  type OffsitePaths,
} from './offsite-store.js';
import { watchLocks } from './lock-watch.js';
import { receivePush } from './push-receive.js';
import { damageMessages, settleDamaged, withoutQuarantined, type DamageOutcome } from './quarantine.js';
import { classify, fileId, parseFindListing, parseListing, REPO_LIST, type RepoFile } from './repo-files.js';
import { runResticCheck } from './restic-check.js';
import { readVerifyState } from './reverify.js';
import {
  launchRsync,
  runRemote,
  runRsync,
  rsyncFailure,
  sourceVanished,
  type RsyncOptions,
  type RsyncResult,
  type RunningRsync,
} from './rsync.js';
import {
  alert,
  applyRetention,
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
  type StagedFiles,
  type SyncOutcome,
} from './run-common.js';
import { carriedConnection, openSshMaster, type SshMaster } from './ssh-master.js';
import { nextTimerRun, readGuardState, readStatus, type GuardState } from './status.js';
import { inWindow } from './window.js';

export { applyRetention } from './run-common.js';
export type { SyncOptions, SyncOutcome } from './run-common.js';

const MAX_SOURCE_CHANGE_RETRIES = 3;

/**
 * One offsite sync, end to end. Pull mode (default): ONE rsync of the repository into staging/ starts at once
 * (restic's files only; unchanged files are already in place, so only new ones cross the network;
 * `--partial-dir` keeps interrupted files for the next run). Its ssh is the run's connection (see
 * carriedConnection); while its handshake runs, staging/ is filled with hardlinks to the newest generation and
 * the status upload's own connection opens. Once the connection is up, the listing of the source rides on it, in
 * the consistency order (snapshots, index, keys, config, locks, then data/ — so every pack an index names is
 * listed; a find(1) on the onsite Pi). With `ifChanged` a master connection of its own comes first, for the cheap
 * check, and the transfer rides on it. Live
 * restic locks do not stop the copy (only a retry waits for them, bounded; locks fresh at every run beyond
 * `locks.waitSeconds` are alerted); the guard, on the listing, stops it and blocks. Staging must then
 * hold exactly the listed files (else the source changed: the run starts over). Each new file is hashed on a
 * worker thread as soon as rsync has put it in place, so verification overlaps the transfer; every new file (by
 * inode) must have a matching SHA-256 (a mismatch is fetched once more, then healed from an
 * earlier generation or quarantined, see quarantine.ts) and config must
 * match the newest generation byte for byte. Then staging/ is promoted to generations/<UTC time>/ by rename,
 * retention applied, the optional `restic check` run, and the status written and published.
 * Alerts on failure, block and staleness.
 * Push mode: the same guard, verification, promotion and status, over what the onsite Pi pushed into incoming/
 * (see push-receive.ts). The rotating re-verification of old generations is `restray-pi reverify`.
 *
 * Never throws for expected failures: they end as result `failed` or `blocked` with the status written.
 * Throws PiError `locked` (run lock held by another run) before touching anything.
 * Side effects: files under the offsite root, network (rsync and ssh), alerts.
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
  const ctx: RunCtx = { bytes: 0, verified: 0, transferred: 0, phase: 'list', nextRun: nextTimerRun() };
  // The status upload comes up during that handshake (mostly waiting, not computing), so publishing at the end
  // costs no handshake. A failure here only means publishing connects on its own at the end (and reports its
  // error then).
  preparePublish(off, ctx);
  const pool = new HashPool(poolSize(off.verify.concurrency));
  try {
    if (off.mode === 'push') return await receivePush(o, p, ctx, pool, start, now, log);
    return await pullLocked(o, p, off.source!, ctx, pool, start, now, log);
  } catch (e) {
    return await finishFailed(o, p, ctx, start, now(), e, log);
  } finally {
    release();
    await Promise.all([ctx.closing, pool.close(), closePublish(ctx)]);
  }
}

/**
 * Hashes files while rsync is still receiving others: each file as soon as rsync reports it (rsync reports a
 * file just before renaming it into place, so the hash waits for it to appear). Results are tied to the inode
 * that was read: a file replaced afterwards (a retry, a second fetch) is hashed again.
 */
class LiveVerifier {
  private readonly results = new Map<string, Promise<HashedFile | { error: string }>>();
  constructor(
    private readonly pool: HashPool,
    private readonly root: string,
  ) {}

  /** rsync reported `path` (relative to the staging root). */
  reported(path: string): void {
    if (fileId(path))
      this.results.set(path, this.pool.hash({ path: join(this.root, path), sync: true, waitMs: 250 }));
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
  ctx: RunCtx,
  pool: HashPool,
  start: Date,
  now: () => Date,
  log: Log,
): Promise<SyncOutcome> {
  const off = o.offsite;
  const gens = listGenerations(p);
  const prevName = gens.at(-1);
  const prevDir = prevName ? join(p.generations, prevName) : undefined;
  // The newest generation's files, read while the transfer connects (not before: that would delay its start).
  let prev: { files: LocalFile[]; rotten: Set<string> } | undefined;
  let prevMap: Map<string, LocalFile> | undefined;
  const readPrevious = () => {
    if (prev) return prev;
    const files = prevDir ? walkRepo(prevDir) : [];
    prevMap = prevDir ? new Map(files.map((f) => [f.path, f])) : undefined;
    // Files re-verification found rotten in the newest generation: not carried over, fetched afresh.
    const rotten = new Set(
      readVerifyState(p)
        .damaged.filter((d) => prevName !== undefined && d.generations.includes(prevName))
        .map((d) => d.file),
    );
    return (prev = { files, rotten });
  };
  const listDest = join(p.state, 'list-only');
  const rsyncOpts: RsyncOptions = {
    rsyncPath: off.rsync.rsyncPath,
    endpoint: source,
    ssh: off.ssh,
    timeout: off.rsync.timeout,
    bwlimitKiB: off.rsync.bwlimitKiB,
    signal: o.signal,
  };
  // Connections of the run, closed at its end: a master of its own only for the change check (it must list
  // before any transfer); otherwise each transfer carries the connection the run's other sessions ride on.
  const opened: SshMaster[] = [];

  const common = [
    '-t',
    '--chmod=D0755,F0444',
    '--partial-dir=.rsync-partial',
    '--stats',
    '--no-human-readable',
    ...(prevDir ? [`--link-dest=${prevDir}`] : []),
  ];
  // For second fetches: the bytes must come from the source.
  const fresh = common.filter((a) => !a.startsWith('--link-dest='));
  let transfer: RunningRsync | undefined;
  let partialBefore = 0;
  // What a transfer moved, counted also when it was stopped or cut: a cut run prints no totals and reports only
  // whole files, so what rsync kept of the file it was receiving (in the partial dir, to resume from) counts too.
  const count = (r: RsyncResult) => {
    ctx.bytes += r.bytesReceived;
    if (r.exitCode !== 0) ctx.bytes += Math.max(0, partialBytes(p.staging) - partialBefore);
  };
  const stopTransfer = async () => {
    const t = transfer;
    transfer = undefined;
    if (t) count(await t.stop());
  };
  let lockWaitBegan: number | undefined;
  try {
    // The cipher: AES-GCM first when both CPUs have AES instructions (see cipher.ts). The onsite side is known
    // from the last listing; on the first run here, one listing on a connection of its own asks, so that even
    // the first (full) transfer gets it. It fails like the run's own listing would.
    const localAes = off.cipher === 'auto' && localCpuHasAes();
    let onsiteCpu = readOnsiteCpu(p);
    if (localAes && !onsiteCpu) onsiteCpu = recordOnsiteCpu(p, (await listAll(rsyncOpts, listDest)).cpu);
    rsyncOpts.ssh = { ...off.ssh, ciphers: transferCiphers(off.cipher, localAes, onsiteCpu) };
    for (let attempt = 1; ;) {
      ctx.phase = 'list';
      if (o.ifChanged && prevDir && attempt === 1 && lockWaitBegan === undefined) {
        // The cheap check lists only snapshots, keys and config: a 10-minute timer must not list every pack.
        const opening = openSshMaster(source, rsyncOpts.ssh, o.signal);
        readPrevious();
        rsyncOpts.master = await opening;
        opened.push(rsyncOpts.master);
        const meta = await listSource(rsyncOpts, ['snapshots', 'keys', 'config'], listDest);
        if (!sourceChangedSince(meta, prevMap!)) {
          log('no new snapshots, keys or config at the source; nothing to do');
          return { result: 'skipped', bytesTransferred: ctx.bytes, filesVerified: 0, filesTransferred: 0 };
        }
      }
      stageConfig(p.staging, prevDir);
      partialBefore = partialBytes(p.staging);
      const live = new LiveVerifier(pool, p.staging);
      // The transfer starts first and runs alongside the listing, like a plain rsync of the repository (restic's
      // files only, never locks/): waiting for the listing first would put a second walk of the source on every
      // run's path. Without a live master it opens the run's connection itself (see carriedConnection). The
      // listing decides what is promoted; the transfer is stopped if the listing shows live locks or the guard
      // blocks, and whatever it saw that the listing did not is dropped before verification.
      const carried =
        rsyncOpts.master?.exited === false ? undefined : carriedConnection(source, rsyncOpts.ssh);
      const running = launchRsync(
        [...common, '-r', ...REPO_FILES, `${source.user}@${source.host}:`, `${p.staging}/`],
        {
          ...rsyncOpts,
          ...(carried ? { rsh: carried.carrierRsh, master: undefined } : {}),
          onFile: (f) => live.reported(f),
        },
      );
      transfer = running;
      if (carried) {
        carried.carriedBy(running.result);
        rsyncOpts.master = carried;
        opened.push(carried);
      }
      // While it connects: the newest generation is hardlinked into staging/ (see linkPrevious).
      const { files: prevFiles, rotten } = readPrevious();
      const ready = carried?.ready() ?? Promise.resolve();
      await linkPrevious(p.staging, prevDir, prevFiles, rotten, ready);
      if (carried) {
        await ready;
        // The transfer ended before its connection could carry anything: that is the run's error.
        const early = carried.exited ? await running.result : undefined;
        if (early && early.exitCode !== 0 && !sourceVanished(early) && early.exitCode !== 23)
          throw rsyncFailure(early, 'list', 'connection to the onsite Pi');
      }
      const listing = listAll(rsyncOpts, listDest);
      // While the other side starts up: the start ping, and a hash thread for the first file.
      ctx.startPing ??= pingHealthchecks('start', o.secrets, o.config.alerts, log);
      pool.warm();
      const { files: all, cpu } = await listing;
      if (off.cipher === 'auto') recordOnsiteCpu(p, cpu);
      if (!all.some((f) => f.path === 'config'))
        throw new PiError(
          'repo-not-found',
          'The onsite repository has no config file: it is not (yet) a restic repository.',
          { phase: 'list', hint: 'Initialise it from a workstation (restic init) or check offsite.source.' },
        );
      // [guard: locks never stop copies] A copy in the consistency order is consistent when nothing it listed
      // vanished meanwhile (settleStaging, sourceVanished), whatever locks exist: locks only make a retry wait.
      const locks = liveLocks(o, all, now);
      const stuck = watchLocks(p, locks, now(), off.locks.waitSeconds);
      if (stuck) await alert(o, p, 'lock-stuck', stuck, log, now(), LOCK_HINT);
      const waitOutLocks = async () => {
        if (locks.length === 0) return;
        lockWaitBegan ??= now().getTime();
        await waitForLocks(o, rsyncOpts, listDest, locks.length, lockWaitBegan, now, log);
      };
      const current = all.filter((f) => classify(f.path) !== 'locks');
      o.onPhase?.('list', { bytes: ctx.bytes });

      ctx.phase = 'guard';
      const guardState = readGuardState(p, off.guard.maxLostShare);
      const finding = runGuard(p, off, prevMap, current, now(), guardState);
      const approved = readApproval(p);
      if (finding.blocked && approved !== finding.id) {
        await stopTransfer();
        return await finishBlocked(o, p, ctx, start, now(), finding, guardState, log);
      }

      ctx.phase = 'transfer';
      const r = await transfer.result;
      transfer = undefined;
      count(r);
      if (sourceVanished(r)) {
        if (attempt++ < MAX_SOURCE_CHANGE_RETRIES) {
          await waitOutLocks();
          continue;
        }
        throw sourceChanged();
      }
      if (r.exitCode !== 0) throw rsyncFailure(r, 'transfer', 'transfer from the onsite Pi');
      // Files re-verification found rotten in the newest generation may have come by --link-dest like any other:
      // replace them with a fresh copy, so the damage does not carry into the new generation.
      const refetch = current.filter((f) => rotten.has(f.path));
      if (refetch.length > 0) {
        for (const f of refetch) rmSync(join(p.staging, f.path), { force: true });
        const rr = await fetchFiles(refetch, fresh, rsyncOpts, p.staging);
        ctx.bytes += rr.bytesReceived;
        if (rr.exitCode !== 0 && !sourceVanished(rr))
          throw rsyncFailure(rr, 'transfer', 'fresh copy of damaged files');
      }
      // Staging now holds exactly what the listing saw, or the source changed between listing and transfer.
      const staged = settleStaging(p.staging, current);
      if (!staged) {
        if (attempt++ < MAX_SOURCE_CHANGE_RETRIES) {
          await waitOutLocks();
          continue;
        }
        throw sourceChanged();
      }
      o.onPhase?.('data', { bytes: ctx.bytes });
      o.onPhase?.('snapshots', { bytes: ctx.bytes });

      const blocked = await checkConfig(p.staging, prevDir, finding, approved);
      if (blocked) return await finishBlocked(o, p, ctx, start, now(), finding, guardState, log);
      // checkConfig may have replaced staging/config by a hardlink: its entry gets the inode now there.
      const files = staged.files.map((f) =>
        f.path === 'config' ? { ...f, ino: lstatSync(join(p.staging, 'config')).ino } : f,
      );
      let settled: StagedFiles | undefined = { files, partialDirs: staged.partialDirs };
      let damage: DamageOutcome | undefined;

      ctx.phase = 'verify';
      const newFiles = files.filter((f) => fileId(f.path) && !(prevMap?.get(f.path)?.ino === f.ino));
      ctx.transferred = newFiles.length;
      let bad = await live.check(newFiles);
      ctx.verified += newFiles.length;
      if (bad.length > 0) {
        log(`verify: ${bad.length} file(s) do not match their SHA-256 name; fetching them once more`);
        for (const b of bad) rmSync(join(p.staging, b.file), { force: true });
        const again = current.filter((f) => bad.some((b) => b.file === f.path));
        const rr = await fetchFiles(again, fresh, rsyncOpts, p.staging);
        ctx.bytes += rr.bytesReceived;
        if (rr.exitCode !== 0 && !sourceVanished(rr))
          throw rsyncFailure(rr, 'transfer', 'second fetch of damaged files');
        settled = undefined; // changed since the walk: promotion walks it again
        const names = new Set(again.map((f) => f.path));
        bad = await live.check(walkRepo(p.staging).filter((f) => names.has(f.path)));
        ctx.verified += again.length;
        // [guard: no single file stops the copy] healed from an earlier generation, or quarantined.
        if (bad.length > 0) damage = await settleDamaged(p, bad, pool, now());
      }
      o.onPhase?.('verify', { bytes: ctx.bytes });
      // [guard: junk does not offset a loss] quarantined files' bytes were counted as new packs: judge again.
      const verdict =
        damage?.quarantined.length && !finding.blocked
          ? runGuard(p, off, prevMap, withoutQuarantined(current, damage), now(), guardState)
          : finding;
      if (verdict.blocked && approved !== verdict.id)
        return await finishBlocked(o, p, ctx, start, now(), verdict, guardState, log);
      // The connections and the hash threads are done: let them end while the run promotes and publishes.
      ctx.closing = Promise.all([...opened.splice(0).map((m) => m.close()), pool.close()]).then(
        () => undefined,
      );
      return await finishOk(o, p, ctx, start, now, log, {
        staged: settled,
        prevName,
        prevMap,
        finding: verdict,
        approved,
        guardState,
        damage,
      });
    }
  } finally {
    await stopTransfer();
    await Promise.all(opened.map((m) => m.close()));
  }
}

/**
 * rsync filter rules for a transfer of the whole repository that takes only names restic reads: config and
 * 64-hex IDs in keys/, index/, snapshots/ and data/<2 hex>/. Everything else is not even looked at: locks/,
 * temp files, strays.
 */
const HEX = '[0-9a-f]';
const ID = HEX.repeat(64);
const REPO_FILES = [
  '--include=/config',
  ...['keys', 'index', 'snapshots'].flatMap((d) => [`--include=/${d}/`, `--include=/${d}/${ID}`]),
  '--include=/data/',
  `--include=/data/${HEX}${HEX}/`,
  `--include=/data/${HEX}${HEX}/${ID}`,
  '--exclude=*',
];

/**
 * Makes staging/ hold what the listing saw: removes every file the listing did not name (one the transfer saw
 * that was added meanwhile, a leftover of an interrupted run, a stray), keeping rsync's partial dirs. Returns the
 * staged files, or undefined when a listed file is missing or differs in size or time: the source changed
 * between listing and transfer.
 */
function settleStaging(staging: string, current: readonly RepoFile[]): StagedFiles | undefined {
  const listed = new Map(current.map((f) => [f.path, f]));
  const files: LocalFile[] = [];
  const partialDirs: string[] = [];
  for (const f of walkRepo(staging, partialDirs)) {
    const l = listed.get(f.path);
    if (!l) rmSync(join(staging, f.path), { force: true });
    else if (l.size === f.size && l.mtime === f.mtime) files.push(f);
  }
  return files.length === listed.size ? { files, partialDirs } : undefined;
}

/** What {@link finishOk} needs to know about the run's starting point and the guard's verdict. */
export interface PromoteInput {
  /** staging/ as last walked, when nothing changed it since (else promotion walks it). */
  staged?: StagedFiles | undefined;
  prevName: string | undefined;
  prevMap: ReadonlyMap<string, LocalFile> | undefined;
  finding: GuardFinding;
  approved: string | undefined;
  guardState: GuardState;
  /** Files that failed verification twice and were healed or quarantined (see settleDamaged). */
  damage?: DamageOutcome | undefined;
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
  const promoted = promote(p, i.prevName, i.prevMap, now(), i.staged);
  if (promoted && i.damage?.quarantined.length) recordQuarantined(p, promoted, i.damage.quarantined);
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
    // An approved loss is not counted again: older generations stop serving as the guard's reference.
    ...(i.approved === i.finding.id && i.finding.blocked && promoted
      ? { baseline: promoted }
      : i.guardState.baseline
        ? { baseline: i.guardState.baseline }
        : {}),
  };
  updateJsonAtomic(p.guard, newGuard);
  const before = readStatus(p)?.lastRun?.result;
  const wasFailing = before !== undefined && before !== 'ok';
  const dm = i.damage ? damageMessages(i.damage) : {};
  // Publishing and the success ping go to different places: neither waits for the other.
  await Promise.all([
    dm.healed
      ? alert(o, p, 'onsite-damage', dm.healed, log, end, 'Run `restic check --read-data` on the onsite Pi.')
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
 * Starts staging/ for a transfer: config is a copy of the newest generation's with a zero mtime, so rsync's
 * quick check (size and time) can never take it for unchanged: it always comes by content (a delta against this
 * copy, a few bytes), and a config changed without changing size or time still shows up. Never written through:
 * it may be a hardlink left by an interrupted run.
 */
function stageConfig(staging: string, prevDir: string | undefined): void {
  mkdirSync(staging, { recursive: true });
  const config = join(staging, 'config');
  rmSync(config, { force: true });
  if (prevDir && existsSync(join(prevDir, 'config'))) {
    copyFileSync(join(prevDir, 'config'), config);
    utimesSync(config, 0, 0);
  }
}

/**
 * Makes staging/ an up-to-date copy as far as the newest generation goes, so the transfer finds unchanged files
 * in place and moves only new ones, like a plain rsync into an existing copy. Runs while the transfer connects:
 * - `rotten` files (re-verification found them damaged) are not linked (the caller fetches them afresh after the
 *   transfer, whose --link-dest may have linked them);
 * - the generation's other files are hardlinked where staging has nothing at that path (what an interrupted run
 *   left stays), until `until` settles (the connection is up: rsync's file list follows soon, and from then on
 *   its `--link-dest` links the rest as it goes, so a large repository does not hold the transfer back and the
 *   two never race for a name). rsync never writes into an existing file: new data goes to a temp file renamed
 *   over the link, so the generation's inodes are never touched.
 */
async function linkPrevious(
  staging: string,
  prevDir: string | undefined,
  prevFiles: readonly LocalFile[],
  rotten: ReadonlySet<string>,
  until: Promise<unknown>,
): Promise<void> {
  if (!prevDir) return;
  const dirs = new Set<string>();
  let stop = false;
  void until.then(
    () => (stop = true),
    () => (stop = true),
  );
  for (let i = 0; i < prevFiles.length && !stop; i++) {
    const f = prevFiles[i]!;
    if (!fileId(f.path) || rotten.has(f.path)) continue;
    const dst = join(staging, f.path);
    if (!dirs.has(dirname(dst))) mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
    dirs.add(dirname(dst));
    try {
      linkSync(join(prevDir, f.path), dst);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // Let the connection's arrival be noticed.
    if (i % 128 === 127) await new Promise((r) => setImmediate(r));
  }
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
 * Lists the whole source (snapshots, index, keys, config, locks, data: each read completely before the next, so
 * every pack an index names is listed) in one session: the pull key's forced command answers REPO_LIST with a
 * find(1) of the repository, which costs the onsite Pi far less than starting rrsync. An onsite Pi provisioned
 * before that (forced command `rrsync -ro` alone) refuses it; then rsync lists, in the same order.
 */
async function listAll(
  r: RsyncOptions,
  dest: string,
): Promise<{ files: RepoFile[]; cpu: { aes: boolean } | undefined }> {
  const res = await runRemote(REPO_LIST, r);
  if (/rrsync/i.test(res.stderr))
    return {
      files: await listSource(r, ['snapshots', 'index', 'keys', 'config', 'locks', 'data'], dest),
      cpu: undefined,
    };
  // find reports a missing starting point (a repository without locks/ yet) and goes on with the others.
  const missingOnly =
    res.exitCode === 1 &&
    res.stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      .every((l) => /No such file or directory/.test(l));
  if (res.exitCode !== 0 && !missingOnly) throw rsyncFailure(res, 'list', 'listing of the onsite repository');
  return {
    files: parseFindListing(res.stdout).filter((f) => classify(f.path) !== 'other'),
    cpu: parseListingCpu(res.stdout),
  };
}

/** restic locks in a listing younger than `locks.staleAfterMinutes`: an operation in progress. */
function liveLocks(o: SyncOptions, files: readonly RepoFile[], now: () => Date): RepoFile[] {
  const t = now().getTime() / 1000;
  const max = o.offsite.locks.staleAfterMinutes * 60;
  return files.filter((f) => classify(f.path) === 'locks' && t - f.mtime < max);
}

const LOCK_HINT =
  'On the onsite Pi, `restic list locks` and `restic cat lock ID` name the host and process holding it; `restic unlock` removes stale ones.';

/**
 * Polls locks/ alone until no live restic lock is left (files vanished during a copy while an operation was in
 * progress: a prune deleting packs under our feet). Bounded by `locks.waitSeconds` from `began`: then it returns
 * anyway, so that locks alone never stop copies (the retry's own consistency check decides).
 */
async function waitForLocks(
  o: SyncOptions,
  r: RsyncOptions,
  dest: string,
  live: number,
  began: number,
  now: () => Date,
  log: Log,
): Promise<void> {
  const { waitSeconds, pollSeconds } = o.offsite.locks;
  const sleep = o.sleep ?? ((ms: number) => new Promise((res) => setTimeout(res, ms)));
  for (; live > 0; live = liveLocks(o, await listSource(r, ['locks'], dest), now).length) {
    const t = now().getTime();
    if (t - began >= waitSeconds * 1000) {
      log(
        `source still has ${live} live lock(s) after ${Math.round((t - began) / 1000)} s; copying regardless`,
      );
      return;
    }
    log(`source has ${live} live lock(s); waiting ${pollSeconds} s`);
    await sleep(pollSeconds * 1000);
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

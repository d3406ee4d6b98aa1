import { lstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SshEndpoint } from '../config.js';
import { PiError } from '../errors.js';
import { localCpuHasAes, readOnsiteCpu, recordOnsiteCpu, transferCiphers } from '../link/cipher.js';
import {
  launchRsync,
  rsyncFailure,
  sourceVanished,
  type RsyncOptions,
  type RsyncResult,
  type RunningRsync,
} from '../link/rsync.js';
import { carriedConnection, openSshMaster, type SshMaster } from '../link/ssh-master.js';
import { classify, fileId } from '../repo-files.js';
import type { StagedFiles } from './commit.js';
import { crashPoint } from './crash-point.js';
import { LiveVerifier } from './live-verifier.js';
import { watchLocks } from './lock-watch.js';
import { listAll, listSource, liveLocks, waitForLocks } from './pull-listing.js';
import {
  fetchFiles,
  linkPrevious,
  partialBytes,
  REPO_FILES,
  settleStaging,
  stageConfig,
} from './pull-staging.js';
import { sourceChangedSince, type OffsiteRun, type SyncOutcome } from './run.js';
import { settleDamaged, type DamageOutcome } from './quarantine.js';
import { alert } from './report.js';
import { walkRepo } from './store.js';

const MAX_SOURCE_CHANGE_RETRIES = 3;

/**
 * The source phases of a pull (list, transfer, verify), then the run's common end ({@link OffsiteRun.conclude}).
 * ONE rsync of the repository into the run's staging folder starts at once (restic's files only; unchanged files
 * are already in place, so only new ones cross the network; `--partial-dir` keeps interrupted files for the next
 * run). Its ssh is the run's connection (see carriedConnection); while its handshake runs, the staging folder is
 * filled with hardlinks to the newest generation. Once the connection is up, the listing of the source rides on
 * it, in the consistency order (snapshots, index, keys, config, locks, then data/ — so every pack an index names
 * is listed; a find(1) on the onsite Pi). With `ifChanged` a master connection of its own comes first, for the
 * cheap check, and the transfer rides on it. Live restic locks do not stop the copy (only a retry waits for
 * them, bounded; locks fresh at every run beyond `locks.waitSeconds` are alerted); the guard, on the listing,
 * stops it and blocks. Staging must then hold exactly the listed files (else the source changed: the
 * run starts over). Each new file is hashed on a worker thread as soon as rsync has put it in place, so
 * verification overlaps the transfer; every new file (by inode) must have a matching SHA-256 (a mismatch is
 * fetched once more, then healed from an earlier generation or quarantined, see quarantine.ts) and config must match the newest generation byte for byte.
 *
 * Throws PiError for expected failures (the caller turns them into a failed run); ends every rsync and ssh it
 * started before it returns or throws.
 */
export async function pull(run: OffsiteRun, source: SshEndpoint): Promise<SyncOutcome> {
  const { o, off, p, staging, pool, now, log } = run;
  const { dir: prevDir } = run.newest;
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
    run.bytes += r.bytesReceived;
    if (r.exitCode !== 0) run.bytes += Math.max(0, partialBytes(staging) - partialBefore);
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
      run.phase = 'list';
      if (o.ifChanged && prevDir && attempt === 1 && lockWaitBegan === undefined) {
        // The cheap check lists only snapshots, keys and config: a 10-minute timer must not list every pack.
        const opening = openSshMaster(source, rsyncOpts.ssh, o.signal);
        const { map } = run.previous();
        rsyncOpts.master = await opening;
        opened.push(rsyncOpts.master);
        const meta = await listSource(rsyncOpts, ['snapshots', 'keys', 'config'], listDest);
        if (!sourceChangedSince(meta, map!))
          return run.skipped('no new snapshots, keys or config at the source; nothing to do');
      }
      stageConfig(staging, prevDir);
      partialBefore = partialBytes(staging);
      const live = new LiveVerifier(pool, staging);
      // The transfer starts first and runs alongside the listing, like a plain rsync of the repository (restic's
      // files only, never locks/): waiting for the listing first would put a second walk of the source on every
      // run's path. Without a live master it opens the run's connection itself (see carriedConnection). The
      // listing decides what is promoted; the transfer is stopped if the listing shows live locks or the guard
      // blocks, and whatever it saw that the listing did not is dropped before verification. It writes only
      // into this run's staging folder.
      const carried =
        rsyncOpts.master?.exited === false ? undefined : carriedConnection(source, rsyncOpts.ssh);
      const running = launchRsync(
        [...common, '-r', ...REPO_FILES, `${source.user}@${source.host}:`, `${staging}/`],
        {
          ...rsyncOpts,
          ...(carried ? { rsh: carried.carrierRsh, master: undefined } : {}),
          onFile: (f) => {
            live.reported(f);
            crashPoint('transfer:file');
          },
        },
      );
      transfer = running;
      if (carried) {
        carried.carriedBy(running.result);
        rsyncOpts.master = carried;
        opened.push(carried);
      }
      // While it connects: the newest generation is hardlinked into the staging folder (see linkPrevious).
      const { files: prevFiles, rotten, map: prevMap } = run.previous();
      const ready = carried?.ready() ?? Promise.resolve();
      await linkPrevious(staging, prevDir, prevFiles, rotten, ready);
      if (carried) {
        await ready;
        // The transfer ended before its connection could carry anything: that is the run's error.
        const early = carried.exited ? await running.result : undefined;
        if (early && early.exitCode !== 0 && !sourceVanished(early) && early.exitCode !== 23)
          throw rsyncFailure(early, 'list', 'connection to the onsite Pi');
      }
      const listing = listAll(rsyncOpts, listDest);
      // While the other side starts up: the start ping, and a hash thread for the first file.
      run.pingStart();
      pool.warm();
      const { files: all, cpu } = await listing;
      if (off.cipher === 'auto') recordOnsiteCpu(p, cpu);
      if (!all.some((f) => f.path === 'config'))
        throw new PiError(
          'repo-not-found',
          'The onsite repository has no config file: it is not (yet) a restic repository.',
          { phase: 'list', hint: 'Initialise it from a workstation (restic init) or check offsite.source.' },
        );
      // Locks never stop copies: a copy in the consistency order is consistent when nothing it listed vanished
      // meanwhile (settleStaging, sourceVanished), whatever locks exist; locks only make a retry wait.
      const locks = liveLocks(off, all, now);
      const stuck = watchLocks(p, locks, now(), off.locks.waitSeconds);
      if (stuck) await alert(o, p, 'lock-stuck', stuck, log, now(), LOCK_HINT);
      const waitOutLocks = async () => {
        if (locks.length === 0) return;
        lockWaitBegan ??= now().getTime();
        await waitForLocks(off, rsyncOpts, listDest, locks.length, lockWaitBegan, now, log, o.sleep);
      };
      const current = all.filter((f) => classify(f.path) !== 'locks');
      o.onPhase?.('list', { bytes: run.bytes });
      crashPoint('list:done');

      const verdict = run.judge(current);
      if (verdict.blocked) {
        await stopTransfer();
        return await run.blocked(verdict);
      }

      run.phase = 'transfer';
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
        for (const f of refetch) rmSync(join(staging, f.path), { force: true });
        const rr = await fetchFiles(refetch, fresh, rsyncOpts, staging);
        run.bytes += rr.bytesReceived;
        if (rr.exitCode !== 0 && !sourceVanished(rr))
          throw rsyncFailure(rr, 'transfer', 'fresh copy of damaged files');
      }
      // Staging now holds exactly what the listing saw, or the source changed between listing and transfer.
      const staged = settleStaging(staging, current);
      if (!staged) {
        if (attempt++ < MAX_SOURCE_CHANGE_RETRIES) {
          await waitOutLocks();
          continue;
        }
        throw sourceChanged();
      }
      o.onPhase?.('data', { bytes: run.bytes });
      o.onPhase?.('snapshots', { bytes: run.bytes });
      crashPoint('transfer:done');

      if (run.checkConfig(verdict)) return await run.blocked(verdict);
      // checkConfig may have replaced the staged config by a hardlink: its entry gets the inode now there.
      const files = staged.files.map((f) =>
        f.path === 'config' ? { ...f, ino: lstatSync(join(staging, 'config')).ino } : f,
      );
      let settled: StagedFiles | undefined = { files, partialDirs: staged.partialDirs };
      let damage: DamageOutcome | undefined;

      run.phase = 'verify';
      const newFiles = files.filter((f) => fileId(f.path) && !(prevMap?.get(f.path)?.ino === f.ino));
      run.transferred = newFiles.length;
      let bad = await live.check(newFiles);
      run.verified += newFiles.length;
      if (bad.length > 0) {
        log(`verify: ${bad.length} file(s) do not match their SHA-256 name; fetching them once more`);
        for (const b of bad) rmSync(join(staging, b.file), { force: true });
        const again = current.filter((f) => bad.some((b) => b.file === f.path));
        const rr = await fetchFiles(again, fresh, rsyncOpts, staging);
        run.bytes += rr.bytesReceived;
        if (rr.exitCode !== 0 && !sourceVanished(rr))
          throw rsyncFailure(rr, 'transfer', 'second fetch of damaged files');
        settled = undefined; // changed since the walk: promotion walks it again
        const names = new Set(again.map((f) => f.path));
        bad = await live.check(walkRepo(staging).filter((f) => names.has(f.path)));
        run.verified += again.length;
        // No single file stops the copy: healed from an earlier generation, or quarantined.
        if (bad.length > 0) damage = await settleDamaged(p, staging, bad, pool, now());
      }
      o.onPhase?.('verify', { bytes: run.bytes });
      crashPoint('verify:done');
      // Quarantined files' bytes were counted as new packs: the guard judges again without them.
      const final = run.rejudge(verdict, current, damage);
      if (final.blocked) return await run.blocked(final);
      // The connections and the hash threads are done: let them end while the run promotes and publishes.
      run.closing = Promise.all([...opened.splice(0).map((m) => m.close()), pool.close()]).then(
        () => undefined,
      );
      return await run.conclude(final, settled, damage);
    }
  } finally {
    await stopTransfer();
    await Promise.all(opened.map((m) => m.close()));
  }
}

const LOCK_HINT =
  'On the onsite Pi, `restic list locks` and `restic cat lock ID` name the host and process holding it; `restic unlock` removes stale ones.';

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

import type { Log } from '../alerts.js';
import type { OffsiteConfig } from '../config.js';
import { parseListingCpu } from '../link/cipher.js';
import { runRemote, runRsync, rsyncFailure, type RsyncOptions } from '../link/rsync.js';
import { classify, parseFindListing, parseListing, REPO_LIST, type RepoFile } from '../repo-files.js';

// The list phase of a pull: what the onsite repository holds, in restic's consistency order.

/**
 * Lists the given top-level repository entries in ONE rsync call, recursively and in argument order:
 * `--no-inc-recursive` makes the onsite rsync read each argument completely before the next (incremental
 * recursion would read directories in sorted order, data/ before snapshots/). The destination argument is
 * required by rsync's syntax for several sources; --list-only never creates it. Entries that do not exist
 * (a repository without locks/ yet) are skipped.
 */
export async function listSource(
  o: RsyncOptions,
  paths: readonly string[],
  dest: string,
): Promise<RepoFile[]> {
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
export async function listAll(
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
export function liveLocks(off: OffsiteConfig, files: readonly RepoFile[], now: () => Date): RepoFile[] {
  const t = now().getTime() / 1000;
  const max = off.locks.staleAfterMinutes * 60;
  return files.filter((f) => classify(f.path) === 'locks' && t - f.mtime < max);
}

/**
 * Polls locks/ alone until no live restic lock is left (files vanished during a copy while an operation was in
 * progress: a prune deleting packs under our feet). Bounded by `locks.waitSeconds` from `began`: then it returns
 * anyway, so that locks alone never stop copies (the retry's own consistency check decides).
 */
export async function waitForLocks(
  off: OffsiteConfig,
  r: RsyncOptions,
  dest: string,
  live: number,
  began: number,
  now: () => Date,
  log: Log,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((res) => setTimeout(res, ms)),
): Promise<void> {
  const { waitSeconds, pollSeconds } = off.locks;
  for (; live > 0; live = liveLocks(off, await listSource(r, ['locks'], dest), now).length) {
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

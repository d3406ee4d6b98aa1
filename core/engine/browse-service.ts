import type { DirEntry, SearchHit, Snapshot as UiSnapshot, SnapshotDiff } from '../../contract/browse.js';
import type { RunRecord } from '../../contract/app-state.js';
import type { Snapshot } from '../../contract/restic.js';
import { RestrayError } from '../errors.js';
import * as restic from '../restic/index.js';
import { entryType, SnapshotTree, sortEntries, toDirEntry } from './tree-cache.js';

const DIFF_LIMIT = 5000;
const TREE_CACHE_SNAPSHOTS = 2;

/**
 * The contract's snapshot, with data added from the run history when a backup of ours made it. A later backup
 * that restic skipped as unchanged names the same snapshot but made nothing: it is not the one that made it.
 */
export function toUiSnapshot(s: Snapshot, runs: RunRecord[]): UiSnapshot {
  const run = runs.find(
    (r) =>
      r.backup &&
      !r.backup.unchanged &&
      (s.id.startsWith(r.backup.snapshotId) || r.backup.snapshotId === s.id),
  );
  return {
    id: s.id,
    time: new Date(s.time).toISOString(),
    hostname: s.hostname,
    username: s.username,
    paths: s.paths,
    tags: s.tags,
    ...(run?.backup ? { dataAdded: run.backup.dataAdded } : {}),
  };
}

interface CachedTree {
  tree: SnapshotTree;
  /** Settles when the background listing has ended (complete or failed). */
  filling: Promise<void>;
  /** Stops the background listing. */
  stop: AbortController;
}

/**
 * Browsing snapshots for the restore wizard. The first folder of a snapshot is answered by one
 * `restic ls SNAP DIR`; at the same time a full `restic ls` stream fills a compact tree in the background. While
 * it runs, a folder is answered by whichever has it first: the tree as soon as the stream has left that folder
 * (restic lists depth first), or a `restic ls SNAP DIR` started for it, which is stopped when the tree wins.
 * Once the stream is through, every folder answers from memory. Two snapshot trees are kept (the one being
 * browsed and the previous one); the listing of a tree dropped from the cache is stopped.
 *
 * The full stream's restic runs at the lowest CPU priority (nice 19). Measured on the benchmark's 1M-file
 * snapshot (two cores): started with the first folder at equal priority, both restic processes loaded the key
 * and index at once and the first folder took 1.2–1.8 × as long; started after the first folder's answer, the
 * whole tree was ready ~0.7 s later (×1.15–1.19 of a full `restic ls` instead of ×1.07–1.13). At nice 10 the
 * first folder still lost ~10 %, at nice 19 ~5 %.
 */
export class BrowseService {
  private readonly trees = new Map<string, CachedTree>();

  /** Children of `dir` in `snapshot`, folders first. `not-found` for a path that is not a folder there. */
  async listDir(
    ctx: restic.ResticContext,
    cacheKey: string,
    snapshot: string,
    dir: string,
  ): Promise<DirEntry[]> {
    const key = `${cacheKey}\u0000${snapshot}`;
    const cached = this.trees.get(key);
    if (cached) {
      // Most recently used last: the cache drops the snapshot browsed longest ago.
      this.trees.delete(key);
      this.trees.set(key, cached);
    }
    const tree = cached?.tree;
    if (tree?.complete) {
      if (dir !== '/' && !tree.has(dir)) return [];
      return tree.children(dir);
    }
    if (tree?.answers(dir)) return tree.children(dir);
    const stop = new AbortController();
    const fromRestic = restic
      .ls(ctx, { snapshot, dir, signal: stop.signal })
      .then((r) => sortEntries(r.entries.map(toDirEntry)));
    if (!tree) {
      this.fill(ctx, key, snapshot);
      return await fromRestic;
    }
    let unwatch = () => {};
    // The folder from the tree, or undefined when the tree cannot tell (its listing failed).
    const fromTree = new Promise<DirEntry[] | undefined>((resolve) => {
      unwatch = tree.watch(dir, (known) => resolve(known ? tree.children(dir) : undefined));
    });
    try {
      return (await Promise.race([fromTree, fromRestic])) ?? (await fromRestic);
    } finally {
      unwatch();
      stop.abort();
      fromRestic.catch(() => undefined);
    }
  }

  /** Entries of the snapshot's tree held in memory (for the benchmark). */
  cachedEntries(cacheKey: string, snapshot: string): number | undefined {
    const t = this.trees.get(`${cacheKey}\u0000${snapshot}`);
    return t?.tree.complete ? t.tree.size : undefined;
  }

  /** Resolves when the background listing of that snapshot has finished (or failed). */
  async treeReady(cacheKey: string, snapshot: string): Promise<void> {
    await this.trees.get(`${cacheKey}\u0000${snapshot}`)?.filling;
  }

  /** Files whose name matches `pattern` (restic find, case-insensitive) across snapshots, newest first. */
  async search(
    ctx: restic.ResticContext,
    snapshots: Snapshot[],
    pattern: string,
    limit: number,
    only?: string,
  ): Promise<{ hits: SearchHit[]; truncated: boolean }> {
    const glob = /[*?[]/.test(pattern) ? pattern : `*${pattern}*`;
    const results = await restic.find(ctx, {
      patterns: [glob],
      ignoreCase: true,
      ...(only ? { snapshots: [only] } : {}),
    });
    const time = new Map(snapshots.map((s) => [s.id, s.time] as const));
    const timeOf = (id: string) =>
      time.get(id) ?? snapshots.find((s) => s.id.startsWith(id))?.time ?? new Date(0).toISOString();
    const ordered = [...results].sort(
      (a, b) => Date.parse(timeOf(b.snapshotId)) - Date.parse(timeOf(a.snapshotId)),
    );
    const hits: SearchHit[] = [];
    let total = 0;
    for (const r of ordered) {
      for (const m of r.matches) {
        total += 1;
        if (hits.length >= limit) continue;
        hits.push({
          snapshotId: snapshots.find((s) => s.id.startsWith(r.snapshotId))?.id ?? r.snapshotId,
          snapshotTime: new Date(timeOf(r.snapshotId)).toISOString(),
          path: m.path,
          type: entryType(m.type),
          ...(m.size === undefined ? {} : { size: m.size }),
          ...(m.mtime === undefined ? {} : { mtime: new Date(m.mtime).toISOString() }),
        });
      }
    }
    return { hits, truncated: total > hits.length };
  }

  /** What changed between two snapshots; the list is bounded, the counts complete. */
  async diff(ctx: restic.ResticContext, from: string, to: string): Promise<SnapshotDiff> {
    const r = await restic.diff(ctx, { from, to });
    const modifiers = new Set(['+', '-', 'M', 'T', 'U', '?']);
    return {
      changes: r.changes.slice(0, DIFF_LIMIT).map((c) => ({
        path: c.path,
        modifier: (modifiers.has(c.modifier)
          ? c.modifier
          : '?') as SnapshotDiff['changes'][number]['modifier'],
      })),
      truncated: r.changes.length > DIFF_LIMIT,
      added: { files: r.stats.added.files, bytes: r.stats.added.bytes },
      removed: { files: r.stats.removed.files, bytes: r.stats.removed.bytes },
      changedFiles: r.stats.changedFiles,
    };
  }

  private fill(ctx: restic.ResticContext, key: string, snapshot: string): void {
    const tree = new SnapshotTree();
    const stop = new AbortController();
    const filling = restic
      .lsStream(ctx, { snapshot, signal: stop.signal, lowPriority: true, onNode: (n) => tree.add(n) })
      .then(() => tree.finishAll())
      .catch(() => {
        // A failed background listing only means folders keep being listed one by one.
        tree.abandon();
        if (this.trees.get(key)?.tree === tree) this.trees.delete(key);
      });
    this.trees.set(key, { tree, filling, stop });
    while (this.trees.size > TREE_CACHE_SNAPSHOTS) {
      const oldest = this.trees.keys().next().value as string;
      // A snapshot the wizard has left: its listing, if still running, is no longer worth restic's time.
      this.trees.get(oldest)?.stop.abort();
      this.trees.delete(oldest);
    }
  }
}

/** Throws `not-found` when a snapshot id or prefix matches none of the list. */
export function requireSnapshot(snapshots: Snapshot[], id: string): Snapshot {
  const s = snapshots.find((x) => x.id === id || x.id.startsWith(id) || x.shortId === id);
  if (!s) throw new RestrayError('not-found', `There is no snapshot ${id} in this repository.`);
  return s;
}

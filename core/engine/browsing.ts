import type { DirEntry, SearchHit, Snapshot as UiSnapshot, SnapshotDiff } from '../../contract/browse.js';
import type { Repository } from '../../contract/config.js';
import type { LsEntry, Snapshot } from '../../contract/restic.js';
import * as restic from '../restic/index.js';
import { offsiteAccessOf, resolveOffsiteContext, type GenerationChoice } from '../status/offsite-access.js';
import { BrowseService, requireSnapshot, toUiSnapshot } from './browse-service.js';
import { recentRuns, repoContext, type EngineDeps } from './engine-deps.js';
import { OffsiteListingCache } from './offsite-listing-cache.js';
import { findRepository } from './repo-context.js';

/** Where a repository is read from: the onsite Pi (or local folder), or a verified offsite generation. */
export type Source = 'onsite' | 'offsite';

/**
 * Reading a repository: snapshots, folders, search and diffs, onsite or from the offsite copy. These take
 * restic's shared lock (offsite: `--no-lock`), so they run alongside a backup and are not queued.
 */
export class Browsing {
  private readonly trees = new BrowseService();
  /** Browsing offsite asks for the generation list on every call; it changes at most once per sync. */
  private readonly offsiteListings = new OffsiteListingCache();

  constructor(private readonly deps: EngineDeps) {}

  /** Snapshots of a repository, oldest first (restic's own records). `not-found` for an unknown repository. */
  async snapshots(repoName: string, opts: restic.CallOptions = {}): Promise<Snapshot[]> {
    return restic.snapshots(await this.context(repoName, 'onsite'), restic.callOptions(opts));
  }

  /** The children of one directory of a snapshot (one `restic ls`, no cache). `signal` cancels (`cancelled`). */
  async ls(
    repoName: string,
    snapshot: string,
    dir: string,
    opts: restic.CallOptions = {},
  ): Promise<LsEntry[]> {
    const r = await restic.ls(await this.context(repoName, 'onsite'), {
      snapshot,
      dir,
      ...restic.callOptions(opts),
    });
    return r.entries;
  }

  /** Streams every entry of a snapshot; returns the count. `signal` cancels (`cancelled`). */
  async lsAll(
    repoName: string,
    snapshot: string,
    onEntry: (e: LsEntry) => void,
    opts: restic.CallOptions = {},
  ): Promise<number> {
    const r = await restic.lsStream(await this.context(repoName, 'onsite'), {
      snapshot,
      onEntry,
      ...restic.callOptions(opts),
    });
    return r.count;
  }

  /** Snapshots for the UI, oldest first, with `dataAdded` where a recent backup of ours made them. */
  async listSnapshots(input: { repo: string; source: Source }): Promise<UiSnapshot[]> {
    const ctx = await this.context(input.repo, input.source);
    const runs = await recentRuns(this.deps);
    return (await restic.snapshots(ctx)).map((s) => toUiSnapshot(s, runs));
  }

  /** What changed between two snapshots (bounded list, complete counts). */
  async diffSnapshots(input: { repo: string; from: string; to: string }): Promise<SnapshotDiff> {
    return this.trees.diff(await this.context(input.repo, 'onsite'), input.from, input.to);
  }

  /** Children of a folder of a snapshot, from the tree cache once it is filled (see BrowseService). */
  async listDir(input: {
    repo: string;
    snapshot: string;
    path: string;
    source: Source;
  }): Promise<{ entries: DirEntry[] }> {
    const ctx = await this.context(input.repo, input.source);
    return {
      entries: await this.trees.listDir(ctx, `${input.source}:${input.repo}`, input.snapshot, input.path),
    };
  }

  /** Files by name across all snapshots or one, newest snapshots first, at most `limit`. */
  async searchFiles(input: {
    repo: string;
    pattern: string;
    snapshot?: string | undefined;
    limit: number;
    source: Source;
  }): Promise<{ hits: SearchHit[]; truncated: boolean }> {
    const ctx = await this.context(input.repo, input.source);
    const snaps = await restic.snapshots(ctx);
    if (input.snapshot) requireSnapshot(snaps, input.snapshot);
    return this.trees.search(ctx, snaps, input.pattern, input.limit, input.snapshot);
  }

  /** Resolves when the background tree listing of the snapshot is complete (benchmarks, tests). */
  treeReady(repo: string, snapshot: string, source: Source = 'onsite'): Promise<void> {
    return this.trees.treeReady(`${source}:${repo}`, snapshot);
  }

  /** How many entries the tree cache holds for the snapshot; undefined while it is still listing. */
  cachedEntries(repo: string, snapshot: string, source: Source = 'onsite'): number | undefined {
    return this.trees.cachedEntries(`${source}:${repo}`, snapshot);
  }

  /** The repository's offsite settings changed: its cached generation list is stale. */
  offsiteChanged(repoName: string): void {
    this.offsiteListings.forget(repoName);
  }

  private async context(repoName: string, source: Source): Promise<restic.ResticContext> {
    const repo = findRepository(this.deps.config.get(), repoName);
    return source === 'offsite' ? this.offsiteContext(repo) : repoContext(this.deps, repo);
  }

  /**
   * The restic context for the newest (or a chosen) verified offsite generation of a repository, through the
   * read-only account on the offsite Pi (read-only SFTP, restic `--no-lock`; see core/status/offsite-access.ts).
   * `not-found` when the repository has no offsite access configured or no usable generation; ssh kinds when
   * the offsite Pi cannot be reached.
   */
  private async offsiteContext(
    repo: Repository,
    choice: GenerationChoice = {},
  ): Promise<restic.ResticContext> {
    offsiteAccessOf(repo);
    return (
      await resolveOffsiteContext(
        await repoContext(this.deps, repo),
        repo,
        this.deps.paths.stateDir,
        choice,
        {
          inspect: (access) => this.offsiteListings.get(repo.name, access),
        },
      )
    ).ctx;
  }
}

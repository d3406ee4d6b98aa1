import type { OffsiteAccess } from '../../contract/config.js';
import { inspectOffsite, type OffsiteListing } from '../status/offsite-access.js';

/** How long a generation list is reused while browsing: a sync adds at most one generation per run. */
export const OFFSITE_LISTING_TTL_MS = 60_000;

/**
 * Short-lived cache of the offsite Pi's generation list per repository, so that browsing offsite (snapshots,
 * each folder, search) opens one SFTP session a minute instead of one per click. Concurrent callers share one
 * session; failures are not kept (the next call asks again); a changed access (other host, path) misses.
 * Restores do not use it: they list afresh and pick the newest generation at that moment.
 */
export class OffsiteListingCache {
  private readonly entries = new Map<string, { key: string; at: number; listing: Promise<OffsiteListing> }>();

  constructor(
    private readonly inspect: (access: OffsiteAccess) => Promise<OffsiteListing> = (a) => inspectOffsite(a),
    private readonly now: () => number = Date.now,
    private readonly ttlMs = OFFSITE_LISTING_TTL_MS,
  ) {}

  /** The cached listing of `repo` if fresh and for the same access, else a new one. Rejects like inspectOffsite. */
  get(repo: string, access: OffsiteAccess): Promise<OffsiteListing> {
    const key = JSON.stringify(access);
    const hit = this.entries.get(repo);
    if (hit && hit.key === key && this.now() - hit.at < this.ttlMs) return hit.listing;
    const listing = this.inspect(access);
    const entry = { key, at: this.now(), listing };
    this.entries.set(repo, entry);
    listing.catch(() => {
      if (this.entries.get(repo) === entry) this.entries.delete(repo);
    });
    return listing;
  }

  /** Drops the repository's entry (its access changed). */
  forget(repo: string): void {
    this.entries.delete(repo);
  }
}

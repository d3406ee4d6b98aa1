interface Entry {
  key: string;
  promise: Promise<unknown>;
}

/**
 * Runs jobs one at a time per repository, so that never two restic processes work on one repository.
 * A job whose key is already queued or running for that repository is not added again: the caller gets the
 * pending job's promise (a second "back up now" while a backup runs coalesces into it).
 */
export class JobQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly pending = new Map<string, Entry[]>();

  /**
   * Queues `job` behind the repository's current work. Returns its promise and whether it was coalesced into
   * an equal job already pending. A failing job does not stop the jobs behind it.
   */
  enqueue<T>(repo: string, key: string, job: () => Promise<T>): { promise: Promise<T>; coalesced: boolean } {
    const list = this.pending.get(repo) ?? [];
    const same = list.find((e) => e.key === key);
    if (same) return { promise: same.promise as Promise<T>, coalesced: true };
    const previous = this.tails.get(repo) ?? Promise.resolve();
    const promise = previous.then(job, job);
    const entry: Entry = { key, promise };
    list.push(entry);
    this.pending.set(repo, list);
    const settled = promise.then(
      () => this.done(repo, entry),
      () => this.done(repo, entry),
    );
    this.tails.set(repo, settled);
    return { promise, coalesced: false };
  }

  /** Keys queued or running for a repository, oldest first. */
  keys(repo: string): string[] {
    return (this.pending.get(repo) ?? []).map((e) => e.key);
  }

  /** Resolves when every job queued so far has settled. */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }

  private done(repo: string, entry: Entry): void {
    const list = (this.pending.get(repo) ?? []).filter((e) => e !== entry);
    if (list.length === 0) this.pending.delete(repo);
    else this.pending.set(repo, list);
  }
}

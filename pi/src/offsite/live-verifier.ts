import { join } from 'node:path';
import type { HashMismatch, HashPool, HashedFile } from '../hash.js';
import { fileId } from '../repo-files.js';
import { crashPoint } from './crash-point.js';
import type { LocalFile } from './store.js';

/**
 * Hashes files while rsync is still receiving others: each file as soon as rsync reports it (rsync reports a
 * file just before renaming it into place, so the hash waits for it to appear). Results are tied to the inode
 * that was read: a file replaced afterwards (a retry, a second fetch) is hashed again.
 */
export class LiveVerifier {
  private readonly results = new Map<string, Promise<HashedFile | { error: string }>>();
  constructor(
    private readonly pool: HashPool,
    private readonly root: string,
  ) {}

  /** rsync reported `path` (relative to the staging root). */
  reported(path: string): void {
    if (fileId(path))
      this.results.set(
        path,
        this.pool.hash({ path: join(this.root, path), sync: true, waitMs: 250 }).then((r) => {
          crashPoint('verify:file');
          return r;
        }),
      );
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

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repository } from '../../contract/config.js';
import { writeFileAtomic } from '../config/atomic-write.js';
import type { AcceptedStatus } from './status-trust.js';

/**
 * The newest offsite status accepted per repository (replay protection, see status-trust.ts), one small file
 * per repository under `<stateDir>/offsite-status/` so parallel checks of several repositories never overwrite
 * each other. Named by the repository's id (its name for configs without one).
 */
export class AcceptedStatusStore {
  constructor(private readonly dir: string) {}

  private file(repo: Pick<Repository, 'id' | 'name'>): string {
    return join(this.dir, `${repo.id ?? repo.name}.json`);
  }

  /** The record, or undefined when there is none or it is unreadable (then the next accepted one replaces it). */
  async get(repo: Pick<Repository, 'id' | 'name'>): Promise<AcceptedStatus | undefined> {
    try {
      const v = JSON.parse(await readFile(this.file(repo), 'utf8')) as Partial<AcceptedStatus>;
      return typeof v.fingerprint === 'string' &&
        typeof v.sequence === 'number' &&
        typeof v.updatedAt === 'string'
        ? { fingerprint: v.fingerprint, sequence: v.sequence, updatedAt: v.updatedAt }
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores the record atomically (file 0600, folder 0700). Throws the file system's errors. */
  async set(repo: Pick<Repository, 'id' | 'name'>, rec: AcceptedStatus): Promise<void> {
    await writeFileAtomic(this.file(repo), `${JSON.stringify(rec)}\n`);
  }
}

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { RunRecord } from '../../contract/app-state.js';
import { writeFileAtomic } from '../config/atomic-write.js';

/** A finished run plus its log: restic's stderr and stray output tail, scrubbed of secrets. */
export const HistoryEntry = z.object({ run: RunRecord, log: z.array(z.string()).default([]) });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/**
 * The run history: one JSON line per finished job, appended (O_APPEND, so the CLI and the tray can both
 * write), bounded to `limit` records by rewriting the file atomically when it has grown to twice that.
 * Lines that do not validate (a torn write after a crash) are skipped when reading.
 */
export class RunHistory {
  constructor(
    private readonly file: string,
    private readonly limit = 500,
  ) {}

  /** Appends a record; trims the file when it holds more than twice the limit. */
  async append(record: HistoryEntry): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await appendFile(this.file, `${JSON.stringify(HistoryEntry.parse(record))}\n`, { mode: 0o600 });
    const all = await this.readAll();
    if (all.length > this.limit * 2) {
      const kept = all.slice(-this.limit);
      await writeFileAtomic(this.file, kept.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
  }

  /** Records, newest first, at most `limit` (default: the history's limit). */
  async list(limit = this.limit): Promise<HistoryEntry[]> {
    return (await this.readAll()).reverse().slice(0, limit);
  }

  /** The newest record matching `predicate`, if any. */
  async latest(predicate: (r: RunRecord) => boolean): Promise<HistoryEntry | undefined> {
    return (await this.readAll()).reverse().find((e) => predicate(e.run));
  }

  private async readAll(): Promise<HistoryEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: HistoryEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const parsed = HistoryEntry.safeParse(JSON.parse(line));
        if (parsed.success) out.push(parsed.data);
      } catch {
        // torn line: skip
      }
    }
    return out;
  }
}

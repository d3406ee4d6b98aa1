import { appendFile, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { RunRecord } from '../../contract/app-state.js';
import { ensureDir, writeFileAtomic } from '../config/atomic-write.js';

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
    await ensureDir(dirname(this.file));
    // jitless: one record per call, so zod's compiled fast path would cost more to build than it saves.
    const line = `${JSON.stringify(HistoryEntry.parse(record, { jitless: true }))}\n`;
    await appendFile(this.file, line, { mode: 0o600 });
    // Counting lines is cheap; parsing every record is not, and is only needed when trimming (after a
    // `restray backup` this runs on the way out).
    const text = await readFile(this.file, 'utf8');
    let lines = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
    if (lines <= this.limit * 2) return;
    const all = await this.readAll();
    if (all.length > this.limit * 2) {
      const kept = all.slice(-this.limit);
      await writeFileAtomic(this.file, kept.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
  }

  /** Records, newest first, at most `limit` (default: the history's limit). */
  async list(limit = this.limit): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    for (const e of this.newestFirst(await this.readText())) {
      if (out.length >= limit) break;
      out.push(e);
    }
    return out;
  }

  /** The newest record matching `predicate`, if any. */
  async latest(predicate: (r: RunRecord) => boolean): Promise<HistoryEntry | undefined> {
    for (const e of this.newestFirst(await this.readText())) if (predicate(e.run)) return e;
    return undefined;
  }

  private async readText(): Promise<string> {
    try {
      return await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw e;
    }
  }

  /** Valid records from the end of the file: only as many lines are parsed as the caller takes. */
  private *newestFirst(text: string): Generator<HistoryEntry> {
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!;
      if (!line.trim()) continue;
      try {
        const parsed = HistoryEntry.safeParse(JSON.parse(line));
        if (parsed.success) yield parsed.data;
      } catch {
        // torn line: skip
      }
    }
  }

  private async readAll(): Promise<HistoryEntry[]> {
    return [...this.newestFirst(await this.readText())].reverse();
  }
}

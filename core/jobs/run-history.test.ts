import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunHistory, type HistoryEntry } from './run-history.js';

const record = (i: number): HistoryEntry => ({
  run: {
    id: `r${i}`,
    kind: 'backup',
    plan: 'home',
    repo: 'pi',
    trigger: 'manual',
    startedAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    endedAt: new Date(1_700_000_000_000 + i * 1000 + 500).toISOString(),
    result: 'success',
  },
  log: [`line ${i}`],
});

describe('RunHistory', () => {
  it('lists newest first and stays bounded', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'restray-hist-')), 'history.jsonl');
    const h = new RunHistory(file, 3);
    for (let i = 0; i < 8; i++) await h.append(record(i));
    const all = await h.list();
    expect(all.map((e) => e.run.id)).toEqual(['r7', 'r6', 'r5']);
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBeLessThanOrEqual(6);
  });

  it('skips a torn line instead of failing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'restray-hist-')), 'history.jsonl');
    const h = new RunHistory(file);
    await h.append(record(1));
    appendFileSync(file, '{"run":{"id":"r2","kind":"bac');
    appendFileSync(file, '\n');
    await h.append(record(3));
    expect((await h.list()).map((e) => e.run.id)).toEqual(['r3', 'r1']);
    expect((await h.latest((r) => r.id === 'r1'))?.run.id).toBe('r1');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { retentionArgs, toForgetGroup } from './forget.js';
import { decodeMessage } from './json-lines.js';
import { ForgetMsg } from './messages.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('retention', () => {
  it('maps a policy to restic flags and leaves out zero counts', () => {
    expect(retentionArgs({ keepLast: 3, keepDaily: 7, keepWeekly: 0, keepWithin: '1y2m' })).toEqual([
      '--keep-last',
      '3',
      '--keep-daily',
      '7',
      '--keep-within',
      '1y2m',
    ]);
    expect(() => retentionArgs({ keepLast: 0 })).toThrow(
      expect.objectContaining({ kind: 'invalid-argument' }),
    );
    expect(() => retentionArgs({})).toThrow();
  });

  it('attaches reasons to kept snapshots: by time and tree on 0.14 (no id in reasons)', () => {
    const groups = decodeMessage(ForgetMsg, JSON.parse(fixture('forget-dry-run-0.14.json')))!.map(
      toForgetGroup,
    );
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect(g.tags).toEqual([]);
    expect(g.remove).toEqual([]);
    expect(g.keep.map((k) => k.reasons)).toEqual([['within 1d', 'last snapshot'], ['within 1d']]);
    const last = decodeMessage(ForgetMsg, JSON.parse(fixture('forget-keep-last-0.14.json')))!.map(
      toForgetGroup,
    )[0]!;
    expect(last.keep).toHaveLength(1);
    expect(last.remove.map((s) => s.shortId)).toEqual(['3a9fa818']);
  });

  it('attaches reasons by id in the current shape', () => {
    const snap = (id: string, time: string) => ({
      id,
      short_id: id.slice(0, 8),
      time,
      tree: 't',
      paths: ['/a'],
      hostname: 'h',
    });
    const g = toForgetGroup(
      decodeMessage(ForgetMsg, [
        {
          tags: [],
          host: 'h',
          paths: ['/a'],
          keep: [snap('1'.repeat(64), '2025-01-02T00:00:00Z')],
          remove: [snap('2'.repeat(64), '2025-01-01T00:00:00Z')],
          reasons: [
            {
              snapshot: snap('1'.repeat(64), '2025-01-02T00:00:00Z'),
              matches: ['daily snapshot'],
              counters: { daily: 6 },
            },
          ],
        },
      ])![0]!,
    );
    expect(g.keep[0]!.reasons).toEqual(['daily snapshot']);
    expect(g.remove[0]!.id).toBe('2'.repeat(64));
  });
});

import { describe, expect, it } from 'vitest';
import { decideRetention, describeDecision, removedDataHolds } from './retention.js';
import { generationName, parseGenerationName } from './generation-name.js';
import type { GenerationRetention } from './config.js';

const policy: GenerationRetention = { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 };

/** One generation a day at 03:15 UTC, for `days` days starting at `start`. */
function dailyGenerations(start: Date, days: number) {
  return Array.from({ length: days }, (_, i) => {
    const time = new Date(start.getTime() + i * 86_400_000);
    return { name: generationName(time), time };
  });
}

describe('decideRetention', () => {
  it('keeps exactly 7 daily, 4 weekly and 12 monthly over a simulated year of daily generations', () => {
    // Clock injected: the "year" is 2025, evaluated on the morning after its last generation.
    const gens = dailyGenerations(new Date('2025-01-01T03:15:00Z'), 365);
    const now = new Date('2026-01-01T04:00:00Z');
    const decisions = decideRetention(gens, policy, now);
    const byReason = (r: string) =>
      decisions.filter((d) => d.reasons.includes(r as never)).map((d) => d.name);

    expect(byReason('daily')).toEqual([
      '20251231T031500Z',
      '20251230T031500Z',
      '20251229T031500Z',
      '20251228T031500Z',
      '20251227T031500Z',
      '20251226T031500Z',
      '20251225T031500Z',
    ]);
    // ISO weeks: Mon 29 Dec 2025 starts week 2026-W01, so its newest generation is Wed 31 Dec; then the Sundays.
    expect(byReason('weekly')).toEqual([
      '20251231T031500Z',
      '20251228T031500Z',
      '20251221T031500Z',
      '20251214T031500Z',
    ]);
    expect(byReason('monthly')).toEqual([
      '20251231T031500Z',
      '20251130T031500Z',
      '20251031T031500Z',
      '20250930T031500Z',
      '20250831T031500Z',
      '20250731T031500Z',
      '20250630T031500Z',
      '20250531T031500Z',
      '20250430T031500Z',
      '20250331T031500Z',
      '20250228T031500Z',
      '20250131T031500Z',
    ]);
    const kept = decisions.filter((d) => d.keep).map((d) => d.name);
    const union = new Set([...byReason('daily'), ...byReason('weekly'), ...byReason('monthly')]);
    expect(new Set(kept)).toEqual(union);
    expect(kept).toHaveLength(7 + 2 + 11); // daily, the two older weekly ones, the eleven older monthly ones
    expect(decisions.filter((d) => !d.keep)).toHaveLength(365 - kept.length);
  });

  it('always keeps the newest generation, even with an empty policy', () => {
    const gens = dailyGenerations(new Date('2025-06-01T00:00:00Z'), 3);
    const d = decideRetention(
      gens,
      { keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
      new Date('2025-06-04T00:00:00Z'),
    );
    expect(d.filter((x) => x.keep).map((x) => x.name)).toEqual(['20250603T000000Z']);
    expect(d[0]!.reasons).toEqual(['newest']);
  });

  it('keeps the newest generation of a day when there are several', () => {
    const times = ['2025-03-01T01:00:00Z', '2025-03-01T13:00:00Z', '2025-03-02T01:00:00Z'].map(
      (s) => new Date(s),
    );
    const d = decideRetention(
      times.map((time) => ({ name: generationName(time), time })),
      { keepDaily: 2, keepWeekly: 0, keepMonthly: 0 },
      new Date('2025-03-03T00:00:00Z'),
    );
    expect(d.filter((x) => x.keep).map((x) => x.name)).toEqual(['20250302T010000Z', '20250301T130000Z']);
  });

  it('keepLast and keepWithinDays use the injected clock', () => {
    const gens = dailyGenerations(new Date('2025-01-01T00:00:00Z'), 30);
    const d = decideRetention(
      gens,
      { keepLast: 2, keepWithinDays: 5, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
      new Date('2025-01-30T12:00:00Z'),
    );
    expect(d.filter((x) => x.keep)).toHaveLength(5); // 26..30 Jan are within 5 days of 30 Jan 12:00
    expect(d.filter((x) => x.reasons.includes('last'))).toHaveLength(2);
  });

  it('explains removals for prune --dry-run', () => {
    const gens = dailyGenerations(new Date('2025-01-01T00:00:00Z'), 10);
    const d = decideRetention(
      gens,
      { keepDaily: 3, keepWeekly: 0, keepMonthly: 0 },
      new Date('2025-01-11T00:00:00Z'),
    );
    expect(describeDecision(d[0]!, policy)).toMatch(/^keep {3}20250110T000000Z {2}\(newest, daily\)$/);
    expect(describeDecision(d[9]!, { keepDaily: 3 } as GenerationRetention)).toBe(
      'remove 20250101T000000Z  (no rule keeps it: daily 3)',
    );
  });
});

describe('generation names', () => {
  it('round-trips and rejects foreign names', () => {
    const t = new Date('2025-03-01T03:15:07.123Z');
    expect(generationName(t)).toBe('20250301T031507Z');
    expect(parseGenerationName('20250301T031507Z')?.toISOString()).toBe('2025-03-01T03:15:07.000Z');
    expect(parseGenerationName('20250231T000000Z')).toBeUndefined();
    expect(parseGenerationName('staging')).toBeUndefined();
  });
});

describe('removedDataHolds (the protection period for removed data)', () => {
  const now = new Date('2025-04-01T12:00:00Z');
  const gens = dailyGenerations(new Date('2025-03-01T03:15:00Z'), 31);
  const daily7: GenerationRetention = { keepDaily: 7, keepWeekly: 0, keepMonthly: 0 };

  it('holds the last generation to hold a removed file until it has been gone keepRemovedDays', () => {
    const removed = [
      // Gone 20 days ago: held (10 days left).
      { path: 'data/ab/ab01', lastIn: gens[10]!.name, goneAt: gens[11]!.time.toISOString() },
      { path: 'data/ab/ab02', lastIn: gens[10]!.name, goneAt: gens[11]!.time.toISOString() },
      // Gone 30 days and more ago: free.
      { path: 'data/cd/cd01', lastIn: gens[0]!.name, goneAt: gens[1]!.time.toISOString() },
    ];
    const holds = removedDataHolds(removed, 30, now);
    expect([...holds.keys()]).toEqual([gens[10]!.name]);
    expect(holds.get(gens[10]!.name)).toMatchObject({ files: 2, goneSince: gens[11]!.time });
    const decisions = decideRetention(gens, daily7, now, holds);
    const held = decisions.find((d) => d.name === gens[10]!.name)!;
    expect(held).toMatchObject({ keep: true, reasons: ['removed'] });
    expect(describeDecision(held, daily7)).toMatch(
      /keep {3}20250311T031500Z {2}\(removed data: it is the last to hold 2 file\(s\) gone onsite since 2025-03-12T03:15:00.000Z, e\.g\. data\/ab\/ab01; held until 2025-04-11T03:15:00.000Z\)/,
    );
    // Without holds, the daily policy would remove it.
    expect(decideRetention(gens, daily7, now).find((d) => d.name === gens[10]!.name)!.keep).toBe(false);
    // keepRemovedDays 0 turns the protection off.
    expect(removedDataHolds(removed, 0, now).size).toBe(0);
  });
});

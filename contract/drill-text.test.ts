import { describe, expect, it } from 'vitest';
import type { RunRecord } from './app-state.js';
import { drillAdvice } from './chain-advice.js';
import { drillLine } from './drill-text.js';

const run = (over: Partial<RunRecord> = {}): RunRecord => ({
  id: 'r1',
  kind: 'drill',
  repo: 'pi',
  trigger: 'schedule',
  startedAt: '2026-03-07T09:00:00.000Z',
  endedAt: '2026-03-07T09:01:00.000Z',
  result: 'success',
  drill: {
    from: 'offsite',
    comparedWith: 'onsite',
    snapshot: 'ab'.repeat(32),
    files: 20,
    bytes: 1,
    failures: [],
  },
  ...over,
});
const failed = run({
  result: 'failed',
  error: { kind: 'failed', message: 'Restore test failed: /home/a/x could not be restored.' },
  drill: {
    ...run().drill!,
    failures: [
      { path: '/home/a/x', problem: 'unreadable' },
      { path: '/home/a/y', problem: 'content' },
    ],
  },
});
const ago = (lang: 'en' | 'de') => () => (lang === 'en' ? '3 days ago' : 'vor 3 Tagen');

describe('drill line', () => {
  it('says passed, how many files and when, in English and German', () => {
    expect(drillLine(run(), 'en', ago('en'))).toBe(
      'Last restore test from the offsite Pi: passed, 20 files, 3 days ago',
    );
    expect(drillLine(run(), 'de', ago('de'))).toBe(
      'Letzter Wiederherstellungstest vom externen Pi: bestanden, 20 Dateien, vor 3 Tagen',
    );
  });

  it('names the failing file, and says when none ran yet', () => {
    expect(drillLine(failed, 'en', ago('en'))).toContain('failed (“/home/a/x”)');
    expect(drillLine(failed, 'de', ago('de'))).toContain('fehlgeschlagen („/home/a/x“)');
    expect(drillLine(undefined, 'en', ago('en'))).toBe('No restore test yet.');
    expect(drillLine(undefined, 'de', ago('de'))).toBe('Noch kein Wiederherstellungstest.');
  });
});

describe('drill advice', () => {
  it('is silent for a passed, cancelled or absent drill', () => {
    expect(drillAdvice(run(), 'en')).toBeUndefined();
    expect(drillAdvice(run({ result: 'cancelled' }), 'de')).toBeUndefined();
    expect(drillAdvice(undefined, 'en')).toBeUndefined();
  });

  it('drill failed: names the file and the count of others, and the next step on the offsite Pi', () => {
    const en = drillAdvice(failed, 'en')!;
    expect(en.reason).toBe(
      'The restore test from the offsite Pi failed: “/home/a/x” could not be restored (and 1 more file).',
    );
    expect(en.next).toContain('sudo restray-pi reverify');
    const de = drillAdvice(failed, 'de')!;
    expect(de.reason).toContain('„/home/a/x“ ließ sich nicht wiederherstellen (und 1 weitere Datei)');
    expect(de.next).not.toBe(en.next);
    const onsite = drillAdvice({ ...failed, drill: { ...failed.drill!, from: 'onsite' } }, 'en')!;
    expect(onsite.next).toContain('restray drill pi --from onsite');
  });

  it('a drill that could not run says why', () => {
    const r = run({
      result: 'failed',
      drill: undefined,
      error: { kind: 'network', message: 'The offsite Pi did not answer in time.' },
    });
    expect(drillAdvice(r, 'en')!.reason).toBe(
      'The last restore test from the offsite Pi could not run (The offsite Pi did not answer in time).',
    );
    expect(drillAdvice(r, 'de')!.reason).toContain('konnte nicht laufen');
  });
});

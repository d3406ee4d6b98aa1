import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/app-state.js';
import type { ErrorInfo } from '../../contract/errors.js';
import { deriveChain } from './chain.js';
import { chainKey } from './chain-monitor.js';
import { backupRisk, scheduledLimitSeconds, type FreshnessInput } from './freshness.js';

const HOUR = 3600_000;
const NOW = new Date('2026-03-10T12:30:00.000Z');
const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * HOUR).toISOString();
const DISK_FULL: ErrorInfo = { kind: 'no-space', message: 'The Pi’s disk is full.' };

let n = 0;
function run(hoursAgo: number, result: RunRecord['result'], over: Partial<RunRecord> = {}): RunRecord {
  n += 1;
  const startedAt = at(hoursAgo);
  return {
    id: `run-${n}`,
    kind: 'backup',
    repo: 'pi',
    plan: 'home',
    trigger: 'schedule',
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(),
    result,
    ...(result === 'failed' ? { error: DISK_FULL } : {}),
    ...(result === 'success' || result === 'partial'
      ? {
          backup: {
            snapshotId: `${String(n).padStart(8, '0')}`,
            filesNew: 1,
            filesChanged: 0,
            filesUnmodified: 0,
            dataAdded: 1,
            totalFilesProcessed: 1,
            totalBytesProcessed: 1,
          },
        }
      : {}),
    ...over,
  } as RunRecord;
}

/** Hourly at :00; the scheduler has handled the 12:00 slot (the latest due one at 12:30). */
function hourly(over: Partial<FreshnessInput> = {}): FreshnessInput {
  return {
    plans: [{ name: 'home', repo: 'pi', schedule: '0 * * * *' }],
    handledSlots: { home: '2026-03-10T12:00:00.000Z' },
    activePlans: [],
    ...over,
  };
}

describe('backupRisk', () => {
  it('is undefined while the last due backup succeeded and is young enough', () => {
    expect(backupRisk('pi', NOW, [run(0.5, 'success'), run(1.5, 'success')], hourly())).toBeUndefined();
  });

  it('failed runs after a safe state: at risk since the first failure, with the newest error and the hop', () => {
    const runs = [run(0.5, 'failed'), run(1.5, 'failed'), run(2.5, 'failed'), run(3.5, 'success')];
    const risk = backupRisk('pi', NOW, runs, hourly());
    expect(risk).toEqual({
      plan: 'home',
      cause: 'failed',
      hop: 'onsite',
      since: runs[2]!.endedAt,
      error: DISK_FULL,
      runId: runs[0]!.id,
      failures: 3,
      ageSeconds: 3.5 * 3600,
    });
  });

  it('a failure of this computer (source folder gone) puts the fault on the workstation', () => {
    const runs = [run(0.5, 'failed', { error: { kind: 'not-found', message: 'No such folder.' } })];
    expect(backupRisk('pi', NOW, runs, hourly())?.hop).toBe('workstation');
  });

  it('partial counts as ok; cancelled runs do not count either way', () => {
    expect(backupRisk('pi', NOW, [run(0.5, 'partial'), run(1.5, 'failed')], hourly())).toBeUndefined();
    expect(backupRisk('pi', NOW, [run(0.2, 'cancelled'), run(0.5, 'success')], hourly())).toBeUndefined();
    expect(backupRisk('pi', NOW, [run(0.2, 'cancelled'), run(0.5, 'failed')], hourly())?.cause).toBe(
      'failed',
    );
  });

  it('a snapshot older than interval plus tolerance is too old once the due slot was handled', () => {
    const risk = backupRisk('pi', NOW, [run(5, 'success')], hourly());
    expect(risk).toMatchObject({
      cause: 'too-old',
      hop: 'workstation',
      scheduled: true,
      ageSeconds: 5 * 3600,
      limitSeconds: scheduledLimitSeconds(3600),
    });
    expect(scheduledLimitSeconds(3600)).toBe(2 * 3600);
    expect(scheduledLimitSeconds(86400)).toBe(30 * 3600);
  });

  it('missed slot during sleep: not at risk until the make-up run had its chance, at risk when it fails', () => {
    // Asleep from 08:00 to 12:30: the scheduler last handled the 07:00 slot, the 12:00 one is still to be made up.
    const asleep = hourly({ handledSlots: { home: '2026-03-10T07:00:00.000Z' } });
    const before = [run(5.5, 'success')];
    expect(backupRisk('pi', NOW, before, asleep)).toBeUndefined();
    // The scheduler made the slot up; the backup is queued or running.
    const making = hourly({ activePlans: ['home'] });
    expect(backupRisk('pi', NOW, before, making)).toBeUndefined();
    // The make-up run failed.
    expect(backupRisk('pi', NOW, [run(0.1, 'failed'), ...before], hourly())?.cause).toBe('failed');
    // ... or succeeded.
    expect(backupRisk('pi', NOW, [run(0.1, 'success'), ...before], hourly())).toBeUndefined();
  });

  it('a plan the scheduler has not seen yet is not judged by the clock', () => {
    expect(backupRisk('pi', NOW, [run(48, 'success')], hourly({ handledSlots: {} }))).toBeUndefined();
  });

  it('with no tray app or daemon running the schedules, no make-up run is coming: judged by the clock', () => {
    const nobody = hourly({ handledSlots: { home: '2026-03-10T07:00:00.000Z' }, schedulerRunning: false });
    expect(backupRisk('pi', NOW, [run(5.5, 'success')], nobody)).toMatchObject({ cause: 'too-old' });
  });

  it('an unscheduled plan is at risk past its maximum age (default 24 h, configurable)', () => {
    const manual = (maxAgeHours?: number): FreshnessInput => ({
      plans: [{ name: 'home', repo: 'pi', ...(maxAgeHours ? { maxAgeHours } : {}) }],
      handledSlots: {},
      activePlans: [],
    });
    expect(backupRisk('pi', NOW, [run(23, 'success')], manual())).toBeUndefined();
    expect(backupRisk('pi', NOW, [run(25, 'success')], manual())).toMatchObject({
      cause: 'too-old',
      scheduled: false,
      limitSeconds: 24 * 3600,
    });
    expect(backupRisk('pi', NOW, [run(25, 'success')], manual(48))).toBeUndefined();
    // Without a run of the plan in the (bounded) history, the repository's newest snapshot stands in.
    expect(backupRisk('pi', NOW, [], manual(), at(30))?.cause).toBe('too-old');
    expect(backupRisk('pi', NOW, [], manual())).toBeUndefined();
  });

  it('judges only the repository’s own plans and runs, a failure before age', () => {
    const input: FreshnessInput = {
      plans: [
        { name: 'home', repo: 'pi', schedule: '0 * * * *' },
        { name: 'docs', repo: 'pi' },
        { name: 'other', repo: 'usb' },
      ],
      handledSlots: { home: '2026-03-10T12:00:00.000Z' },
      activePlans: [],
    };
    const runs = [
      run(0.5, 'failed', { plan: 'other', repo: 'usb' }),
      run(0.5, 'failed', { plan: 'home' }),
      run(40, 'success', { plan: 'docs' }),
    ];
    expect(backupRisk('pi', NOW, runs, input)).toMatchObject({ plan: 'home', cause: 'failed' });
    expect(backupRisk('pi', NOW, runs.slice(2), input)).toMatchObject({ plan: 'docs', cause: 'too-old' });
  });
});

describe('deriveChain with freshness', () => {
  const repo = { name: 'pi' };
  it('turns the verdict to at-risk, with the risk, whatever the hops say', () => {
    const ok = run(3.5, 'success');
    const base = { repo, now: NOW, lagLimitSeconds: 86400, freshness: hourly() };
    expect(deriveChain({ ...base, runs: [run(0.5, 'success'), ok] }).verdict).toBe('no-offsite');
    const failing = [run(0.5, 'failed'), run(1.5, 'failed'), run(2.5, 'failed'), ok];
    const chain = deriveChain({ ...base, runs: failing });
    expect(chain.verdict).toBe('at-risk');
    expect(chain.risk).toMatchObject({ cause: 'failed', hop: 'onsite', failures: 3 });
    expect(chain.onsite.state).toBe('failed');
    // A folder gone on this computer: the fault is the workstation's, the onsite hop stays ok.
    const gone = run(0.2, 'failed', { error: { kind: 'not-found', message: 'No such folder.' } });
    const local = deriveChain({ ...base, runs: [gone, ok] });
    expect(local.risk).toMatchObject({ cause: 'failed', hop: 'workstation' });
    expect(local.onsite.state).not.toBe('failed');
    // Without freshness input (older callers), nothing changes.
    expect(deriveChain({ repo, now: NOW, lagLimitSeconds: 86400, runs: failing }).verdict).toBe('no-offsite');
  });
});

describe('chainKey of an at-risk chain', () => {
  it('ignores the growing age within the hour, not a new failure', () => {
    const input = { repo: { name: 'pi' }, lagLimitSeconds: 86400, freshness: hourly() };
    const runs = [run(5.75, 'success')];
    const at = (minutes: number) =>
      deriveChain({ ...input, runs, now: new Date(NOW.getTime() + minutes * 60_000) });
    expect(at(0).verdict).toBe('at-risk');
    expect(chainKey(at(1), 86400)).toBe(chainKey(at(10), 86400));
    expect(at(20).verdict).toBe('at-risk');
    expect(chainKey(at(1), 86400)).not.toBe(chainKey(at(20), 86400));
    const failing = deriveChain({ ...input, now: NOW, runs: [run(0.1, 'failed'), ...runs] });
    expect(chainKey(failing, 86400)).not.toBe(chainKey(at(0), 86400));
  });
});

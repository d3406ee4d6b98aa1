import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/app-state.js';
import { backupRisk } from './freshness.js';

// restic ≥ 0.17 with --skip-if-unchanged writes no snapshot when nothing changed: the newest snapshot then grows
// old while every backup succeeds. Such a run is a successful, current backup (its data is in the repository).
const NOW = new Date('2026-03-10T12:30:00.000Z');
const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * 3600_000).toISOString();
const SNAP = 'a'.repeat(64);

function backupRun(id: string, hoursAgo: number, unchanged: boolean): RunRecord {
  return {
    id,
    kind: 'backup',
    repo: 'pi',
    plan: 'home',
    trigger: 'schedule',
    startedAt: at(hoursAgo),
    endedAt: at(hoursAgo - 0.01),
    result: 'success',
    backup: {
      snapshotId: SNAP,
      filesNew: unchanged ? 0 : 3,
      filesChanged: 0,
      filesUnmodified: unchanged ? 3 : 0,
      dataAdded: unchanged ? 0 : 100,
      totalFilesProcessed: 3,
      totalBytesProcessed: 100,
      ...(unchanged ? { unchanged: true as const } : {}),
    },
  };
}

const hourly = {
  plans: [{ name: 'home', repo: 'pi', schedule: '0 * * * *' }],
  handledSlots: { home: '2026-03-10T12:00:00.000Z' },
  activePlans: [],
};

describe('freshness with "unchanged, skipped" backups', () => {
  it('an unchanged run keeps the plan current although the newest snapshot is 30 h old', () => {
    const runs = [backupRun('r3', 0.5, true), backupRun('r2', 1.5, true), backupRun('r1', 30, false)];
    expect(backupRisk('pi', NOW, runs, hourly, at(30))).toBeUndefined();
  });

  it('without the unchanged runs the same snapshot is too old (the rule itself still bites)', () => {
    expect(backupRisk('pi', NOW, [backupRun('r1', 30, false)], hourly, at(30))).toMatchObject({
      cause: 'too-old',
    });
  });
});

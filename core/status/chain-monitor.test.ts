import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChainStatus, RunRecord } from '../../contract/app-state.js';
import { Config, CONFIG_VERSION } from '../../contract/config.js';
import type { PiStatus } from '../../contract/pi-status.js';
import { ChainMonitor } from './chain-monitor.js';
import type { StatusObservation } from './observations.js';
import type { QuarantineQuestion } from './quarantine-verdict.js';

const A = 'a'.repeat(64);
const config = Config.parse({
  version: CONFIG_VERSION,
  repositories: [
    {
      name: 'pi',
      target: { kind: 'local', path: '/srv/repo' },
      offsiteStatusUser: 'restray-status',
    },
  ],
});

function status(ids: string[]): PiStatus {
  return {
    schemaVersion: 1,
    updatedAt: '2025-03-10T11:00:00Z',
    host: 'offsite',
    repository: 'pi',
    generations: ids.length
      ? [
          {
            name: '20250310T110000Z',
            time: '2025-03-10T11:00:00Z',
            snapshotIds: ids,
            sizeBytes: 1,
            newBytes: 1,
            fileCount: 1,
            state: 'verified',
          },
        ]
      : [],
    verification: { checkedFiles: 0, totalFiles: 0, damaged: [] },
    guard: { state: 'ok', threshold: 0.2, configChanged: false, keysChanged: false },
    stale: false,
  };
}

const run: RunRecord = {
  id: 'r1',
  kind: 'backup',
  repo: 'pi',
  plan: 'home',
  trigger: 'manual',
  startedAt: '2025-03-10T10:00:00.000Z',
  endedAt: '2025-03-10T10:01:00.000Z',
  result: 'success',
  backup: {
    snapshotId: 'aaaaaaaa',
    filesNew: 1,
    filesChanged: 0,
    filesUnmodified: 0,
    dataAdded: 1,
    totalFilesProcessed: 1,
    totalBytesProcessed: 1,
  },
};

describe('ChainMonitor', () => {
  beforeEach(() => void vi.useFakeTimers({ now: new Date('2025-03-10T10:02:00Z') }));
  afterEach(() => void vi.useRealTimers());

  function monitor() {
    let offsite: PiStatus = status([]);
    let reads = 0;
    const emitted: ChainStatus[] = [];
    const m = new ChainMonitor({
      config: () => config,
      runs: async () => [run],
      readStatus: async (): Promise<StatusObservation> => {
        reads++;
        return { ok: true, via: 'onsite', at: new Date().toISOString(), status: offsite };
      },
      clock: { now: () => new Date() },
      emit: (c) => emitted.push(c),
      onBug: (e) => {
        throw e;
      },
      intervalMs: 600_000,
      followUpIntervalMs: 60_000,
      followUpWindowMs: 30 * 60_000,
    });
    return { m, emitted, setOffsite: (s: PiStatus) => (offsite = s), reads: () => reads };
  }

  it('is unknown before the first check and never does I/O to answer', () => {
    const { m, reads } = monitor();
    expect(m.chain('pi', [run]).verdict).toBe('unknown');
    expect(reads()).toBe(0);
  });

  it('emits only when what the UI shows changes', async () => {
    const { m, emitted } = monitor();
    await m.refresh();
    await m.refresh();
    expect(emitted.map((c) => c.verdict)).toEqual(['not-yet-offsite']);
  });

  it('follows a backup up until the snapshot is offsite, then stops looking', async () => {
    const { m, emitted, setOffsite, reads } = monitor();
    m.start();
    m.backupFinished('pi');
    await vi.advanceTimersByTimeAsync(0);
    expect(emitted.at(-1)?.verdict).toBe('not-yet-offsite');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(emitted).toHaveLength(1);
    setOffsite(status([A]));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(emitted.at(-1)?.verdict).toBe('safe');
    const after = reads();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(reads()).toBe(after);
    // The periodic check still runs.
    await vi.advanceTimersByTimeAsync(600_000);
    expect(reads()).toBeGreaterThan(after);
    m.stop();
  });

  it('joins a check already running for the same repository', async () => {
    const { m, reads } = monitor();
    await Promise.all([m.refresh(), m.refresh(['pi'])]);
    expect(reads()).toBe(1);
  });
});

describe('ChainMonitor and files set aside offsite', () => {
  beforeEach(() => void vi.useFakeTimers({ now: new Date('2025-03-10T12:00:00Z') }));
  afterEach(() => void vi.useRealTimers());

  const pack = 'd'.repeat(64);
  const aside = (): PiStatus => {
    const s = status([A]);
    return {
      ...s,
      schemaVersion: 2,
      generations: [{ ...s.generations[0]!, quarantined: [`data/dd/${pack}`] }],
    };
  };

  function monitor(pinned: string | undefined, used: boolean) {
    const asked: QuarantineQuestion[] = [];
    const m = new ChainMonitor({
      config: () => ({
        ...config,
        repositories: [{ ...config.repositories[0]!, ...(pinned ? { offsiteStatusKey: pinned } : {}) }],
      }),
      runs: async () => [run],
      readStatus: async () => ({ ok: true, via: 'onsite', at: new Date().toISOString(), status: aside() }),
      checkQuarantine: async (_repo, q) => {
        asked.push(q);
        return { ok: true, key: q.key, used: used ? [{ pack, paths: ['/home/a.txt'] }] : [] };
      },
      clock: { now: () => new Date() },
      emit: () => undefined,
      onBug: (e) => {
        throw e;
      },
    });
    return { m, asked };
  }

  it('asks about the newest snapshot and its generation, and judges by the answer', async () => {
    const needed = monitor(undefined, true);
    const [c] = await needed.m.refresh();
    expect(needed.asked).toHaveLength(1);
    expect(needed.asked[0]).toMatchObject({
      generation: '20250310T110000Z',
      snapshotId: 'aaaaaaaa',
      packs: [pack],
    });
    expect(c).toMatchObject({ verdict: 'at-risk', risk: { cause: 'missing-offsite', hop: 'offsite' } });
    // The chain between checks (getState) keeps the answer: no "unknown" flicker, no new question.
    expect(needed.m.chain('pi', [run]).verdict).toBe('at-risk');
    expect(needed.asked).toHaveLength(1);
    const unrelated = monitor(undefined, false);
    expect((await unrelated.m.refresh())[0]).toMatchObject({
      verdict: 'safe',
      offsite: { setAside: { needed: 0 } },
    });
  });

  it('does not ask about a status it rejects (an unsigned document for a pinned key)', async () => {
    const { m, asked } = monitor(`SHA256:${'A'.repeat(43)}`, false);
    const [c] = await m.refresh();
    expect(asked).toHaveLength(0);
    expect(c?.verdict).toBe('unknown');
  });
});

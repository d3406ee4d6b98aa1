import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/app-state.js';
import type { PiStatus } from '../../contract/pi-status.js';
import { deriveChain, type ChainInput } from './chain.js';

// The trust rule of deriveChain (status-trust.ts decides; deriveChain only obeys): kept apart from chain.test.ts.
const NOW = new Date('2025-03-10T12:00:00.000Z');
const A = 'a'.repeat(64);
const run = {
  id: 'run-1',
  kind: 'backup',
  repo: 'pi',
  plan: 'home',
  trigger: 'schedule',
  startedAt: '2025-03-10T10:00:00.000Z',
  endedAt: '2025-03-10T10:01:00.000Z',
  result: 'success',
  backup: {
    snapshotId: A,
    filesNew: 1,
    filesChanged: 0,
    filesUnmodified: 0,
    dataAdded: 1,
    totalFilesProcessed: 1,
    totalBytesProcessed: 1,
  },
} as RunRecord;
const holding: PiStatus = {
  schemaVersion: 1,
  updatedAt: '2025-03-10T11:00:00Z',
  host: 'offsite',
  repository: 'pi',
  generations: [
    {
      name: '20250310T110000Z',
      time: '2025-03-10T11:00:00Z',
      snapshotIds: [A],
      sizeBytes: 1,
      newBytes: 1,
      fileCount: 1,
      state: 'verified',
    },
  ],
  verification: { checkedFiles: 0, totalFiles: 0, damaged: [] },
  guard: { state: 'ok', threshold: 0.2, configChanged: false, keysChanged: false },
  stale: false,
};
const input = (trust: ChainInput['trust']): ChainInput => ({
  repo: { name: 'pi', offsiteStatusUser: 'restray-status' },
  now: NOW,
  lagLimitSeconds: 86_400,
  runs: [run],
  offsite: { ok: true, via: 'onsite', at: NOW.toISOString(), status: holding },
  trust,
});

describe('deriveChain with the trust result', () => {
  it('a rejected status is never safe: verdict unknown, the hop unknown with the reason and problem', () => {
    const c = deriveChain(
      input({
        state: 'rejected',
        problem: 'replay',
        fingerprint: 'SHA256:x',
        reason: 'An old status is replayed.',
      }),
    );
    expect(c.verdict).toBe('unknown');
    expect(c.offsite).toEqual({
      state: 'unknown',
      reason: 'An old status is replayed.',
      trust: { state: 'rejected', problem: 'replay', fingerprint: 'SHA256:x' },
    });
  });

  it('signed and not-pinned statuses keep their verdict and carry the trust result', () => {
    const signed = deriveChain(input({ state: 'signed', fingerprint: 'SHA256:x' }));
    expect(signed.verdict).toBe('safe');
    expect(signed.offsite.trust).toEqual({ state: 'signed', fingerprint: 'SHA256:x' });
    const unpinned = deriveChain(input({ state: 'not-pinned' }));
    expect(unpinned.verdict).toBe('safe');
    expect(unpinned.offsite.trust).toEqual({ state: 'not-pinned' });
  });
});

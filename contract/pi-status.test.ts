import { describe, expect, it } from 'vitest';
import { PI_STATUS_SCHEMA_VERSION, parsePiStatus } from './pi-status.js';

const gen = {
  name: '20250301T031500Z',
  time: '2025-03-01T03:15:00.000Z',
  snapshotIds: ['a'.repeat(64)],
  sizeBytes: 10,
  newBytes: 10,
  fileCount: 3,
  state: 'verified',
};
const doc = (schemaVersion: number, g: object) => ({
  schemaVersion,
  updatedAt: '2025-03-01T03:16:00.000Z',
  host: 'offsite',
  repository: 'home',
  generations: [g],
  verification: { checkedFiles: 0, totalFiles: 0, damaged: [] },
  guard: { state: 'ok', threshold: 0.2 },
});

describe('parsePiStatus across schema versions', () => {
  it('reads version 2 with quarantined names and version 1 documents without them', () => {
    expect(PI_STATUS_SCHEMA_VERSION).toBe(2);
    const v2 = parsePiStatus(doc(2, { ...gen, quarantined: [`data/ab/ab${'0'.repeat(62)}`] }));
    expect(v2.ok && v2.status.generations[0]!.quarantined).toEqual([`data/ab/ab${'0'.repeat(62)}`]);
    const v1 = parsePiStatus(doc(1, gen));
    expect(v1.ok && v1.status.generations[0]!.quarantined).toBeUndefined();
    const v4 = parsePiStatus(doc(4, gen));
    expect(v4).toMatchObject({
      ok: false,
      message: expect.stringMatching(/schema version 4; .* reads versions 1, 2 and the signed envelope 3/),
    });
  });
});

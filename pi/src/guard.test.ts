import { describe, expect, it } from 'vitest';
import { evaluateGuard, pickReference, type GuardPolicy } from './guard.js';
import type { RepoFile } from './repo-files.js';

const hex = (n: number, c = 'a') => n.toString(16).padStart(2, '0') + c.repeat(62);
const pack = (n: number, size = 1000): RepoFile => ({
  path: `data/${hex(n).slice(0, 2)}/${hex(n)}`,
  size,
  mtime: 1_700_000_000 + n,
});
const snap = (n: number): RepoFile => ({ path: `snapshots/${hex(n, 'c')}`, size: 300, mtime: 1_700_000_000 });
const base: RepoFile[] = [
  { path: 'config', size: 155, mtime: 1_700_000_000 },
  { path: `keys/${hex(1, 'b')}`, size: 400, mtime: 1_700_000_000 },
  ...Array.from({ length: 10 }, (_, i) => snap(i)),
  ...Array.from({ length: 20 }, (_, i) => pack(i)),
];
const mapOf = (files: readonly RepoFile[]) =>
  new Map(files.map((f) => [f.path, { size: f.size, mtime: f.mtime }]));
const prev = mapOf(base);
const policy: GuardPolicy = { maxLostShare: 0.2, maxLostSnapshotShare: 0.5 };
const guard = (
  current: RepoFile[],
  previous = prev,
  reference?: { name: string; files: Map<string, { size: number; mtime: number }> },
) => evaluateGuard({ previous, reference, current, policy });

describe('evaluateGuard', () => {
  it('passes the first sync and ordinary growth or a small prune', () => {
    expect(evaluateGuard({ previous: undefined, current: base, policy }).blocked).toBe(false);
    expect(guard([...base, pack(40), pack(41)]).blocked).toBe(false);
    const pruned = base.filter((f) => f.path !== pack(3).path && f.path !== pack(4).path);
    const f = guard(pruned);
    expect(f.blocked).toBe(false);
    expect(f.lostShare).toBeCloseTo(0.1);
  });

  it("passes a prune's repacking: every small pack gone, their bytes in a few large new ones", () => {
    const repacked = [...base.filter((f) => !f.path.startsWith('data/')), pack(100, 9000), pack(101, 9500)];
    const f = guard(repacked);
    expect(f.blocked).toBe(false);
    expect(f.comparisons[0]).toMatchObject({ packsGone: 20, packsAdded: 2 });
    expect(f.lostShare).toBeCloseTo(0.075);
  });

  it('blocks mass deletion beyond the share', () => {
    const f = guard(
      base.filter((f) => !f.path.startsWith('data/') || Number.parseInt(f.path.slice(5, 7), 16) >= 13),
    );
    expect(f.blocked).toBe(true);
    expect(f.lostPacks).toBe(13);
    expect(f.reason).toMatch(
      /65% of the pack data in the newest generation is gone .*13 of 20 packs gone, 0 new/,
    );
  });

  it('a loss spread over runs adds up against the window reference', () => {
    // Run 1 lost 15 % (allowed); run 2 loses 15 % more: against the newest alone it passes, against the
    // reference (the generation before run 1) 30 % are gone.
    const afterRun1 = base.filter((f) => ![0, 1, 2].some((n) => f.path === pack(n).path));
    const afterRun2 = afterRun1.filter((f) => ![3, 4, 5].some((n) => f.path === pack(n).path));
    expect(guard(afterRun2, mapOf(afterRun1)).blocked).toBe(false);
    const f = guard(afterRun2, mapOf(afterRun1), { name: '20250101T000000Z', files: prev });
    expect(f.blocked).toBe(true);
    expect(f.reason).toMatch(/30% of the pack data in generation 20250101T000000Z/);
    expect(f.comparisons.map((c) => c.against)).toEqual(['newest', '20250101T000000Z']);
  });

  it('counts snapshot files on their own: all gone, or more than the share, blocks with no pack lost', () => {
    const none = guard(base.filter((f) => !f.path.startsWith('snapshots/')));
    expect(none).toMatchObject({ blocked: true, lostPacks: 0 });
    expect(none.reason).toMatch(/every snapshot file of the newest generation is gone/);
    const most = guard(base.filter((f) => !f.path.startsWith('snapshots/') || f.path === snap(9).path));
    expect(most.reason).toMatch(/9 of the 10 snapshot files .* \(90%\)/);
    // A forget of a few old snapshots is normal life.
    expect(guard(base.filter((f) => f.path !== snap(0).path && f.path !== snap(1).path)).blocked).toBe(false);
  });

  it('blocks packs overwritten in place (same names, other bytes) and changed keys or config', () => {
    const encrypted = base.map((f) => (f.path.startsWith('data/') ? { ...f, mtime: f.mtime + 999 } : f));
    expect(guard(encrypted).reason).toMatch(/100% of the pack data .*20 of 20 packs gone/);
    const newKey = [...base, { path: `keys/${hex(9, 'd')}`, size: 400, mtime: 1 }];
    expect(guard(newKey)).toMatchObject({ blocked: true, keysChanged: true });
    const cfg = base.map((f) => (f.path === 'config' ? { ...f, size: 156 } : f));
    expect(guard(cfg)).toMatchObject({ blocked: true, configChanged: true });
    const snapRewritten = base.map((f) => (f.path === snap(3).path ? { ...f, size: 301 } : f));
    expect(guard(snapRewritten).reason).toMatch(/1 index, snapshot or key files were overwritten/);
  });

  it('identifies a finding stably, and differently for a different change', () => {
    const lose = (n: number) =>
      base.filter((f) => !f.path.startsWith('data/') || Number.parseInt(f.path.slice(5, 7), 16) >= n);
    const a = guard(lose(10));
    const b = guard([...lose(10), pack(50)]);
    const c = guard(lose(12));
    expect(a.id).toBe(b.id); // new backups after the block do not void an approval
    expect(a.id).not.toBe(c.id); // further deletion does
  });
});

describe('pickReference', () => {
  const g = (name: string) => ({
    name,
    time: new Date(name.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')),
  });
  const gens = ['20250101T000000Z', '20250102T000000Z', '20250102T120000Z', '20250103T060000Z'].map(g);

  it('takes the newest generation at least the window old, else the oldest', () => {
    expect(pickReference(gens, new Date('2025-01-03T07:00:00Z'), 24)).toBe('20250102T000000Z');
    expect(pickReference(gens, new Date('2025-01-03T12:00:00Z'), 24)).toBe('20250102T120000Z');
    expect(pickReference(gens, new Date('2025-01-01T06:00:00Z'), 24)).toBe('20250101T000000Z');
    expect(pickReference([], new Date(), 24)).toBeUndefined();
  });

  it('never reaches behind the approved baseline', () => {
    expect(pickReference(gens, new Date('2025-01-03T07:00:00Z'), 24, '20250102T120000Z')).toBe(
      '20250102T120000Z',
    );
    expect(pickReference(gens, new Date('2025-01-09T00:00:00Z'), 24, '20250103T060000Z')).toBe(
      '20250103T060000Z',
    );
  });
});

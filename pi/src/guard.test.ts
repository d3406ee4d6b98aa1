import { describe, expect, it } from 'vitest';
import { evaluateGuard } from './guard.js';
import type { RepoFile } from './repo-files.js';

const hex = (n: number, c = 'a') => n.toString(16).padStart(2, '0') + c.repeat(62);
const pack = (n: number): RepoFile => ({
  path: `data/${hex(n).slice(0, 2)}/${hex(n)}`,
  size: 1000 + n,
  mtime: 1_700_000_000 + n,
});
const base: RepoFile[] = [
  { path: 'config', size: 155, mtime: 1_700_000_000 },
  { path: `keys/${hex(1, 'b')}`, size: 400, mtime: 1_700_000_000 },
  { path: `snapshots/${hex(2, 'c')}`, size: 300, mtime: 1_700_000_000 },
  ...Array.from({ length: 20 }, (_, i) => pack(i)),
];
const prev = new Map(base.map((f) => [f.path, { size: f.size, mtime: f.mtime }]));

describe('evaluateGuard', () => {
  it('passes the first sync and ordinary growth or a small prune', () => {
    expect(evaluateGuard({ previous: undefined, current: base, maxLostShare: 0.2 }).blocked).toBe(false);
    const grown = [...base, pack(40), pack(41)];
    expect(evaluateGuard({ previous: prev, current: grown, maxLostShare: 0.2 }).blocked).toBe(false);
    const pruned = base.filter((f) => f.path !== pack(3).path && f.path !== pack(4).path);
    const f = evaluateGuard({ previous: prev, current: pruned, maxLostShare: 0.2 });
    expect(f.blocked).toBe(false);
    expect(f.lostShare).toBeCloseTo(0.1);
  });

  it('blocks mass deletion beyond the share', () => {
    const f = evaluateGuard({ previous: prev, current: base.slice(0, 10), maxLostShare: 0.2 });
    expect(f.blocked).toBe(true);
    expect(f.lostPacks).toBe(13);
    expect(f.reason).toMatch(/65% of the packs .* gone \(13\) or overwritten \(0\)/);
  });

  it('blocks packs overwritten in place (same names, other bytes) and changed keys or config', () => {
    const encrypted = base.map((f) => (f.path.startsWith('data/') ? { ...f, mtime: f.mtime + 999 } : f));
    expect(evaluateGuard({ previous: prev, current: encrypted, maxLostShare: 0.2 }).reason).toMatch(
      /overwritten \(20\)/,
    );
    const newKey = [...base, { path: `keys/${hex(9, 'd')}`, size: 400, mtime: 1 }];
    expect(evaluateGuard({ previous: prev, current: newKey, maxLostShare: 0.2 })).toMatchObject({
      blocked: true,
      keysChanged: true,
    });
    const cfg = base.map((f) => (f.path === 'config' ? { ...f, size: 156 } : f));
    expect(evaluateGuard({ previous: prev, current: cfg, maxLostShare: 0.2 })).toMatchObject({
      blocked: true,
      configChanged: true,
    });
  });

  it('identifies a finding stably, and differently for a different change', () => {
    const a = evaluateGuard({ previous: prev, current: base.slice(0, 10), maxLostShare: 0.2 });
    const b = evaluateGuard({ previous: prev, current: [...base.slice(0, 10), pack(50)], maxLostShare: 0.2 });
    const c = evaluateGuard({ previous: prev, current: base.slice(0, 8), maxLostShare: 0.2 });
    expect(a.id).toBe(b.id); // new backups after the block do not void an approval
    expect(a.id).not.toBe(c.id); // further deletion does
  });
});

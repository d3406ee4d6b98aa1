import { describe, expect, it } from 'vitest';
import type { LsEntry } from '../../contract/restic.js';
import { sampleFiles } from './sample.js';

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const file = (path: string, size: number): LsEntry => ({
  name: path.split('/').pop()!,
  type: 'file',
  path,
  size,
});

describe('sampleFiles', () => {
  const entries: LsEntry[] = [
    { name: 'd', type: 'dir', path: '/d' },
    ...Array.from({ length: 50 }, (_, i) => file(`/d/small-${i}`, 100 + i)),
    ...Array.from({ length: 50 }, (_, i) => file(`/d/large-${i}`, 10_000_000 + i)),
    { name: 'link', type: 'symlink', path: '/d/link' },
  ];

  it('takes N files, half from the larger and half from the smaller files, in snapshot order', () => {
    const s = sampleFiles(entries, { files: 20, maxBytes: 1e12 }, seeded(1));
    expect(s).toHaveLength(20);
    expect(s.filter((f) => f.path.includes('large'))).toHaveLength(10);
    const order = entries.map((e) => e.path);
    expect(s.map((f) => order.indexOf(f.path))).toEqual(
      [...s.map((f) => order.indexOf(f.path))].sort((a, b) => a - b),
    );
  });

  it('keeps the total within the byte budget and fills the rest with small files', () => {
    const s = sampleFiles(entries, { files: 20, maxBytes: 25_000_000 }, seeded(2));
    expect(s.reduce((n, f) => n + f.size, 0)).toBeLessThanOrEqual(25_000_000);
    expect(s.filter((f) => f.path.includes('large'))).toHaveLength(2);
    expect(s).toHaveLength(20);
  });

  it('differs between drills and never picks directories, links or pattern-like paths', () => {
    const tricky = [...entries, file('/d/star*', 1), file('/d/[x]', 1), file('/d/back\\slash', 1)];
    const a = sampleFiles(tricky, { files: 5, maxBytes: 1e12 }, seeded(3)).map((f) => f.path);
    const b = sampleFiles(tricky, { files: 5, maxBytes: 1e12 }, seeded(4)).map((f) => f.path);
    expect(a).not.toEqual(b);
    for (const p of [...a, ...b]) expect(p).toMatch(/^\/d\/(small|large)-\d+$/);
    expect(sampleFiles([], { files: 5, maxBytes: 1 })).toEqual([]);
  });
});

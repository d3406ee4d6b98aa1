import { describe, expect, it } from 'vitest';
import { parentPath, SnapshotTree } from './tree-cache.js';

describe('SnapshotTree', () => {
  it('answers a folder from the stream, folders first', () => {
    const t = new SnapshotTree();
    t.add({ name: 'home', type: 'dir', path: '/home' });
    t.add({ name: 'b.txt', type: 'file', path: '/home/b.txt', size: 3, mtime: '2026-01-02T03:04:05Z' });
    t.add({ name: 'a', type: 'dir', path: '/home/a' });
    t.add({ name: 'x', type: 'file', path: '/home/a/x', size: 1 });
    expect(t.children('/home').map((e) => e.name)).toEqual(['a', 'b.txt']);
    expect(t.children('/home')[1]).toEqual({
      name: 'b.txt',
      path: '/home/b.txt',
      type: 'file',
      size: 3,
      mtime: '2026-01-02T03:04:05.000Z',
    });
    expect(t.children('/').map((e) => e.path)).toEqual(['/home']);
    expect(t.size).toBe(4);
  });

  it('computes parents', () => {
    expect(parentPath('/a/b')).toBe('/a');
    expect(parentPath('/a')).toBe('/');
  });
});

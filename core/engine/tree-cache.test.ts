import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { parseJsonLine } from '../restic/json-lines.js';
import { lsNodeOf, type LsNode } from '../restic/ls-stream.js';
import { parentPath, SnapshotTree, toDirEntry } from './tree-cache.js';

/** The node lines of restic 0.14's full `ls --json` (golden), in restic's order. */
const goldenNodes = (): LsNode[] =>
  readFileSync(new URL('../restic/fixtures/ls-full-0.14.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => lsNodeOf(parseJsonLine(l)))
    .filter((n): n is LsNode => n !== undefined);

describe('SnapshotTree', () => {
  it('answers a folder from the stream, folders first', () => {
    const t = new SnapshotTree();
    t.add({ name: 'home', type: 'dir', path: '/home' });
    t.add({ name: 'b.txt', type: 'file', path: '/home/b.txt', size: 3, mtime: '2026-01-02T03:04:05Z' });
    t.add({ name: 'a', type: 'dir', path: '/home/a' });
    t.add({ name: 'x', type: 'file', path: '/home/a/x', size: 1 });
    t.finishAll();
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

  it("gives the same entries as restic's one-folder listing (times to the millisecond, offsets, sizes)", () => {
    const t = new SnapshotTree();
    const nodes = goldenNodes();
    for (const n of nodes) t.add(n);
    t.add({ name: 'old', type: 'file', path: '/old', mtime: '1969-12-31T23:59:58.250+01:00' });
    t.finishAll();
    const big = nodes.find((n) => n.name === 'big.bin')!;
    const fromLs = toDirEntry({
      name: big.name,
      type: big.type,
      path: big.path,
      size: 20000000,
      mtime: big.mtime!,
    });
    expect(t.children('/tmp/cap/src').find((e) => e.name === 'big.bin')).toEqual(fromLs);
    expect(fromLs.mtime).toBe('2026-11-22T04:27:33.585Z');
    expect(t.children('/').find((e) => e.name === 'old')).toEqual({
      name: 'old',
      path: '/old',
      type: 'file',
      mtime: '1969-12-31T22:59:58.250Z',
    });
    // Folders carry no size.
    expect(t.children('/tmp/cap/src').find((e) => e.name === 'docs')).not.toHaveProperty('size');
  });

  it('marks folders done as the depth-first stream leaves them, before the listing ends', () => {
    const t = new SnapshotTree();
    const nodes = goldenNodes();
    const done = (p: string) => t.answers(p);
    for (const n of nodes.slice(0, -1)) t.add(n); // up to /tmp/cap/src/docs/sub/b.txt
    expect(done('/tmp/cap/src/docs/sub')).toBe(false);
    expect(done('/tmp/cap/src/docs')).toBe(false);
    t.add(nodes.at(-1)!); // /tmp/cap/src/top.txt: the stream is back in /tmp/cap/src
    expect(done('/tmp/cap/src/docs/sub')).toBe(true);
    expect(done('/tmp/cap/src/docs')).toBe(true);
    expect(t.children('/tmp/cap/src/docs').map((e) => e.name)).toEqual(['sub', 'a.txt']);
    expect(done('/tmp/cap/src')).toBe(false);
    expect(done('/')).toBe(false);
    expect(t.complete).toBe(false);
    t.finishAll();
    expect(t.complete).toBe(true);
    expect(done('/tmp/cap/src')).toBe(true);
  });

  it('knows an empty folder as soon as the stream moves on', () => {
    const t = new SnapshotTree();
    t.add({ name: 'empty', type: 'dir', path: '/empty' });
    t.add({ name: 'full', type: 'dir', path: '/full' });
    t.add({ name: 'f', type: 'file', path: '/full/f' });
    expect(t.has('/empty')).toBe(true);
    expect(t.answers('/empty')).toBe(true);
    expect(t.children('/empty')).toEqual([]);
  });

  it('calls watchers when their folder is done, and with false when the tree cannot tell', async () => {
    const t = new SnapshotTree();
    const sub = vi.fn();
    const missing = vi.fn();
    const cancelled = vi.fn();
    t.watch('/tmp/cap/src/docs/sub', sub);
    t.watch('/nowhere', missing);
    t.watch('/tmp/cap/src', cancelled)();
    const nodes = goldenNodes();
    for (const n of nodes.slice(0, -1)) t.add(n);
    expect(sub).not.toHaveBeenCalled();
    t.add(nodes.at(-1)!);
    expect(sub).toHaveBeenCalledExactlyOnceWith(true);
    t.finishAll();
    expect(missing).toHaveBeenCalledExactlyOnceWith(false);
    expect(cancelled).not.toHaveBeenCalled();
    const late = vi.fn();
    t.watch('/tmp', late);
    await Promise.resolve();
    expect(late).toHaveBeenCalledExactlyOnceWith(true);

    const failed = new SnapshotTree();
    const w = vi.fn();
    failed.watch('/a', w);
    failed.abandon();
    expect(w).toHaveBeenCalledExactlyOnceWith(false);
  });

  it('stops answering early when the stream is not depth first, and still answers once complete', () => {
    const t = new SnapshotTree();
    t.add({ name: 'a', type: 'dir', path: '/a' });
    t.add({ name: 'x', type: 'file', path: '/a/x' });
    t.add({ name: 'b', type: 'dir', path: '/b' });
    t.add({ name: 'y', type: 'file', path: '/b/y' });
    expect(t.answers('/a')).toBe(true);
    t.add({ name: 'z', type: 'file', path: '/a/z' }); // back in /a, which was done
    t.add({ name: 'c', type: 'dir', path: '/c' });
    t.add({ name: 'w', type: 'file', path: '/c/w' });
    expect(t.answers('/b')).toBe(false);
    expect(t.answers('/a')).toBe(false);
    t.finishAll();
    expect(t.children('/a').map((e) => e.name)).toEqual(['x', 'z']);
    expect(t.answers('/b')).toBe(true);
  });

  it('computes parents', () => {
    expect(parentPath('/a/b')).toBe('/a');
    expect(parentPath('/a')).toBe('/');
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeSample, restoredPath, unreadableFiles } from './compare.js';

const dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'restray-drill-cmp-'));
  dirs.push(root);
  for (const [p, text] of Object.entries(files)) {
    const at = restoredPath(root, p);
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, text);
  }
  return root;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('judgeSample', () => {
  const sample = [
    { path: '/h/a', size: 3 },
    { path: '/h/b', size: 3 },
    { path: '/h/c', size: 3 },
    { path: '/h/d', size: 3 },
    { path: '/h/e', size: 3 },
  ];

  it('names each file by what went wrong, and passes equal files', async () => {
    const drilled = tree({ '/h/a': 'aaa', '/h/b': 'bXb', '/h/d': 'dddd' });
    const reference = tree({ '/h/a': 'aaa', '/h/b': 'bbb', '/h/d': 'ddd', '/h/e': 'eee' });
    const r = await judgeSample(
      sample,
      { root: drilled, unreadable: new Set(['/h/e']) },
      { root: reference, unreadable: new Set() },
    );
    expect(r.failures).toEqual([
      { path: '/h/b', problem: 'content' },
      { path: '/h/c', problem: 'missing' },
      { path: '/h/d', problem: 'size' },
      { path: '/h/e', problem: 'unreadable' },
    ]);
    expect(r.bytes).toBe(10);
    expect(r.unjudged).toEqual([]);
  });

  it('without a reference judges sizes only; a file the reference lacks is unjudged, not failed', async () => {
    const drilled = tree({ '/h/a': 'aaa', '/h/b': 'bbb' });
    const two = sample.slice(0, 2);
    expect((await judgeSample(two, { root: drilled, unreadable: new Set() })).failures).toEqual([]);
    const reference = tree({ '/h/a': 'aaa' });
    const r = await judgeSample(
      two,
      { root: drilled, unreadable: new Set() },
      { root: reference, unreadable: new Set() },
    );
    expect(r).toEqual({ failures: [], bytes: 6, unjudged: ['/h/b'] });
  });
});

describe('unreadableFiles', () => {
  it('finds the sampled files in restic 0.14 per-file errors, whole paths only', () => {
    const stderr = [
      'ignoring error for /src/big: ciphertext verification failed',
      'ignoring error for /src/big: UtimesNano: no such file or directory',
      'ignoring error for /src: UtimesNano: no such file or directory',
      'ignoring error for /src/odd: name: Unexpected content',
      'Fatal: There were 3 errors',
    ].join('\n');
    const sample = ['/src/big', '/src/odd: name', '/src/ok', '/src'].map((path) => ({ path, size: 1 }));
    expect([...unreadableFiles(stderr, sample)].sort()).toEqual(['/src', '/src/big', '/src/odd: name']);
  });
});

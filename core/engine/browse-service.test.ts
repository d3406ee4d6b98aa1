import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ResticContext } from '../restic/runner.js';
import { BrowseService } from './browse-service.js';

// Browsing against a stand-in for restic that prints the golden 0.14 listings (test/restic covers the real
// restic): which answers come from the one-folder listing and which from the background tree.
const fake = fileURLToPath(new URL('../restic/fixtures/fake-restic-ls.mjs', import.meta.url));
const SNAP = '3a9fa818';
const FOLDERS = ['/', '/tmp', '/tmp/cap', '/tmp/cap/src', '/tmp/cap/src/docs', '/tmp/cap/src/docs/sub'];

function setup(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'restray-browse-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const logFile = join(dir, 'calls.log');
  const ctx: ResticContext = {
    binary: process.execPath,
    repoArgs: [fake],
    password: 'pw',
    env: { FAKE_LS_LOG: logFile, ...env },
  };
  const calls = () => {
    try {
      return readFileSync(logFile, 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  };
  return { ctx, calls };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

// A case starts up to a dozen stand-in restic processes: seconds on a loaded machine, so a generous deadline.
describe('BrowseService.listDir', { timeout: 60_000 }, () => {
  it('lists the first folder with restic, the tree alongside, then every folder from the tree, with the same entries', async () => {
    const { ctx, calls } = setup();
    const browse = new BrowseService();
    const fromRestic = new Map<string, unknown>();
    // A fresh service per folder (and no call log): each answer comes from `restic ls SNAP DIR`.
    const quiet = { ...ctx, env: {} };
    for (const f of FOLDERS) {
      const fresh = new BrowseService();
      fromRestic.set(f, await fresh.listDir(quiet, 'k', SNAP, f));
      await fresh.treeReady('k', SNAP);
    }

    const first = await browse.listDir(ctx, 'k', SNAP, '/tmp/cap/src');
    expect(first).toEqual(fromRestic.get('/tmp/cap/src'));
    expect(first.map((e) => e.name)).toEqual(['docs', 'big.bin', 'top.txt']);
    await browse.treeReady('k', SNAP);
    expect(browse.cachedEntries('k', SNAP)).toBe(9);
    const before = calls().length;
    for (const f of FOLDERS) expect(await browse.listDir(ctx, 'k', SNAP, f), f).toEqual(fromRestic.get(f));
    expect(await browse.listDir(ctx, 'k', SNAP, '/nowhere')).toEqual([]);
    expect(calls()).toHaveLength(before);
    // The full listing started once, together with the first folder's (in either order).
    expect([...calls()].sort()).toEqual(['start -', 'start /tmp/cap/src']);
  });

  it('answers a folder from the tree while the listing runs, stopping restic for that folder', async () => {
    // The full listing takes ~50 ms a line and leaves /tmp/cap/src/docs (with its last line) only once restic
    // for that folder runs; a one-folder listing would take 20 s.
    const { ctx, calls } = setup({
      FAKE_LS_LINE_MS: '50',
      FAKE_LS_LAST_AFTER: 'start /tmp/cap/src/docs',
    });
    const browse = new BrowseService();
    await browse.listDir(ctx, 'k', SNAP, '/tmp');
    ctx.env!.FAKE_LS_DIR_MS = '20000';
    await until(() => calls().includes('start -'));
    const docs = await browse.listDir(ctx, 'k', SNAP, '/tmp/cap/src/docs');
    expect(docs.map((e) => e.name)).toEqual(['sub', 'a.txt']);
    expect(browse.cachedEntries('k', SNAP)).toBeUndefined(); // still listing
    await until(() => calls().includes('sigint /tmp/cap/src/docs'));
    // A folder the stream has already left answers without restic.
    const n = calls().length;
    expect((await browse.listDir(ctx, 'k', SNAP, '/tmp/cap/src/docs/sub')).map((e) => e.name)).toEqual([
      'b.txt',
    ]);
    expect(calls()).toHaveLength(n);
    await browse.treeReady('k', SNAP);
    expect(browse.cachedEntries('k', SNAP)).toBe(9);
  });

  it('keeps the answer of restic for a folder the tree has not reached, and its errors', async () => {
    // The full listing ends only once restic was asked for the missing folder.
    const { ctx, calls } = setup({ FAKE_LS_LAST_AFTER: 'start /tmp/cap/src/nowhere' });
    const browse = new BrowseService();
    await browse.listDir(ctx, 'k', SNAP, '/tmp');
    const src = await browse.listDir(ctx, 'k', SNAP, '/tmp/cap/src');
    expect(src.map((e) => e.name)).toEqual(['docs', 'big.bin', 'top.txt']);
    expect(calls()).toContain('start /tmp/cap/src');
    await expect(browse.listDir(ctx, 'k', SNAP, '/tmp/cap/src/nowhere')).rejects.toMatchObject({
      kind: 'not-found',
    });
    await browse.treeReady('k', SNAP);
    expect(browse.cachedEntries('k', SNAP)).toBe(9);
  });
});

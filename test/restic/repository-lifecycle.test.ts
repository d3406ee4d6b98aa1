import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupProgress, BackupResult, LsEntry } from '../../contract/restic.js';
import * as restic from '../../core/restic/index.js';
import { localContext, treeDigest, resticBinary, scratch, writeRandomFile, writeTree } from './restic-lab.js';

// One repository taken through its life with the real restic: init, three backups, browsing, restore, the
// maintenance verbs and finally a password change. Tests run in order and build on each other.
describe('restic driver against a real local repository', () => {
  const { dir, cleanup } = scratch('lifecycle');
  const repo = join(dir, 'repo');
  const src = join(dir, 'src');
  let ctx = localContext(repo, 'first password');
  const backups: BackupResult[] = [];

  beforeAll(() => {
    writeTree(src, { 'docs/a.txt': 'hello\n', 'docs/sub/b.txt': 'world\n', 'top.txt': 'top\n' });
    writeRandomFile(join(src, 'docs/blob.bin'), 3 << 20);
  });
  afterAll(cleanup);

  it('reports the installed restic version (≥ 0.14)', async () => {
    const v = await restic.version(resticBinary);
    expect(restic.resticAtLeast(v, 0, 14)).toBe(true);
  });

  it('creates a repository, and refuses to create one twice', async () => {
    const r = await restic.init(ctx);
    expect(r.repositoryId).toMatch(/^[0-9a-f]+$/);
    await expect(restic.init(ctx)).rejects.toMatchObject({ kind: 'repo-exists' });
  });

  it('backs up with progress events and a summary', async () => {
    const progress: BackupProgress[] = [];
    const r = await restic.backup(ctx, { paths: [src], onProgress: (p) => progress.push(p) });
    expect(progress.length).toBeGreaterThan(0);
    // A small tree is done within restic's first progress tick: only scanning-time events are guaranteed here
    // (test/restic/cancel.test.ts sees progress through a long backup).
    for (const p of progress) {
      expect(p.percent).toBeGreaterThanOrEqual(0);
      expect(p.percent).toBeLessThanOrEqual(100);
      expect(p.bytesTotal).toBeGreaterThan(0);
    }
    expect(r.partial).toBe(false);
    expect(r.problems).toEqual([]);
    expect(r.shortId).toMatch(/^[0-9a-f]{8}$/);
    expect(r.summary.filesNew).toBe(4);
    expect(r.summary.totalBytesProcessed).toBe((3 << 20) + 6 + 6 + 4);
    backups.push(r);

    writeTree(src, { 'top.txt': 'top, changed\n', 'docs/new.txt': 'new\n' });
    backups.push(await restic.backup(ctx, { paths: [src], tags: ['restray'] }));
    backups.push(await restic.backup(ctx, { paths: [src] }));
  });

  it('lists snapshots oldest first with full IDs', async () => {
    const list = await restic.snapshots(ctx);
    expect(list.map((s) => s.shortId)).toEqual(backups.map((b) => b.shortId));
    expect(list[0]!.id).toHaveLength(64);
    expect(list[0]!.paths).toEqual([src]);
    expect(list[1]!.tags).toEqual(['restray']);
    expect(await restic.snapshots(ctx, { tags: ['restray'] })).toHaveLength(1);
  });

  it('lists one folder: only its direct children', async () => {
    const { snapshot, entries } = await restic.ls(ctx, {
      snapshot: backups[0]!.shortId,
      dir: `${src}/docs/`,
    });
    expect(snapshot.shortId).toBe(backups[0]!.shortId);
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['a.txt', 'file'],
      ['blob.bin', 'file'],
      ['sub', 'dir'],
    ]);
    expect(entries.find((e) => e.name === 'a.txt')).toMatchObject({ path: `${src}/docs/a.txt`, size: 6 });

    const top = await restic.ls(ctx, { snapshot: 'latest', dir: '/' });
    expect(top.entries.map((e) => e.path)).toEqual([`/${src.split('/')[1]}`]);
  });

  it('reports a missing folder, a file given as folder and an unknown snapshot', async () => {
    const id = backups[0]!.shortId;
    await expect(restic.ls(ctx, { snapshot: id, dir: `${src}/nope` })).rejects.toMatchObject({
      kind: 'not-found',
    });
    await expect(restic.ls(ctx, { snapshot: id, dir: `${src}/top.txt` })).rejects.toMatchObject({
      kind: 'invalid-argument',
    });
    await expect(restic.ls(ctx, { snapshot: 'deadbeef', dir: '/' })).rejects.toMatchObject({
      kind: 'not-found',
    });
  });

  it('streams the whole tree entry by entry', async () => {
    const seen: LsEntry[] = [];
    const r = await restic.lsStream(ctx, { snapshot: backups[0]!.shortId, onEntry: (e) => seen.push(e) });
    expect(r.count).toBe(seen.length);
    const files = seen.filter((e) => e.type === 'file').map((e) => e.path.slice(src.length + 1));
    expect(files.sort()).toEqual(['docs/a.txt', 'docs/blob.bin', 'docs/sub/b.txt', 'top.txt']);
  });

  it('restores a single file', async () => {
    const target = join(dir, 'restore-one');
    await restic.restore(ctx, {
      snapshot: backups[0]!.shortId,
      target,
      includes: [`${src}/docs/a.txt`],
      onProgress: () => {},
    });
    expect(treeDigest(join(target, src))).toEqual(
      new Map([['docs/a.txt', treeDigest(src).get('docs/a.txt')]]),
    );
    expect(readFileSync(join(target, src, 'docs/a.txt'), 'utf8')).toBe('hello\n');
  });

  it('restores a whole tree byte for byte', async () => {
    const target = join(dir, 'restore-all');
    const events: string[] = [];
    await restic.restore(ctx, {
      snapshot: backups[2]!.snapshotId,
      target,
      onProgress: (p) => events.push(p.kind),
    });
    expect(events[0]).toBe('indeterminate');
    expect(treeDigest(join(target, src))).toEqual(treeDigest(src));
  });

  it('diffs two snapshots', async () => {
    const d = await restic.diff(ctx, { from: backups[0]!.shortId, to: backups[1]!.shortId });
    expect(d.changes).toEqual(
      expect.arrayContaining([
        { path: `${src}/docs/new.txt`, modifier: '+' },
        { path: `${src}/top.txt`, modifier: 'M' },
      ]),
    );
    expect(d.stats.added.files).toBe(1);
    await expect(restic.diff(ctx, { from: 'deadbeef', to: 'latest' })).rejects.toMatchObject({
      kind: 'not-found',
    });
  });

  it('finds files across snapshots', async () => {
    const hits = await restic.find(ctx, { patterns: ['new.txt'] });
    expect(hits.map((h) => h.snapshotId.slice(0, 8)).sort()).toEqual(
      [backups[1]!.shortId, backups[2]!.shortId].sort(),
    );
    expect(hits[0]!.matches[0]).toMatchObject({ path: `${src}/docs/new.txt`, type: 'file' });
    expect(await restic.find(ctx, { patterns: ['no-such-file-*'] })).toEqual([]);
  });

  it('reports statistics', async () => {
    const size = await restic.stats(ctx);
    expect(size).toMatchObject({ mode: 'restore-size', snapshotsCount: 3 });
    const raw = await restic.stats(ctx, { mode: 'raw-data' });
    expect(raw.totalBlobCount).toBeGreaterThan(0);
    const one = await restic.stats(ctx, { snapshots: [backups[0]!.shortId] });
    expect(one.snapshotsCount).toBe(1);
    await expect(restic.stats(ctx, { snapshots: ['deadbeef'] })).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('previews forget without removing anything, with reasons', async () => {
    const preview = await restic.forget(ctx, { retention: { keepLast: 1 }, dryRun: true });
    expect(preview.dryRun).toBe(true);
    expect(preview.groups).toHaveLength(1);
    const g = preview.groups[0]!;
    expect(g.keep.map((k) => k.snapshot.shortId)).toEqual([backups[2]!.shortId]);
    expect(g.keep[0]!.reasons).toContain('last snapshot');
    expect(g.remove.map((s) => s.shortId).sort()).toEqual([backups[0]!.shortId, backups[1]!.shortId].sort());
    expect(await restic.snapshots(ctx)).toHaveLength(3);
  });

  it('forgets and prunes for real', async () => {
    const r = await restic.forget(ctx, { retention: { keepLast: 2 }, prune: true });
    expect(r.pruned).toBe(true);
    expect(r.groups[0]!.remove.map((s) => s.shortId)).toEqual([backups[0]!.shortId]);
    expect((await restic.snapshots(ctx)).map((s) => s.shortId)).toEqual([
      backups[1]!.shortId,
      backups[2]!.shortId,
    ]);
    await restic.prune(ctx);
  });

  it('checks the structure and a subset of the data', async () => {
    await restic.check(ctx);
    await restic.check(ctx, { readDataSubset: '50%' });
    await restic.check(ctx, { readDataSubset: '1/2' });
    await expect(restic.check(ctx, { readDataSubset: '0/2' })).rejects.toMatchObject({
      kind: 'invalid-argument',
    });
  });

  it('changes the password: the old one stops working, the new one works', async () => {
    await restic.keyPasswd(ctx, { newPassword: 'second password' });
    await expect(restic.snapshots(ctx)).rejects.toMatchObject({ kind: 'wrong-password' });
    ctx = localContext(repo, 'second password');
    expect(await restic.snapshots(ctx)).toHaveLength(2);
  });

  it('unlock succeeds when there is nothing to remove', async () => {
    await restic.unlock(ctx);
  });
});

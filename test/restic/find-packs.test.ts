import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as restic from '../../core/restic/index.js';
import { runRestic } from '../../core/restic/runner.js';
import { askRestic } from '../../core/status/quarantine-check.js';
import { classifySetAside, type QuarantineQuestion } from '../../core/status/quarantine-verdict.js';
import { localContext, scratch, writeTree } from './restic-lab.js';

/**
 * `restic find --pack` (restic 0.14) as quarantine-check.ts uses it, against real repositories: which packs the
 * newest snapshot needs, a pack no snapshot uses, a junk name nothing holds, a pack missing from a copy (restic
 * reads its blobs from the index) and a damaged pack file still present (restic fails: never "not needed").
 */
describe('restic find --pack for set-aside files', () => {
  const lab = scratch('find-packs');
  const repo = join(lab.dir, 'repo');
  const ctx = localContext(repo, 'find-packs-pw');
  const src = join(lab.dir, 'src');
  let first = '';
  let newest = '';
  let oldPacks: string[] = [];
  let newPacks: string[] = [];
  const packFiles = (r: string) =>
    readdirSync(join(r, 'data')).flatMap((d) =>
      readdirSync(join(r, 'data', d)).map((f) => join(r, 'data', d, f)),
    );
  const idOf = (p: string) => p.split('/').at(-1)!;
  const question = (snapshotId: string, packs: string[]): QuarantineQuestion => {
    const files = packs.map((p) => classifySetAside(`data/${p.slice(0, 2)}/${p}`));
    return { generation: '20261203T100000Z', snapshotId, files, packs, key: packs.join() };
  };

  beforeAll(async () => {
    writeTree(src, { 'old.bin': 300_000 });
    await restic.init(ctx);
    await runRestic(ctx, { args: ['backup', '--host', 'ws', src] });
    oldPacks = packFiles(repo).map(idOf);
    rmSync(join(src, 'old.bin'));
    writeTree(src, { 'new.bin': 300_000, 'small.txt': 'x\n' });
    await runRestic(ctx, { args: ['backup', '--host', 'ws', src] });
    newPacks = packFiles(repo)
      .map(idOf)
      .filter((p) => !oldPacks.includes(p));
    const snaps = await restic.snapshots(ctx, {});
    first = snaps[0]!.id;
    newest = snaps[1]!.id;
  }, 60_000);
  afterAll(() => lab.cleanup());

  const biggest = (ids: string[]) =>
    ids
      .map((id) => join(repo, 'data', id.slice(0, 2), id))
      .sort((a, b) => statSync(b).size - statSync(a).size)
      .map(idOf)[0]!;

  it('a pack the newest snapshot uses: needed, with the paths that use it', async () => {
    const pack = biggest(newPacks);
    const a = await askRestic(ctx, question(newest, [pack]));
    expect(a).toEqual({
      ok: true,
      key: pack,
      used: [{ pack, paths: expect.arrayContaining([`${src}/new.bin`]) }],
    });
  });

  it('a pack only an older snapshot uses, and a junk ID nothing holds: not needed by the newest', async () => {
    const junk = randomBytes(32).toString('hex');
    const old = biggest(oldPacks);
    expect(await askRestic(ctx, question(newest, [old, junk]))).toMatchObject({ ok: true, used: [] });
    // The same old pack is needed by the snapshot that uses it.
    expect(await askRestic(ctx, question(first, [old, junk]))).toMatchObject({
      ok: true,
      used: [{ pack: old, paths: expect.arrayContaining([`${src}/old.bin`]) }],
    });
    const found = await restic.findPacks(ctx, { packs: [junk, old], snapshot: first });
    expect(found.unknown).toEqual([junk]);
  });

  it('several packs, some used: each asked alone, only the used ones named', async () => {
    const used = biggest(newPacks);
    const a = await askRestic(ctx, question(newest, [biggest(oldPacks), used]));
    expect(a.ok && a.used.map((u) => u.pack)).toEqual([used]);
  });

  it('in a copy that lacks the pack (as the offsite generation does) restic answers from the index', async () => {
    const copy = join(lab.dir, 'copy');
    cpSync(repo, copy, { recursive: true });
    const pack = biggest(newPacks);
    rmSync(join(copy, 'data', pack.slice(0, 2), pack));
    const a = await askRestic(localContext(copy, 'find-packs-pw'), question(newest, [pack]));
    expect(a).toMatchObject({
      ok: true,
      used: [{ pack, paths: expect.arrayContaining([`${src}/new.bin`]) }],
    });
  });

  it('a damaged pack file still present (as onsite): restic fails, so the answer is a failure, never "not needed"', async () => {
    const copy = join(lab.dir, 'damaged');
    cpSync(repo, copy, { recursive: true });
    const pack = biggest(newPacks);
    const file = join(copy, 'data', pack.slice(0, 2), pack);
    const size = statSync(file).size;
    rmSync(file);
    mkdirSync(join(copy, 'data', pack.slice(0, 2)), { recursive: true });
    writeFileSync(file, randomBytes(size));
    const a = await askRestic(localContext(copy, 'find-packs-pw'), question(newest, [pack]));
    expect(a.ok).toBe(false);
    // The password never shows in what is reported.
    expect(JSON.stringify(a)).not.toContain('find-packs-pw');
  });
});

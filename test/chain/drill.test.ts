import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/app-state.js';
import type { Repository } from '../../contract/config.js';
import { resolvePaths } from '../../core/config/paths.js';
import { Engine } from '../../core/engine/engine.js';
import * as restic from '../../core/restic/index.js';
import { listGenerations, offsitePaths } from '../../pi/src/offsite/store.js';
import { writeRandomFiles } from '../pi/lab-two-pi.js';
import { localContext, writeRandomFile } from '../restic/restic-lab.js';
import { deadPort, memorySecrets, startChainLab, type ChainLab } from './chain-lab.js';

/**
 * Restore drills (issue 12 item 4) against the chain lab: the real restic, the onsite Pi's append-only account,
 * the offsite Pi's generations synced by the real `restray-pi sync`, read through its read-only SFTP account.
 */
describe('restore drills from the offsite copy', () => {
  let lab: ChainLab;
  let engine: Engine;
  let home: string;
  let src: string;

  const drill = async (input: Omit<Parameters<Engine['startDrill']>[0], 'repo'> = {}): Promise<RunRecord> =>
    engine.startDrill({ repo: 'pi', ...input }).done;
  /** What the drills' private folder still holds (each drill removes its sample). */
  const listDrills = () => {
    const root = join(engine.paths.stateDir, 'drills');
    return existsSync(root) ? readdirSync(root) : [];
  };

  beforeAll(async () => {
    lab = await startChainLab();
    home = mkdtempSync(join(tmpdir(), 'restray-drill-ws-'));
    engine = await Engine.open({
      paths: resolvePaths('linux', { RESTRAY_HOME: home }, home),
      secrets: memorySecrets(),
    });
    await engine.addRepository(lab.repository(), lab.pis.workstation.password, { verify: true });
    src = join(lab.pis.dir, 'drill-data');
    writeRandomFiles(src, 8, 150_000, 'small');
    writeRandomFile(join(src, 'big.bin'), 6_000_000);
    await engine.savePlan({ name: 'home', repo: 'pi', paths: [src], prune: false });
    const run = await engine.startBackup('home', 'manual').done;
    expect(run.result, JSON.stringify(run.error)).toBe('success');
    const synced = await lab.sync();
    expect(synced.result, JSON.stringify(synced)).toBe('ok');
  }, 240_000);
  afterAll(async () => {
    await engine?.close();
    await lab?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('passes end to end: every sampled byte from the offsite Pi equals the onsite copy; the sample is gone', async () => {
    const t0 = performance.now();
    const run = await drill();
    const ms = Math.round(performance.now() - t0);
    expect(run.kind).toBe('drill');
    expect(run.result, JSON.stringify(run.error)).toBe('success');
    const d = run.drill!;
    expect(d).toMatchObject({ from: 'offsite', comparedWith: 'onsite', files: 9, failures: [] });
    expect(d.generation).toMatch(/^\d{8}T\d{6}Z$/);
    expect(d.bytes).toBe(8 * 150_000 + 6_000_000);
    expect(listDrills()).toEqual([]);
    // Recorded in the run history and shown as the repository's last drill.
    const state = await engine.getState();
    expect(state.repos[0]!.lastDrill?.id).toBe(run.id);
    // The run log says where the time went (listing, each restore, comparing).
    console.log((await engine.jobs.runLog(run.id)).log);
    console.log(
      `drill timing: ${ms} ms for ${d.files} files, ${d.bytes} bytes from the offsite Pi (and as many from onsite)`,
    );
  });

  it('with the onsite Pi stopped, compares with the sizes and content IDs restic recorded', async () => {
    const before: Repository = structuredClone(engine.getConfig().repositories[0]!);
    const gone: Repository = structuredClone(before);
    if (gone.target.kind !== 'append-only') throw new Error('lab repository is append-only');
    gone.target.port = await deadPort();
    await engine.replaceConfig({ ...engine.getConfig(), repositories: [gone] });
    try {
      const run = await drill({ files: 4 });
      expect(run.result, JSON.stringify(run.error)).toBe('success');
      expect(run.drill).toMatchObject({ from: 'offsite', comparedWith: 'recorded', files: 4, failures: [] });
      expect(run.warnings?.join('\n')).toMatch(/onsite repository could not be read/);
      expect(listDrills()).toEqual([]);
    } finally {
      await engine.replaceConfig({ ...engine.getConfig(), repositories: [before] });
    }
  });

  it('a flipped byte in one offsite pack used by a sampled file fails the drill and names that file', async () => {
    const p = offsitePaths(lab.offsiteRoot);
    const gen = join(p.generations, listGenerations(p).at(-1)!);
    const ctx = localContext(gen, lab.pis.workstation.password);
    // A data blob of the generation, its pack and the file that uses it, as restic's own index says.
    const indexes: string[] = [];
    await restic
      .runRestic(ctx, {
        args: ['list', 'index'],
        onJson: () => {},
      })
      .then((r) => indexes.push(...r.stdoutTail.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l))));
    let blob: { pack: string; id: string; offset: number; length: number } | undefined;
    for (const id of indexes) {
      await restic.runRestic(ctx, {
        args: ['cat', 'index', id],
        onJson: (v) => {
          const packs = (
            v as {
              packs: { id: string; blobs: { id: string; type: string; offset: number; length: number }[] }[];
            }
          ).packs;
          for (const pack of packs)
            for (const b of pack.blobs) if (!blob && b.type === 'data') blob = { pack: pack.id, ...b };
        },
      });
    }
    expect(blob).toBeDefined();
    let file = '';
    await restic.runRestic(ctx, {
      args: ['find', '--json', '--blob', blob!.id],
      onJson: (v) => {
        const hits = v as { path: string }[];
        if (Array.isArray(hits) && hits[0]) file = hits[0].path;
      },
    });
    expect(file).toMatch(/drill-data\//);
    const packPath = join(gen, 'data', blob!.pack.slice(0, 2), blob!.pack);
    const at = blob!.offset + Math.floor(blob!.length / 2);
    const flip = () => {
      const fd = openSync(packPath, 'r+');
      try {
        const b = Buffer.alloc(1);
        readSync(fd, b, 0, 1, at);
        b[0] = b[0]! ^ 0x01;
        writeSync(fd, b, 0, 1, at);
      } finally {
        closeSync(fd);
      }
    };
    flip();
    try {
      const run = await drill({ files: 100 });
      expect(run.result).toBe('failed');
      expect(run.drill!.failures).toContainEqual({ path: file, problem: 'unreadable' });
      expect(run.drill!.failures).toHaveLength(1);
      expect(run.error?.message).toContain(file);
      expect(listDrills()).toEqual([]);
      expect((await engine.getState()).repos[0]!.lastDrill?.result).toBe('failed');
    } finally {
      flip();
    }
  });
});

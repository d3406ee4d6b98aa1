import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths } from '../core/config/paths.js';
import { AppEngine } from '../core/engine/app-engine.js';
import { Engine } from '../core/engine/engine.js';
import { KeytarStore } from '../core/secrets/keytar-store.js';
import { fmt, median, ratio, timed } from './lib.js';

const FILES = Number(process.env.BENCH_BROWSE_FILES ?? 1_000_000);
const PASSWORD = 'bench-browse-password';

/** FILES empty files in 1000 folders of 10 subfolders each (`/d123/s4/f…`), written as fast as possible. */
function generate(root: string): void {
  const perLeaf = Math.ceil(FILES / 10_000);
  let n = 0;
  for (let d = 0; d < 1000 && n < FILES; d++) {
    for (let s = 0; s < 10 && n < FILES; s++) {
      const dir = join(root, `d${d}`, `s${s}`);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < perLeaf && n < FILES; f++, n++) writeFileSync(join(dir, `file-${n}.txt`), '');
    }
  }
}

const heapMiB = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/**
 * Restore browsing on a snapshot of FILES files (issue 4): time to the first folder through the engine versus
 * one plain `restic ls` of that folder; time until the whole tree is cached versus a plain full `restic ls`;
 * each later folder from the cache; heap held by the cache. Run node with --expose-gc for the memory figure.
 */
export async function benchRestoreBrowse(env: Record<string, string>): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'restray-bench-browse-'));
  try {
    const src = join(work, 'src');
    process.stderr.write(`bench: generating ${FILES} files for the browsing benchmark…\n`);
    generate(src);
    Object.assign(process.env, env, { RESTRAY_HOME: join(work, 'home') });
    const engine = await Engine.open({
      paths: resolvePaths(process.platform, process.env, work),
      secrets: new KeytarStore(),
    });
    await engine.addRepository(
      { name: 'big', target: { kind: 'local', path: join(work, 'repo') } },
      PASSWORD,
      { init: true },
    );
    await engine.savePlan({ name: 'big', repo: 'big', paths: [src] });
    process.stderr.write('bench: backing up (this takes a while)…\n');
    const run = await engine.startBackup('big', 'manual').done;
    if (run.result !== 'success') throw new Error(`backup failed: ${run.error?.message}`);
    const snap = (await engine.snapshots('big')).at(-1)!.id;
    const resticEnv = {
      ...process.env,
      RESTIC_PASSWORD: PASSWORD,
      RESTIC_CACHE_DIR: join(work, 'home', 'state', 'restic'),
    };
    const dir = join(src, 'd500', 's5');
    const plainDir: number[] = [];
    const plainFull: number[] = [];
    for (let i = 0; i < 3; i++) {
      plainDir.push(
        await timed(() =>
          execa('restic', ['-r', join(work, 'repo'), 'ls', '--json', snap, dir], { env: resticEnv }),
        ),
      );
      plainFull.push(
        await timed(() =>
          execa('restic', ['-r', join(work, 'repo'), 'ls', '--json', snap], {
            env: resticEnv,
            stdout: 'ignore',
          }),
        ),
      );
    }
    const app = new AppEngine(engine);
    const before = heapMiB();
    const t0 = performance.now();
    const first = await app.listDir({ repo: 'big', snapshot: snap, path: dir, source: 'onsite' });
    const firstMs = performance.now() - t0;
    await app.treeReady('big', snap);
    const cachedMs = performance.now() - t0;
    const entries = app.cachedEntries('big', snap) ?? 0;
    const later: number[] = [];
    for (const d of [join(src, 'd1', 's2'), join(src, 'd999', 's9'), join(src, 'd42'), src]) {
      later.push(await timed(() => app.listDir({ repo: 'big', snapshot: snap, path: d, source: 'onsite' })));
    }
    const held = heapMiB() - before;
    await engine.close();
    const ok = (v: boolean) => (v ? 'met' : 'NOT met');
    return [
      `### Restore browsing (${FILES.toLocaleString('en')} files in one snapshot; first folder has ${first.entries.length} entries)`,
      '',
      '| measure | restray | plain restic | ratio | target | |',
      '|---|---|---|---|---|---|',
      `| first folder | ${fmt(firstMs)} | ${fmt(median(plainDir))} (one \`ls SNAP DIR\`) | ${ratio(firstMs, median(plainDir))} | ≤ 1.1 × | ${ok(firstMs <= 1.1 * median(plainDir))} |`,
      `| whole tree cached (from the first click) | ${fmt(cachedMs)} | ${fmt(median(plainFull))} (full \`ls\`) | ${ratio(cachedMs, median(plainFull))} | ≤ 1.2 × | ${ok(cachedMs <= 1.2 * median(plainFull))} |`,
      `| each later folder (max of ${later.length}) | ${Math.max(...later).toFixed(1)} ms | | | ≤ 200 ms | ${ok(Math.max(...later) <= 200)} |`,
      `| heap held by the cache (${entries.toLocaleString('en')} entries) | ${held.toFixed(0)} MiB | | | ≤ 200 MB | ${ok(held * 2 ** 20 <= 200e6)} |`,
    ].join('\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

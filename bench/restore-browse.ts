import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths } from '../core/config/paths.js';
import { Engine } from '../core/engine/engine.js';
import { KeytarStore } from '../core/secrets/keytar-store.js';
import { fmt, median, ratio, timed } from './lib.js';

const FILES = Number(process.env.BENCH_BROWSE_FILES ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_BROWSE_ROUNDS ?? 3);
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
 * Plain restic and restray alternate for ROUNDS rounds; medians are compared.
 *
 * The plain full listing is `restic ls --json SNAP` with its output to /dev/null: the JSON stream restray
 * reads, without anyone reading it.
 *
 * Generating and backing up the files takes minutes: with BENCH_BROWSE_DIR=/some/folder the repository is
 * kept there and reused by later runs (for iterating; the folder is never removed).
 */
export async function benchRestoreBrowse(env: Record<string, string>): Promise<string> {
  const keep = process.env.BENCH_BROWSE_DIR;
  const work = keep ?? mkdtempSync(join(tmpdir(), 'restray-bench-browse-'));
  try {
    const src = join(work, 'src');
    const home = join(work, 'home');
    const marker = join(work, 'snapshot.json');
    const reuse = keep !== undefined && existsSync(marker);
    mkdirSync(work, { recursive: true });
    // The keychain is new in every run: a kept configuration would point at a lost password. The restic
    // cache under home/state stays.
    rmSync(join(home, 'config.json'), { force: true });
    Object.assign(process.env, env, { RESTRAY_HOME: home });
    const open = () =>
      Engine.open({ paths: resolvePaths(process.platform, process.env, work), secrets: new KeytarStore() });
    const engine = await open();
    let snap: string;
    if (reuse) {
      const saved = JSON.parse(readFileSync(marker, 'utf8')) as { files: number; snapshot: string };
      if (saved.files !== FILES) throw new Error(`${work} holds ${saved.files} files, not ${FILES}`);
      snap = saved.snapshot;
      await engine.addRepository(
        { name: 'big', target: { kind: 'local', path: join(work, 'repo') } },
        PASSWORD,
        { init: false },
      );
      process.stderr.write(`bench: reusing the snapshot ${snap.slice(0, 8)} in ${work}\n`);
    } else {
      process.stderr.write(`bench: generating ${FILES} files for the browsing benchmark…\n`);
      rmSync(src, { recursive: true, force: true });
      rmSync(join(work, 'repo'), { recursive: true, force: true });
      generate(src);
      await engine.addRepository(
        { name: 'big', target: { kind: 'local', path: join(work, 'repo') } },
        PASSWORD,
        { init: true },
      );
      await engine.savePlan({ name: 'big', repo: 'big', paths: [src] });
      process.stderr.write('bench: backing up (this takes a while)…\n');
      const run = await engine.startBackup('big', 'manual').done;
      if (run.result !== 'success') throw new Error(`backup failed: ${run.error?.message}`);
      snap = (await engine.snapshots('big')).at(-1)!.id;
      if (keep !== undefined) writeFileSync(marker, JSON.stringify({ files: FILES, snapshot: snap }));
    }
    const resticEnv = {
      ...process.env,
      RESTIC_PASSWORD: PASSWORD,
      RESTIC_CACHE_DIR: join(home, 'state', 'restic'),
    };
    const dir = join(src, 'd500', 's5');
    const plainDir: number[] = [];
    const plainFull: number[] = [];
    const firsts: number[] = [];
    const cacheds: number[] = [];
    const later: number[] = [];
    let held = 0;
    let entries = 0;
    let firstCount = 0;
    // One warm-up listing so that every measured run finds restic's cache filled.
    await execa('restic', ['-r', join(work, 'repo'), 'ls', '--json', snap, dir], { env: resticEnv });
    for (let i = 0; i < ROUNDS; i++) {
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
      // A new engine per round: a cold tree cache, as after opening the restore wizard.
      const round = await open();
      const app = round.browsing;
      const before = heapMiB();
      const t0 = performance.now();
      const first = await app.listDir({ repo: 'big', snapshot: snap, path: dir, source: 'onsite' });
      firsts.push(performance.now() - t0);
      firstCount = first.entries.length;
      await app.treeReady('big', snap);
      cacheds.push(performance.now() - t0);
      entries = app.cachedEntries('big', snap) ?? 0;
      for (const d of [join(src, 'd1', 's2'), join(src, 'd999', 's9'), join(src, 'd42'), src]) {
        later.push(
          await timed(() => app.listDir({ repo: 'big', snapshot: snap, path: d, source: 'onsite' })),
        );
      }
      held = Math.max(held, heapMiB() - before);
      await round.close();
    }
    await engine.close();
    const ok = (v: boolean) => (v ? 'met' : 'NOT met');
    const firstMs = median(firsts);
    const cachedMs = median(cacheds);
    const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    return [
      `### Restore browsing (${FILES.toLocaleString('en')} files in one snapshot; first folder has ${firstCount} entries; medians of ${ROUNDS} alternating rounds)`,
      '',
      '| measure | restray | plain restic | ratio | target | |',
      '|---|---|---|---|---|---|',
      `| first folder | ${fmt(firstMs)} | ${fmt(median(plainDir))} (one \`ls --json SNAP DIR\`) | ${ratio(firstMs, median(plainDir))} | ≤ 1.1 × | ${ok(firstMs <= 1.1 * median(plainDir))} |`,
      `| whole tree cached (from the first click) | ${fmt(cachedMs)} | ${fmt(median(plainFull))} (full \`ls --json\` to /dev/null) | ${ratio(cachedMs, median(plainFull))} | ≤ 1.2 × | ${ok(cachedMs <= 1.2 * median(plainFull))} |`,
      `| each later folder (max of ${later.length}) | ${Math.max(...later).toFixed(1)} ms | | | ≤ 200 ms | ${ok(Math.max(...later) <= 200)} |`,
      `| heap held by the cache (${entries.toLocaleString('en')} entries, max of the rounds) | ${held.toFixed(0)} MiB | | | ≤ 200 MB | ${ok(held * 2 ** 20 <= 200e6)} |`,
      '',
      `Raw (ms): first folder restray ${ms(firsts)}, restic ${ms(plainDir)}; whole tree restray ${ms(cacheds)}, restic ${ms(plainFull)}.`,
    ].join('\n');
  } finally {
    if (keep === undefined) rmSync(work, { recursive: true, force: true });
  }
}

// How the offsite side's cost grows with its work (issue 11): `restray-pi sync` (full and incremental), `prune`
// and `reverify` on repositories of 10k and 100k files (1M with BENCH_PI_SCALE_1M=1) and stores of 30 and 400
// generations. Each command runs as the restray-pi bundle in a child process under /usr/bin/time, so that the
// figures are those of the real command: wall time, CPU seconds (user+sys of restray-pi and every child it
// waited for: rsync, ssh), restray-pi's own CPU and its peak RSS (process.resourceUsage() at exit, written by a
// --require preload; rsync's RSS is not in it).
//
// The repository is synthesized, not made by restic: data/xx/<sha256> files of 512 random bytes plus index and
// snapshot files named the same way, next to the config and key a real `restic init` wrote (restray-pi without
// the offsite password checks names against contents, which these pass). Older generations are hardlink trees
// made directly (`cp -al` of the newest, minus the files added after them), with their generations.json entries.
//
//   npx tsx bench/pi-scale.ts          # 10k and 100k files; 30, 100, 400 generations up to 12M links (see maxLinks)
//   BENCH_PI_SCALE_FILES=2000 BENCH_PI_SCALE_GENS=5,20 npx tsx bench/pi-scale.ts   # quick look
//   BENCH_PI_SCALE_1M=1 npx tsx bench/pi-scale.ts          # adds 1M files (30 generations only; > 30 min)
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generationName } from '../pi/src/generation-name.js';
import { generationMeta } from '../pi/src/offsite/commit.js';
import {
  listGenerations,
  offsitePaths,
  readGenerationsMeta,
  walkRepo,
  writeGenerationsMeta,
} from '../pi/src/offsite/store.js';
import { startTwoPiLab, type TwoPiLab } from '../test/pi/lab-two-pi.js';
import { median } from './lib.js';
import { measurePi as measure, type Cost } from './pi-cost.js';

const run = promisify(execFile);

/** Figures for one repository size. */
export interface ScaleResult {
  files: number;
  fullSync: Cost;
  byGenerations: {
    generations: number;
    /** The first prune after the generations appeared: compares every adjacent pair once (removed-data ledger). */
    ledgerCatchUp: Cost;
    /** Median of the rounds; each round adds the same new data. */
    incrementalSync: Cost;
    incrementalRounds: Cost[];
    pruneNothing: Cost;
    pruneOne: Cost;
    reverifySlice: Cost;
    reverifyFiles: number;
  }[];
  newFilesPerIncrement: number;
  newBytesPerIncrement: number;
  load: string;
}

const loadNow = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Writes a content-addressed file (name = SHA-256 of its bytes) under `dir` (`data` gets the xx/ level). */
function addFile(repo: string, dir: 'data' | 'index' | 'snapshots', bytes: Buffer): string {
  const id = createHash('sha256').update(bytes).digest('hex');
  const rel = dir === 'data' ? `data/${id.slice(0, 2)}/${id}` : `${dir}/${id}`;
  writeFileSync(join(repo, rel), bytes, { mode: 0o644 });
  return rel;
}

function synthesize(repo: string, files: number): string[] {
  for (let i = 0; i < 256; i++)
    mkdirSync(join(repo, 'data', i.toString(16).padStart(2, '0')), { recursive: true });
  mkdirSync(join(repo, 'index'), { recursive: true });
  mkdirSync(join(repo, 'snapshots'), { recursive: true });
  const out: string[] = [];
  // About one index file per 1000 packs and one snapshot per 5000, as a repository of small packs would have.
  for (let i = 0; i < files; i++) {
    const kind = i % 5000 === 4999 ? 'snapshots' : i % 1000 === 999 ? 'index' : 'data';
    out.push(addFile(repo, kind, randomBytes(512)));
  }
  return out;
}

const RESULTS_JSON = process.env.BENCH_PI_SCALE_JSON ?? join(import.meta.dirname, 'pi-scale-results.json');
const NEW_FILES = 100;
const NEW_SIZE = 40 * 1024;

/** The same new data every time: NEW_FILES packs of NEW_SIZE, one index file and one snapshot file. */
function addIncrement(repo: string): number {
  let bytes = 0;
  for (let i = 0; i < NEW_FILES; i++) {
    addFile(repo, 'data', randomBytes(NEW_SIZE));
    bytes += NEW_SIZE;
  }
  addFile(repo, 'index', randomBytes(2048));
  addFile(repo, 'snapshots', randomBytes(300));
  return bytes + 2048 + 300;
}

/**
 * Adds older generations until the store holds `target`: each a hardlink tree of the oldest one there, minus
 * the STEP files synthesized last among those it still holds (so each is a subset of the next: nothing is
 * "removed data" and retention holds nothing back), one hour older, with its generations.json entry.
 */
async function growGenerations(lab: TwoPiLab, synthesized: string[], target: number): Promise<void> {
  const STEP = 5;
  const p = offsitePaths(lab.offsite.root);
  let gens = listGenerations(p);
  const meta = readGenerationsMeta(p);
  let oldest = gens[0]!;
  // The oldest generation's files, walked once: the ones made from it hold the same inodes minus a few files.
  let files = walkRepo(join(p.generations, oldest));
  const held = new Set(files.map((f) => f.path));
  let tail = synthesized.filter((f) => held.has(f));
  const start = Date.parse(meta[oldest]!.time);
  for (let k = 1; gens.length < target; k++) {
    const name = generationName(new Date(start - k * 3_600_000));
    const dir = join(p.generations, name);
    await run('cp', ['-al', join(p.generations, oldest), dir]);
    const gone = new Set(tail.slice(-STEP));
    for (const f of gone) unlinkSync(join(dir, f));
    tail = tail.slice(0, -STEP);
    files = files.filter((f) => !gone.has(f.path));
    meta[name] = generationMeta(name, files, undefined);
    oldest = name;
    gens = [name, ...gens];
  }
  writeGenerationsMeta(p, meta);
}

/** One repository size: full sync, then for each generation count the incremental syncs, prunes and reverify. */
async function measureSize(
  files: number,
  generationCounts: number[],
  rounds: number,
  progress: (r: ScaleResult) => void,
): Promise<ScaleResult> {
  // keepLast above every count: sync's retention step runs (and is measured) but removes nothing.
  const lab = await startTwoPiLab({
    faultProxy: false,
    configure: (c) => {
      c.offsite.retention = { keepLast: 10_000 };
      // No alert or status push beyond the lab's own receiver; reverify hashes one thirtieth per run (default).
      c.offsite.verify.rotationRuns = 30;
    },
  });
  const work = join(lab.dir, 'bench');
  mkdirSync(work);
  try {
    const cfg = ['--config', lab.offsite.configPath];
    process.stderr.write(`pi-scale: synthesizing ${files} files…\n`);
    const synthesized = synthesize(lab.onsite.repo, files);
    const load = loadNow();
    process.stderr.write(`pi-scale: full sync of ${files} files…\n`);
    const fullSync = await measure(work, ['sync', ...cfg]);
    const byGenerations: ScaleResult['byGenerations'] = [];
    let newBytes = 0;
    const result = (): ScaleResult => ({
      files,
      fullSync,
      byGenerations,
      newFilesPerIncrement: NEW_FILES + 2,
      newBytesPerIncrement: newBytes,
      load,
    });
    for (const g of generationCounts) {
      process.stderr.write(`pi-scale: ${files} files, growing the store to ${g} generations…\n`);
      await growGenerations(lab, synthesized, g);
      const ledgerCatchUp = await measure(work, ['prune', ...cfg]);
      const incrementalRounds: Cost[] = [];
      for (let i = 0; i < rounds; i++) {
        newBytes = addIncrement(lab.onsite.repo);
        incrementalRounds.push(await measure(work, ['sync', ...cfg]));
      }
      const pruneNothing = await measure(work, ['prune', ...cfg]);
      const count = listGenerations(offsitePaths(lab.offsite.root)).length;
      lab.reconfigure((c) => void (c.offsite.retention = { keepLast: count - 1 }));
      const pruneOne = await measure(work, ['prune', ...cfg]);
      lab.reconfigure((c) => void (c.offsite.retention = { keepLast: 10_000 }));
      const reverifySlice = await measure(work, ['reverify', ...cfg]);
      const pick = (k: keyof Cost) => +median(incrementalRounds.map((r) => r[k])).toFixed(2);
      byGenerations.push({
        generations: g,
        ledgerCatchUp,
        incrementalSync: {
          wallS: pick('wallS'),
          cpuS: pick('cpuS'),
          ownCpuS: pick('ownCpuS'),
          rssMiB: pick('rssMiB'),
        },
        incrementalRounds,
        pruneNothing,
        pruneOne,
        reverifySlice,
        reverifyFiles: Math.ceil((files + 3) / 30),
      });
      progress(result());
    }
    return result();
  } finally {
    await lab.stop();
  }
}

/** Runs every size (BENCH_PI_SCALE_FILES, default 10000,100000; 1000000 added by BENCH_PI_SCALE_1M=1). */
export async function measurePiScale(): Promise<ScaleResult[]> {
  const sizes = (process.env.BENCH_PI_SCALE_FILES ?? '10000,100000').split(',').map(Number);
  if (process.env.BENCH_PI_SCALE_1M === '1') sizes.push(1_000_000);
  const gens = (process.env.BENCH_PI_SCALE_GENS ?? '30,100,400').split(',').map(Number);
  // Stores beyond this many hardlinks (files × generations) are skipped: making them directly takes longer than
  // the rest of the benchmark here (about 2 min per 10M links on this machine), and reverify walks every link.
  const maxLinks = Number(process.env.BENCH_PI_SCALE_MAX_LINKS ?? 12_000_000);
  const rounds = Number(process.env.BENCH_PI_SCALE_ROUNDS ?? 3);
  const out: ScaleResult[] = [];
  // Written after every step, so that a run cut short keeps what it measured.
  const save = (partial: ScaleResult) =>
    writeFileSync(RESULTS_JSON, JSON.stringify([...out, partial], null, 2) + '\n');
  for (const n of sizes)
    out.push(
      await measureSize(
        n,
        gens.filter((g) => g === gens[0] || n * g <= maxLinks),
        rounds,
        save,
      ),
    );
  return out;
}

const cost = (c: Cost) => `${c.wallS} s / ${c.cpuS} s (own ${c.ownCpuS} s) / ${c.rssMiB} MiB`;

/** The Markdown section for bench/RESULTS.md. */
export function piScaleSection(rs: ScaleResult[]): string {
  const lines = [
    '### restray-pi: how the offsite side grows (synthesized repositories, hardlinked generations)',
    '',
    `Each cell: wall / CPU of restray-pi and its children (rsync, ssh; own = restray-pi alone) / restray-pi's peak RSS. Every figure is one run of the restray-pi bundle as a child process (incremental sync: median of ${rs[0]?.byGenerations[0]?.incrementalRounds.length ?? 0} rounds, each adding ${rs[0]?.newFilesPerIncrement} files, ${((rs[0]?.newBytesPerIncrement ?? 0) / 2 ** 20).toFixed(1)} MiB). Sync is over the lab's real sshd and the provisioned rrsync forced command (no proxy). "prune, ledger catch-up" is the first prune after the older generations appeared (it compares each adjacent pair once, then never again); "prune −1" removes the oldest generation; reverify hashes one slice (1/30 of the files).`,
    '',
    '| files | generations | full sync | ledger catch-up | incremental sync | prune, nothing to remove | prune −1 | reverify slice | load (1/5/15 min) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rs)
    for (const g of r.byGenerations)
      lines.push(
        `| ${r.files.toLocaleString('en')} | ${g.generations} | ${cost(r.fullSync)} | ${cost(g.ledgerCatchUp)} | ${cost(g.incrementalSync)} | ${cost(g.pruneNothing)} | ${cost(g.pruneOne)} | ${cost(g.reverifySlice)} | ${r.load} |`,
      );
  return lines.join('\n');
}

/** For bench/run.ts: runs the benchmark, writes bench/pi-scale-results.json, returns the Markdown section. */
export async function benchPiScale(): Promise<string> {
  const r = await measurePiScale();
  writeFileSync(RESULTS_JSON, JSON.stringify(r, null, 2) + '\n');
  return piScaleSection(r);
}

if (process.argv[1] && /bench\/pi-scale\.ts$/.test(process.argv[1])) {
  process.stdout.write(`${await benchPiScale()}\n`);
}

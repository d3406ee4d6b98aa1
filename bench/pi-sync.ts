// Benchmark of restray-pi sync (issue 3): full sync of a restic repository, incremental runs, verification
// throughput against sha256sum, and the resume after a cut at about half. Runs on the two-Pi lab (real sshd,
// rsync, rclone, restic; needs root for the lab accounts). Every restray-pi figure is compared with the plain
// tool on the same machine in the same run: `rsync -a` of the same repository over the same link, same ssh
// options and the same pull key (its forced command hands rsync to rrsync -ro), and coreutils' sha256sum.
// restray-pi runs twice per round: as configured (its cipher choice) and with OpenSSH's default cipher.
//
//   npx tsx bench/pi-sync.ts            # 1024 MB repository, 50 MB increments
//   RESTRAY_PI_BENCH_MB=200 RESTRAY_PI_BENCH_NEW_MB=20 npx tsx bench/pi-sync.ts
//
// Standalone it prints the Markdown section and writes bench/pi-sync-results.json; bench/run.ts imports
// benchPiSync() and puts the section into bench/RESULTS.md.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadSecrets } from '../pi/src/config.js';
import { verifyNamedFiles } from '../pi/src/hash.js';
import { listGenerations, offsitePaths, walkRepo } from '../pi/src/offsite/store.js';
import { fileId } from '../pi/src/repo-files.js';
import { rsyncRsh } from '../pi/src/link/ssh.js';
import { runSync } from '../pi/src/offsite/sync.js';
import { startTwoPiLab, waitUntil, writeRandomFiles } from '../test/pi/lab-two-pi.js';

const run = promisify(execFile);
const MB = 1024 * 1024;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d = 2) => +x.toFixed(d);

/** Figures of one benchmark run (also written to bench/pi-sync-results.json by the standalone run). */
export interface PiSyncResults {
  totalMb: number;
  newMb: number;
  rounds: number;
  incrementalRounds: number;
  /** restray-pi as configured (cipher auto). */
  fullSyncSeconds: number[];
  /** restray-pi with OpenSSH's default cipher, as plain rsync. */
  fullSyncOpensshSeconds: number[];
  plainRsyncFullSeconds: number[];
  fullWallRatio: number;
  fullWallRatioOpenssh: number;
  fullSyncBytes: number;
  incrementalSeconds: number[];
  incrementalOpensshSeconds: number[];
  plainRsyncIncrementalSeconds: number[];
  incrementalWallRatio: number;
  incrementalWallRatioOpenssh: number;
  incrementalNewBytes: number;
  incrementalWireBytes: number;
  incrementalWireRatio: number;
  verifyMBps: number;
  sha256sumMBps: number;
  verifyVsSha256sum: number;
  cutRunResult: string;
  cutRunBytes: number;
  resumeResult: string;
  resumeWireShare: number;
}

/**
 * Runs the benchmark on a fresh two-Pi lab and returns the figures. Wall-time ratios are medians over `rounds`
 * alternating pairs (restray-pi first in odd rounds, plain rsync first in even ones), so one disturbance of a
 * shared machine does not decide the result.
 */
export async function measurePiSync(
  totalMb = Number(process.env.RESTRAY_PI_BENCH_MB ?? 1024),
  newMb = Number(process.env.RESTRAY_PI_BENCH_NEW_MB ?? 50),
  rounds = Number(process.env.RESTRAY_PI_BENCH_ROUNDS ?? 5),
  // An incremental round takes seconds and its figure is small against the machine's noise: more of them.
  incrementalRounds = Number(process.env.RESTRAY_PI_BENCH_INC_ROUNDS ?? 15),
): Promise<PiSyncResults> {
  const lab = await startTwoPiLab({ configure: (c) => void (c.offsite.retention = { keepLast: 50 }) });
  try {
    const off = () => lab.offsite.config.offsite!;
    const sync = () =>
      runSync({
        config: lab.offsite.config,
        offsite: off(),
        secrets: loadSecrets(lab.offsite.secretsPath),
        trigger: 'manual',
        log: () => undefined,
      });
    const backup = async (name: string, mb: number) => {
      const dir = join(lab.dir, name);
      // 8 MB files: restic packs them into its own pack sizes; random bytes so nothing compresses.
      const n = Math.max(1, Math.round(mb / 8));
      writeRandomFiles(dir, n, Math.round((mb * MB) / n));
      await lab.restic(['backup', '--host', 'bench', dir]);
    };
    // Each timed run starts with nothing left to write back: restray-pi makes its own data durable (fdatasync)
    // and plain rsync leaves its gigabyte in the page cache, so without this the kernel's writeback of an
    // earlier run (or of the backup that made the new data) lands in whichever sync next waits for the disk.
    const timed = async <T>(f: () => Promise<T>) => {
      await run('sync');
      const t = performance.now();
      const v = await f();
      return { v, s: (performance.now() - t) / 1000 };
    };
    const src = off().source!;
    // The reference: one plain rsync of the repository (locks/ left out, as restray-pi does) over the same path.
    const plainRsync = (dir: string) =>
      timed(() =>
        run(
          'rsync',
          ['-a', '--exclude=/locks/', '-e', rsyncRsh(src, off().ssh), `${src.user}@${src.host}:`, `${dir}/`],
          { maxBuffer: 64 * MB },
        ),
      );
    const root0 = lab.offsite.root;
    // restray-pi as configured (cipher auto: AES-GCM here, where both "Pis" have AES instructions) and with
    // OpenSSH's default cipher, which plain rsync uses too: the second isolates what restray-pi's own work costs.
    type Variant = 'auto' | 'openssh';
    const variants: Variant[] = ['auto', 'openssh'];
    const use = (root: string, cipher: Variant) =>
      lab.reconfigure((c) => {
        c.offsite.root = root;
        c.offsite.cipher = cipher;
      });
    const ourSync = async (root: string, cipher: Variant, what: string) => {
      use(root, cipher);
      const r = await timed(sync);
      if (r.v.result !== 'ok') throw new Error(`${what}: ${JSON.stringify(r.v.run?.error)}`);
      return r;
    };
    // The runs of one round in rotating order, so no variant always comes first or last.
    const rotate = async (i: number, runs: (() => Promise<unknown>)[]) => {
      for (let k = 0; k < runs.length; k++) await runs[(k + i) % runs.length]!();
    };

    await backup('base', totalMb);
    // Full sync: each round into empty stores and an empty plain directory.
    const full: Record<Variant, number[]> = { auto: [], openssh: [] };
    const plainFull: number[] = [];
    let fullSyncBytes = 0;
    const storeOf = (v: Variant, i: number) =>
      v === 'auto' && i === rounds - 1 ? root0 : join(lab.dir, `store-${v}-${i}`);
    for (let i = 0; i < rounds; i++) {
      const plainDir = join(lab.dir, `plain-full-${i}`);
      mkdirSync(plainDir);
      await rotate(i, [
        ...variants.map((v) => async () => {
          const r = await ourSync(storeOf(v, i), v, 'full sync');
          full[v].push(r.s);
          fullSyncBytes = r.v.bytesTransferred;
        }),
        async () => plainFull.push((await plainRsync(plainDir)).s),
      ]);
      if (i < rounds - 1) {
        for (const v of variants) rmSync(storeOf(v, i), { recursive: true, force: true });
        rmSync(plainDir, { recursive: true, force: true });
      }
    }
    const plainDir = join(lab.dir, `plain-full-${rounds - 1}`);

    // Incremental: newMb of new data per round; each variant and plain rsync bring their copy up to date.
    const inc: Record<Variant, number[]> = { auto: [], openssh: [] };
    const plainInc: number[] = [];
    let incrementalNewBytes = 0;
    let incrementalWireBytes = 0;
    for (let i = 0; i < incrementalRounds; i++) {
      const known = new Set(walkRepo(lab.onsite.repo).map((f) => f.path));
      await backup(`inc${i}`, newMb);
      const newBytes = walkRepo(lab.onsite.repo)
        .filter((f) => !known.has(f.path) && !f.path.startsWith('locks/'))
        .reduce((s, f) => s + f.size, 0);
      await rotate(i, [
        ...variants.map((v) => async () => {
          const wireBefore = lab.proxy!.bytes.down;
          inc[v].push((await ourSync(storeOf(v, rounds - 1), v, 'incremental sync')).s);
          if (v !== 'auto') return;
          incrementalNewBytes += newBytes;
          incrementalWireBytes += lab.proxy!.bytes.down - wireBefore;
        }),
        async () => plainInc.push((await plainRsync(plainDir)).s),
      ]);
    }
    use(root0, 'auto');

    // Verification throughput: restray-pi's hasher vs sha256sum over the newest generation (page cache warm).
    const p = offsitePaths(lab.offsite.root);
    const gen = join(p.generations, listGenerations(p).at(-1)!);
    const files = walkRepo(gen).filter((f) => fileId(f.path));
    const bytes = files.reduce((s, f) => s + f.size, 0);
    const paths = files.map((f) => join(gen, f.path));
    await run('sha256sum', paths, { maxBuffer: 64 * MB });
    const ours = await timed(() =>
      verifyNamedFiles(
        gen,
        files.map((f) => f.path),
        off().verify.concurrency,
      ),
    );
    const theirs = await timed(() => run('sha256sum', paths, { maxBuffer: 64 * MB }));

    // Cut at about half of a new chunk of data, then resume.
    const knownBeforeCut = new Set(walkRepo(lab.onsite.repo).map((f) => f.path));
    await backup('cut', Math.max(newMb * 2, 100));
    const cutTotal = walkRepo(lab.onsite.repo)
      .filter((f) => !knownBeforeCut.has(f.path) && !f.path.startsWith('locks/'))
      .reduce((s, f) => s + f.size, 0);
    const cutStart = lab.proxy!.bytes.down;
    lab.reconfigure((c) => void (c.offsite.rsync = { bwlimitKiB: 20 * 1024 }));
    const pending = sync();
    await waitUntil(() => lab.proxy!.bytes.down - cutStart > cutTotal / 2, 600_000, 'half of the transfer');
    lab.proxy!.cut();
    const cutRun = await pending;
    lab.reconfigure((c) => void delete c.offsite.rsync);
    const resumeStart = lab.proxy!.bytes.down;
    const resumed = await sync();

    return {
      totalMb,
      newMb,
      rounds,
      incrementalRounds,
      fullSyncSeconds: full.auto.map((x) => round(x)),
      fullSyncOpensshSeconds: full.openssh.map((x) => round(x)),
      plainRsyncFullSeconds: plainFull.map((x) => round(x)),
      fullWallRatio: round(median(full.auto) / median(plainFull), 3),
      fullWallRatioOpenssh: round(median(full.openssh) / median(plainFull), 3),
      fullSyncBytes,
      incrementalSeconds: inc.auto.map((x) => round(x)),
      incrementalOpensshSeconds: inc.openssh.map((x) => round(x)),
      plainRsyncIncrementalSeconds: plainInc.map((x) => round(x)),
      incrementalWallRatio: round(median(inc.auto) / median(plainInc), 3),
      incrementalWallRatioOpenssh: round(median(inc.openssh) / median(plainInc), 3),
      incrementalNewBytes,
      incrementalWireBytes,
      incrementalWireRatio: round(incrementalWireBytes / incrementalNewBytes, 4),
      verifyMBps: round(bytes / MB / ours.s, 1),
      sha256sumMBps: round(bytes / MB / theirs.s, 1),
      verifyVsSha256sum: round(theirs.s / ours.s),
      cutRunResult: cutRun.result,
      cutRunBytes: cutRun.bytesTransferred,
      resumeResult: resumed.result,
      resumeWireShare: round((lab.proxy!.bytes.down - resumeStart) / cutTotal, 3),
    };
  } finally {
    await lab.stop();
  }
}

/** The Markdown section for bench/RESULTS.md (no machine names: machineInfo() in bench/lib.ts says where). */
export function piSyncSection(r: PiSyncResults): string {
  const secs = (xs: number[]) => `${median(xs).toFixed(2)} s`;
  const rows: [string, string, string][] = [
    [
      `full sync (${r.totalMb} MB)`,
      `${secs(r.fullSyncSeconds)} vs plain rsync ${secs(r.plainRsyncFullSeconds)}: ×${r.fullWallRatio}`,
      'wall ≤ 1.15 × rsync',
    ],
    [
      `incremental sync (${r.newMb} MB new)`,
      `${secs(r.incrementalSeconds)} vs plain rsync ${secs(r.plainRsyncIncrementalSeconds)}: ×${r.incrementalWallRatio}`,
      'wall ≤ 1.15 × rsync',
    ],
    [
      `full sync, OpenSSH's default cipher as plain rsync`,
      `${secs(r.fullSyncOpensshSeconds)} vs ${secs(r.plainRsyncFullSeconds)}: ×${r.fullWallRatioOpenssh}`,
      "restray-pi's own work",
    ],
    [
      `incremental sync, OpenSSH's default cipher as plain rsync`,
      `${secs(r.incrementalOpensshSeconds)} vs ${secs(r.plainRsyncIncrementalSeconds)}: ×${r.incrementalWallRatioOpenssh}`,
      "restray-pi's own work",
    ],
    [
      'incremental bytes on the wire',
      `${r.incrementalWireBytes} for ${r.incrementalNewBytes} new: ×${r.incrementalWireRatio}`,
      '≤ 1.02 × new',
    ],
    [
      'verification throughput',
      `${r.verifyMBps} MB/s vs sha256sum ${r.sha256sumMBps} MB/s: ×${r.verifyVsSha256sum}`,
      '≥ 0.9 × sha256sum',
    ],
    [
      'resume after a cut at ½',
      `cut run ${r.cutRunResult} (${r.cutRunBytes} bytes counted), rerun ${r.resumeResult} moving ${r.resumeWireShare} of the new data`,
      '≤ 0.6',
    ],
  ];
  return [
    `### restray-pi sync (${r.totalMb} MB repository, ${r.newMb} MB increments)`,
    '',
    `Two-Pi lab on one machine (sshd, fault proxy, the provisioned forced commands, restic-written repository). Wall times are medians of rounds (${r.rounds} full, ${r.incrementalRounds} incremental) in which restray-pi as configured, restray-pi with OpenSSH's default cipher and plain rsync take turns going first, each run started after a \`sync\` so that no earlier run's writeback lands in it; each restray-pi sync includes listing, guard, verification of every new file, promotion, durable writes and publishing the status. As configured (\`offsite.cipher\` auto), the transfer offers AES-GCM first because both lab "Pis" have AES instructions; plain rsync uses OpenSSH's default (ChaCha20-Poly1305), and so does restray-pi between Pis without AES instructions (e.g. a Pi 4): the rows with OpenSSH's default cipher show what restray-pi's own work costs. Re-verification of old generations is \`restray-pi reverify\` (its own timer) and not part of a sync.`,
    '',
    '| measure | result | target |',
    '|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    `Per round (restray-pi / restray-pi with OpenSSH's default cipher / plain rsync): full ${r.fullSyncSeconds.join(', ')} s / ${r.fullSyncOpensshSeconds.join(', ')} s / ${r.plainRsyncFullSeconds.join(', ')} s; incremental ${r.incrementalSeconds.join(', ')} s / ${r.incrementalOpensshSeconds.join(', ')} s / ${r.plainRsyncIncrementalSeconds.join(', ')} s.`,
  ].join('\n');
}

/** For bench/run.ts: runs the benchmark, writes bench/pi-sync-results.json, returns the Markdown section. */
export async function benchPiSync(): Promise<string> {
  const r = await measurePiSync();
  writeFileSync(join(import.meta.dirname, 'pi-sync-results.json'), JSON.stringify(r, null, 2) + '\n');
  return piSyncSection(r);
}

// Standalone: `npx tsx bench/pi-sync.ts`.
if (process.argv[1] && /bench\/pi-sync\.ts$/.test(process.argv[1])) {
  process.stdout.write(`${await benchPiSync()}\n`);
}

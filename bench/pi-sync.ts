// Benchmark of restray-pi sync (issue 3): full sync of a restic repository, an incremental run, verification
// throughput against sha256sum, and the resume after a cut at about half. Runs on the two-Pi lab (real sshd,
// rsync, rclone, restic; needs root for the lab accounts).
//
//   npx tsx bench/pi-sync.ts            # 1024 MB repository, 50 MB increment
//   RESTRAY_PI_BENCH_MB=200 RESTRAY_PI_BENCH_NEW_MB=20 npx tsx bench/pi-sync.ts
//
// Prints a Markdown table for bench/RESULTS.md and writes bench/pi-sync-results.json.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadSecrets } from '../pi/src/config.js';
import { verifyNamedFiles } from '../pi/src/hash.js';
import { listGenerations, offsitePaths, walkRepo } from '../pi/src/offsite-store.js';
import { fileId } from '../pi/src/repo-files.js';
import { rsyncRsh } from '../pi/src/ssh.js';
import { runSync } from '../pi/src/sync.js';
import { startTwoPiLab, waitUntil, writeRandomFiles } from '../test/pi/lab-two-pi.js';

const run = promisify(execFile);
const MB = 1024 * 1024;
const totalMb = Number(process.env.RESTRAY_PI_BENCH_MB ?? 1024);
const newMb = Number(process.env.RESTRAY_PI_BENCH_NEW_MB ?? 50);

const lab = await startTwoPiLab({ configure: (c) => void (c.offsite.retention = { keepLast: 50 }) });
const results: Record<string, number | string> = { totalMb, newMb };
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
    writeRandomFiles(
      dir,
      Math.max(1, Math.round(mb / 8)),
      Math.round((mb * MB) / Math.max(1, Math.round(mb / 8))),
    );
    await lab.restic(['backup', '--host', 'bench', dir]);
  };
  const timed = async <T>(f: () => Promise<T>) => {
    const t = performance.now();
    const v = await f();
    return { v, s: (performance.now() - t) / 1000 };
  };

  await backup('base', totalMb);
  const full = await timed(sync);
  if (full.v.result !== 'ok') throw new Error(`full sync: ${JSON.stringify(full.v.run?.error)}`);
  results.fullSyncSeconds = +full.s.toFixed(2);
  results.fullSyncBytes = full.v.bytesTransferred;

  // Plain rsync of the same repository (same ssh options, no verification) as the wall-time reference.
  const plainDir = join(lab.dir, 'plain');
  mkdirSync(plainDir);
  const src = off().source!;
  const plain = await timed(() =>
    run(
      'rsync',
      ['-a', '--exclude=/locks/', '-e', rsyncRsh(src, off().ssh), `${src.user}@${src.host}:`, `${plainDir}/`],
      { maxBuffer: 64 * MB },
    ),
  );
  results.plainRsyncFullSeconds = +plain.s.toFixed(2);
  results.fullWallRatio = +(full.s / plain.s).toFixed(3);

  // Incremental: newMb of new data.
  const repoBefore = walkRepo(lab.onsite.repo);
  await backup('inc', newMb);
  const repoAfter = walkRepo(lab.onsite.repo);
  const known = new Set(repoBefore.map((f) => f.path));
  const newBytes = repoAfter
    .filter((f) => !known.has(f.path) && !f.path.startsWith('locks/'))
    .reduce((s, f) => s + f.size, 0);
  const wireBefore = lab.proxy!.bytes.down;
  const inc = await timed(sync);
  const wire = lab.proxy!.bytes.down - wireBefore;
  const plainInc = await timed(() =>
    run(
      'rsync',
      ['-a', '--exclude=/locks/', '-e', rsyncRsh(src, off().ssh), `${src.user}@${src.host}:`, `${plainDir}/`],
      { maxBuffer: 64 * MB },
    ),
  );
  results.incrementalNewBytes = newBytes;
  results.incrementalRsyncBytes = inc.v.bytesTransferred;
  results.incrementalWireBytes = wire;
  results.incrementalWireRatio = +(wire / newBytes).toFixed(4);
  results.incrementalSeconds = +inc.s.toFixed(2);
  results.plainRsyncIncrementalSeconds = +plainInc.s.toFixed(2);
  results.incrementalWallRatio = +(inc.s / plainInc.s).toFixed(3);

  // Verification throughput: restray-pi's hasher vs sha256sum over the newest generation (page cache warm for both).
  const p = offsitePaths(lab.offsite.root);
  const gen = join(p.generations, listGenerations(p).at(-1)!);
  const files = walkRepo(gen).filter((f) => fileId(f.path));
  const bytes = files.reduce((s, f) => s + f.size, 0);
  await run(
    'sha256sum',
    files.map((f) => join(gen, f.path)),
    { maxBuffer: 64 * MB },
  );
  const ours = await timed(() =>
    verifyNamedFiles(
      gen,
      files.map((f) => f.path),
      off().verify.concurrency,
    ),
  );
  const theirs = await timed(() =>
    run(
      'sha256sum',
      files.map((f) => join(gen, f.path)),
      { maxBuffer: 64 * MB },
    ),
  );
  results.verifyMBps = +(bytes / MB / ours.s).toFixed(1);
  results.sha256sumMBps = +(bytes / MB / theirs.s).toFixed(1);
  results.verifyVsSha256sum = +(theirs.s / ours.s).toFixed(2);

  // Cut at about half of a new chunk of data, then resume.
  await backup('cut', Math.max(newMb * 2, 100));
  const cutStart = lab.proxy!.bytes.down;
  const cutTotalBefore =
    walkRepo(lab.onsite.repo)
      .filter((f) => !known.has(f.path))
      .reduce((s, f) => s + f.size, 0) - newBytes;
  lab.reconfigure((c) => void (c.offsite.rsync = { bwlimitKiB: 20 * 1024 }));
  const pending = sync();
  await waitUntil(
    () => lab.proxy!.bytes.down - cutStart > cutTotalBefore / 2,
    600_000,
    'half of the transfer',
  );
  lab.proxy!.cut();
  const cutRun = await pending;
  lab.reconfigure((c) => void delete c.offsite.rsync);
  const resumeStart = lab.proxy!.bytes.down;
  const resumed = await sync();
  results.cutRunResult = cutRun.result;
  results.resumeResult = resumed.result;
  results.resumeWireShare = +((lab.proxy!.bytes.down - resumeStart) / cutTotalBefore).toFixed(3);
} finally {
  await lab.stop();
}

writeFileSync(join('bench', 'pi-sync-results.json'), JSON.stringify(results, null, 2) + '\n');
const rows: [string, string, string][] = [
  [
    'full sync',
    `${results.fullSyncSeconds} s (plain rsync ${results.plainRsyncFullSeconds} s, ×${results.fullWallRatio})`,
    'wall ≤ 1.15 × rsync',
  ],
  [
    'incremental wire bytes',
    `${results.incrementalWireBytes} for ${results.incrementalNewBytes} new (×${results.incrementalWireRatio})`,
    '≤ 1.02 × new',
  ],
  [
    'incremental wall time',
    `${results.incrementalSeconds} s (plain rsync ${results.plainRsyncIncrementalSeconds} s, ×${results.incrementalWallRatio})`,
    '≤ 1.15 × rsync',
  ],
  [
    'verification',
    `${results.verifyMBps} MB/s vs sha256sum ${results.sha256sumMBps} MB/s (×${results.verifyVsSha256sum})`,
    '≥ 0.9 × sha256sum',
  ],
  ['resume after cut at ½', `rerun moved ${results.resumeWireShare} of the total`, '≤ 0.6'],
];
console.log(
  `\n### restray-pi sync (${totalMb} MB repository, ${newMb} MB increment)\n\n| measure | result | target |\n|---|---|---|`,
);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

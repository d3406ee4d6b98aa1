import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, ratio, timed, writeRandom } from './lib.js';

const FILES = Number(process.env.BENCH_FILES ?? 20_000);
const TOTAL_BYTES = Number(process.env.BENCH_BYTES ?? 500 * 2 ** 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PASSWORD = 'bench-password-not-secret';
const bin = join(import.meta.dirname, '..', 'bin', 'restray.mjs');

/**
 * The bench tree: `files` files totalling about `totalBytes` (default BENCH_FILES, BENCH_BYTES): most small, a
 * few large, like a home folder. Sizes follow a fixed pattern so every run measures the same shape.
 * @returns the file paths
 */
export function generateTree(root: string, files = FILES, totalBytes = TOTAL_BYTES): string[] {
  const paths: string[] = [];
  const large = Math.max(1, Math.floor(files / 1000));
  const largeSize = Math.floor((totalBytes * 0.6) / large);
  const smallSize = Math.floor((totalBytes * 0.4) / (files - large));
  for (let i = 0; i < files; i++) {
    const p = join(root, `d${i % 50}`, `s${Math.floor(i / 50) % 20}`, `f${i}.dat`);
    writeRandom(
      p,
      i < large ? largeSize : Math.max(1, Math.round(smallSize * (0.5 + ((i * 7919) % 100) / 100))),
    );
    paths.push(p);
  }
  return paths;
}

/**
 * `restray backup` versus plain `restic backup` of the same tree into two local repositories, alternating
 * which goes first each round: first runs (fresh repositories) and incremental runs with 1% of files changed.
 */
export async function benchCoreBackup(env: Record<string, string>): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'restray-bench-'));
  try {
    const src = join(work, 'src');
    process.stderr.write(`bench: generating ${FILES} files (${(TOTAL_BYTES / 2 ** 20).toFixed(0)} MiB)…\n`);
    const paths = generateTree(src);
    const first = { restray: [] as number[], restic: [] as number[] };
    const incr = { restray: [] as number[], restic: [] as number[] };

    for (let round = 0; round < ROUNDS; round++) {
      const home = join(work, `home${round}`);
      const repoA = join(work, `restray-repo${round}`);
      const repoB = join(work, `restic-repo${round}`);
      const wsEnv = { ...env, RESTRAY_HOME: home };
      const cli = (args: string[], input = '') =>
        execa(process.execPath, [bin, ...args], { env: wsEnv, input });
      await cli(['repo', 'add', 'bench', '--url', repoA, '--init'], `${PASSWORD}\n`);
      await cli(['plan', 'add', 'bench', '--repo', 'bench', '--path', src]);
      const resticEnv = { ...env, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: join(work, `cacheB${round}`) };
      await execa('restic', ['-r', repoB, 'init'], { env: resticEnv });
      const runRestray = () => cli(['backup', 'bench']);
      const runRestic = () => execa('restic', ['-r', repoB, 'backup', '--json', src], { env: resticEnv });
      const order: ('restray' | 'restic')[] = round % 2 === 0 ? ['restray', 'restic'] : ['restic', 'restray'];
      for (const who of order) first[who].push(await timed(who === 'restray' ? runRestray : runRestic));
      // 1% of the files change between runs.
      for (let i = 0; i < paths.length; i += 100)
        writeRandom(paths[(i + round * 13) % paths.length]!, 20_000);
      for (const who of order) incr[who].push(await timed(who === 'restray' ? runRestray : runRestic));
      process.stderr.write(`bench: round ${round + 1}/${ROUNDS} done\n`);
    }
    const row = (name: string, a: number[], b: number[], target: number) => {
      const r = median(a) / median(b);
      return `| ${name} | ${fmt(median(a))} | ${fmt(median(b))} | ${ratio(median(a), median(b))} | ≤ ${target} | ${r <= target ? 'met' : 'NOT met'} |`;
    };
    return [
      `### restray backup vs plain restic (${FILES} files, ${(TOTAL_BYTES / 2 ** 20).toFixed(0)} MiB, medians of ${ROUNDS} alternating rounds)`,
      '',
      '| run | restray | restic | ratio | target | |',
      '|---|---|---|---|---|---|',
      row('first backup', first.restray, first.restic, 1.05),
      row('incremental (1% of files changed)', incr.restray, incr.restic, 1.1),
      '',
      `Raw (ms): first restray ${first.restray.map(Math.round).join(', ')}; restic ${first.restic.map(Math.round).join(', ')}; ` +
        `incremental restray ${incr.restray.map(Math.round).join(', ')}; restic ${incr.restic.map(Math.round).join(', ')}.`,
    ].join('\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `restray daemon` idle for IDLE_SECONDS with one plan scheduled far ahead: CPU share and resident memory. */
export async function benchDaemonIdle(env: Record<string, string>): Promise<string> {
  const seconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
  const home = mkdtempSync(join(tmpdir(), 'restray-bench-daemon-'));
  try {
    const wsEnv = { ...env, RESTRAY_HOME: home };
    const repo = join(home, 'repo');
    await execa(process.execPath, [bin, 'repo', 'add', 'idle', '--url', repo, '--init'], {
      env: wsEnv,
      input: `${PASSWORD}\n`,
    });
    await execa(
      process.execPath,
      [bin, 'plan', 'add', 'idle', '--repo', 'idle', '--path', home, '--schedule', '0 3 1 1 *'],
      { env: wsEnv },
    );
    const daemon = execa(process.execPath, [bin, 'daemon'], { env: wsEnv, reject: false });
    const pid = daemon.pid!;
    const { readFileSync } = await import('node:fs');
    const ticks = () => {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(f[11]) + Number(f[12]);
    };
    // Let it settle (module loading, keychain) before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    const hz = 100;
    const t0 = ticks();
    const w0 = performance.now();
    let maxRss = 0;
    while (performance.now() - w0 < seconds * 1000) {
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      maxRss = Math.max(maxRss, rss);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const cpu = (ticks() - t0) / hz / ((performance.now() - w0) / 1000);
    daemon.kill('SIGINT');
    await daemon;
    writeFileSync(join(home, 'done'), '');
    const mib = maxRss / 2 ** 20;
    return [
      `### restray daemon idle (${seconds} s)`,
      '',
      '| measure | value | target | |',
      '|---|---|---|---|',
      `| CPU | ${(cpu * 100).toFixed(3)} % | ≤ 0.5 % | ${cpu <= 0.005 ? 'met' : 'NOT met'} |`,
      `| RSS (max) | ${mib.toFixed(1)} MiB | ≤ 80 MB | ${maxRss <= 80e6 ? 'met' : 'NOT met'} |`,
    ].join('\n');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// What one restray-pi command costs, measured on the real bundle (dist/pi/restray-pi.mjs, built by
// `node scripts/build-node.mjs`) in a child process: wall time, CPU of it and its children, its own CPU and peak RSS.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bundle = join(import.meta.dirname, '..', 'dist', 'pi', 'restray-pi.mjs');

/** What one restray-pi command cost. */
export interface Cost {
  wallS: number;
  /** user+sys of restray-pi and the children it waited for (rsync, ssh), from /usr/bin/time. */
  cpuS: number;
  /** user+sys of restray-pi alone (process.resourceUsage() at exit). */
  ownCpuS: number;
  /** restray-pi's peak resident set (MiB; its children's not included). */
  rssMiB: number;
}

/** Options of {@link measurePi}. */
export interface MeasureOptions {
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  /** Wraps the command, e.g. to run it in a network namespace (ShapedLink.inNamespace). */
  wrap?: (cmd: string, args: string[]) => [string, string[]];
}

/**
 * Runs `restray-pi ARGS` under /usr/bin/time with a `--require` preload that writes process.resourceUsage() at
 * exit. `work` holds the preload and the figures. Throws (with the tail of stderr) unless the exit code is allowed.
 */
export async function measurePi(work: string, args: string[], o: MeasureOptions = {}): Promise<Cost> {
  const stats = join(work, 'stats.json');
  const timeFile = join(work, 'time.txt');
  const preload = join(work, 'exit-stats.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(${JSON.stringify(stats)}, JSON.stringify(u)); });\n`,
  );
  const timeArgs = ['-f', '%U %S', '-o', timeFile, process.execPath, '--require', preload, bundle, ...args];
  const [cmd, argv] = o.wrap ? o.wrap('/usr/bin/time', timeArgs) : ['/usr/bin/time', timeArgs];
  const t0 = performance.now();
  let code = 0;
  let stderr = '';
  try {
    await run(cmd, argv, { maxBuffer: 256 * 2 ** 20 });
  } catch (e) {
    const x = e as { code?: number; stderr?: string };
    code = typeof x.code === 'number' ? x.code : 1;
    stderr = x.stderr ?? '';
  }
  const wallS = (performance.now() - t0) / 1000;
  if (!(o.okCodes ?? [0]).includes(code))
    throw new Error(`restray-pi ${args[0]} exited ${code}: ${stderr.slice(-2000)}`);
  const [u, s] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  const r = JSON.parse(readFileSync(stats, 'utf8')) as {
    userCPUTime: number;
    systemCPUTime: number;
    maxRSS: number;
  };
  return {
    wallS: +wallS.toFixed(2),
    cpuS: +(u! + s!).toFixed(2),
    ownCpuS: +((r.userCPUTime + r.systemCPUTime) / 1e6).toFixed(2),
    rssMiB: +(r.maxRSS / 1024).toFixed(1),
  };
}

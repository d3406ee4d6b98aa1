import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';

/** Wall time of an async function in milliseconds (performance.now, monotonic). */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Incompressible bytes written in 1 MiB chunks. */
export function writeRandom(path: string, bytes: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= 1 << 20) writeSync(fd, randomBytes(Math.min(left, 1 << 20)));
  } finally {
    closeSync(fd);
  }
}

/** What the figures were measured on. */
export function machineInfo(): string {
  const restic = execFileSync('restic', ['version'], { encoding: 'utf8' }).trim();
  const rsync = execFileSync('rsync', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const model = cpus()[0]?.model ?? 'unknown CPU';
  let os = 'unknown OS';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // not Linux
  }
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus().length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os}`,
    `- Node ${process.version}; ${restic}; ${rsync}`,
  ].join('\n');
}

export const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const ratio = (a: number, b: number) => (a / b).toFixed(3);

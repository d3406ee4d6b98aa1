import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICENESS, lowerPriority } from './priority.js';

/** The niceness of every thread of a Linux process (field 19 of /proc/PID/task/TID/stat). */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('lowerPriority', () => {
  it('lowers a running multi-threaded child, every thread on Linux', async () => {
    // A Node child has several threads (libuv pool, V8 platform) started before the call can reach them.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      lowerPriority(child.pid!);
      expect(getPriority(child.pid!)).toBe(BACKGROUND_NICENESS);
      if (process.platform === 'linux') {
        await new Promise((r) => setTimeout(r, 100));
        const all = threadNiceness(child.pid!);
        expect(all.length).toBeGreaterThan(1);
        expect(all.every((n) => n === BACKGROUND_NICENESS)).toBe(true);
      }
    } finally {
      child.kill();
    }
  });

  it('ignores a process that is already gone', () => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    const pid = child.pid!;
    return new Promise<void>((resolve) => {
      child.on('exit', () => {
        expect(() => lowerPriority(pid)).not.toThrow();
        resolve();
      });
    });
  });
});

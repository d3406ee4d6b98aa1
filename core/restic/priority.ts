import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The niceness of background restic runs (the lowest priority): they yield the CPU to anything the user waits for. */
export const BACKGROUND_NICENESS = 19;

/**
 * Lowers a child's CPU priority (best effort; errors are ignored: a process that already exited, a platform
 * that refuses). Per process on Windows and macOS; on Linux priority is per thread and threads inherit it from
 * the one that creates them, so the threads a multi-threaded program (restic is Go) started before this call
 * are lowered one by one a moment later.
 */
export function lowerPriority(pid: number, niceness = BACKGROUND_NICENESS): void {
  const lower = (id: number) => {
    try {
      setPriority(id, niceness);
    } catch {
      // gone or not permitted: nothing to do
    }
  };
  lower(pid);
  if (process.platform !== 'linux') return;
  setTimeout(() => {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) lower(Number(tid));
    } catch {
      // exited meanwhile
    }
  }, 20).unref();
}

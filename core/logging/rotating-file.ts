import { appendFileSync, renameSync, rmSync, statSync } from 'node:fs';

/** How big a log file grows and how many files are kept (the live one plus `.1` … `.files-1`). */
export interface RotationLimits {
  maxBytes: number;
  files: number;
}

/** 1 MB per file, five files: at most 5 MB of logs per log name. */
export const DEFAULT_ROTATION: RotationLimits = { maxBytes: 1_000_000, files: 5 };

/**
 * Appends `text` to `file` (created with mode 0600), first rotating when the append would take the file past
 * `limits.maxBytes`: `file.(n-2)` → `file.(n-1)` … `file` → `file.1`, the oldest dropped. A single text larger
 * than the limit still goes into a fresh file whole (a log line is never split). Synchronous so that a line
 * written just before the process exits is on disk. Never throws (a full or read-only disk may be the very
 * thing being logged); returns whether the text was written.
 *
 * One writer per file: two processes rotating the same file could lose a file's worth of lines, so each
 * Restray process writes its own log name (see core/logging/engine-log.ts).
 */
export function appendRotated(
  file: string,
  text: string,
  limits: RotationLimits = DEFAULT_ROTATION,
): boolean {
  try {
    const size = sizeOf(file);
    if (size > 0 && size + Buffer.byteLength(text) > limits.maxBytes) rotate(file, limits.files);
    appendFileSync(file, text, { mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function rotate(file: string, files: number): void {
  const name = (i: number) => (i === 0 ? file : `${file}.${i}`);
  rmSync(name(files - 1), { force: true });
  for (let i = files - 2; i >= 0; i--) {
    try {
      renameSync(name(i), name(i + 1));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

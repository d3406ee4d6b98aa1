import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file atomically: a temp file in the same directory, fsync, rename over the target, fsync of the
 * directory. A reader (or a crash) sees the old or the new content, never a mix.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** fsync a directory so a rename in it survives a power cut (the Pis run on SD cards and USB disks). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads a JSON file, or returns undefined when it does not exist. Throws on unreadable or invalid JSON. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text);
}

export function writeJsonAtomic(path: string, value: unknown, mode = 0o644): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', mode);
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** {@link writeJsonAtomic}, skipped when the file holds exactly this document already (no write, no fsync). */
export function updateJsonAtomic(path: string, value: unknown, mode = 0o644): void {
  const text = JSON.stringify(value, null, 2) + '\n';
  try {
    if (readFileSync(path, 'utf8') === text) return;
  } catch {
    // absent or unreadable: write it
  }
  writeFileAtomic(path, text, mode);
}

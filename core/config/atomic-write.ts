import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that readers see either the old or the new content, never a torn one: write a temp file in
 * the same folder, fsync it, rename it over the target, then fsync the folder (where the OS allows).
 * Creates the folder (mode 0700) if needed. The file gets `mode` (default 0600). On any failure (full disk,
 * read-only folder) the temp file is removed and the Node error is rethrown; the target keeps its content.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w', mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // A full disk fails the write after the temp file exists: never leave it behind (a 0-byte file per try).
    await rm(tmp, { force: true }).catch(() => {});
    // A write through a file handle names no path: say which file could not be written.
    if (e instanceof Error && (e as NodeJS.ErrnoException).path === undefined) Object.assign(e, { path });
    throw e;
  }
  try {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Directory fsync is not supported everywhere (Windows); the rename is still atomic there.
  }
}

/**
 * Creates `dir` and its parents (mode 0700) if missing. A recursive mkdir on a read-only file system reports
 * ENOENT; the folder is then created alone once more so that the error names the real cause (EROFS, EACCES).
 */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dir, { mode: 0o700 });
  }
}

import { copyFile, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, sep } from 'node:path';

export type Conflict = 'keepBoth' | 'overwrite' | 'skip';

export interface PlacementResult {
  filesRestored: number;
  filesSkipped: number;
  /** New paths of files written next to an existing one (keepBoth); bounded. */
  renamed: string[];
}

/** `report (restored 2026-11-22).pdf`, then `… 2).pdf`, … for a free name next to `path`. */
export async function keepBothName(path: string, date: Date): Promise<string> {
  const ext = extname(path);
  const stem = basename(path, ext);
  const day = date.toISOString().slice(0, 10);
  for (let n = 1; ; n++) {
    const candidate = join(dirname(path), `${stem} (restored ${day}${n > 1 ? ` ${n}` : ''})${ext}`);
    if (!(await exists(candidate))) return candidate;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    // Staging and destination are on different file systems: copy, then drop the staged file.
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

/**
 * Moves what restic restored into `staging` (which mirrors absolute paths: `staging/home/ada/x`) to the
 * original places, applying the conflict choice to files that exist there: overwrite them, skip them, or
 * keep both by writing the restored one under a new name. Folders are created as needed; an existing folder is
 * merged, never replaced. Removes `staging` afterwards. Nothing is deleted at the destination except files
 * replaced under `overwrite`.
 */
export async function placeRestored(
  staging: string,
  conflict: Conflict,
  now: Date,
): Promise<PlacementResult> {
  const result: PlacementResult = { filesRestored: 0, filesSkipped: 0, renamed: [] };
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(staging, rel))) {
      const relPath = join(rel, name);
      const from = join(staging, relPath);
      const to = sep + relPath;
      const st = await lstat(from);
      if (st.isDirectory()) {
        await mkdir(to, { recursive: true });
        await walk(relPath);
        continue;
      }
      if (await exists(to)) {
        if (conflict === 'skip') {
          result.filesSkipped += 1;
          continue;
        }
        if (conflict === 'keepBoth') {
          const alt = await keepBothName(to, now);
          await move(from, alt);
          if (result.renamed.length < 500) result.renamed.push(alt);
          result.filesRestored += 1;
          continue;
        }
        await rm(to, { force: true, recursive: false });
      }
      await mkdir(dirname(to), { recursive: true });
      await move(from, to);
      result.filesRestored += 1;
    }
  };
  try {
    await walk('');
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return result;
}

/**
 * Counts regular files and links below `dir` (restic 0.14 reports no restore summary). Names are read as
 * bytes: a file name that is not valid UTF-8 would otherwise come back altered and fail its lstat.
 */
export async function countFiles(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const slash = Buffer.from(sep);
  const walk = async (d: Buffer): Promise<void> => {
    let names: Buffer[];
    try {
      names = await readdir(d, { encoding: 'buffer' });
    } catch {
      return;
    }
    for (const n of names) {
      const p = Buffer.concat([d, slash, n]);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p);
      else {
        files += 1;
        bytes += st.size;
      }
    }
  };
  await walk(Buffer.from(dir));
  return { files, bytes };
}

/**
 * The includes of a restore that restic restored nothing for: plain absolute paths (no pattern characters)
 * that do not exist below `target`, which mirrors the snapshot's paths. Patterns cannot be checked this way
 * and are never reported.
 */
export async function unmatchedIncludes(target: string, includes: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const inc of includes) {
    if (/[*?[\]]/.test(inc)) continue;
    try {
      await lstat(join(target, inc));
    } catch {
      out.push(inc);
    }
  }
  return out;
}

/** `~/Restored/2026-11-22 14-05`: the default folder for a restore into a new place. */
export function defaultRestoreFolder(home: string, now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())} ${p(now.getHours())}-${p(now.getMinutes())}`;
  return join(home, 'Restored', stamp);
}

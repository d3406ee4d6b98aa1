import { copyFile, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type Conflict = 'keepBoth' | 'overwrite' | 'skip';

export interface PlacementResult {
  filesRestored: number;
  filesSkipped: number;
  /** New paths of files written next to an existing one (keepBoth); bounded. */
  renamed: string[];
}

/** `report (restored 2026-11-22).pdf`, then `… 2).pdf`, … for a free name next to `path`. */
export async function keepBothName(path: string, date: Date): Promise<string> {
  return (await keepBothBytes(Buffer.from(path), date)).toString();
}

const SLASH = Buffer.from(sep);
const DOT = '.'.charCodeAt(0);

/**
 * {@link keepBothName} on a path given as bytes, so that a name that is not valid UTF-8 keeps its bytes: the
 * stem and extension are split at the last dot of the last component (a leading dot is no extension).
 */
async function keepBothBytes(path: Buffer, date: Date): Promise<Buffer> {
  const cut = path.lastIndexOf(SLASH) + SLASH.length;
  const dir = path.subarray(0, cut);
  const base = path.subarray(cut);
  const dot = base.lastIndexOf(DOT);
  const [stem, ext] = dot > 0 ? [base.subarray(0, dot), base.subarray(dot)] : [base, Buffer.alloc(0)];
  const day = date.toISOString().slice(0, 10);
  for (let n = 1; ; n++) {
    const tag = Buffer.from(` (restored ${day}${n > 1 ? ` ${n}` : ''})`);
    const candidate = Buffer.concat([dir, stem, tag, ext]);
    if (!(await exists(candidate))) return candidate;
  }
}

async function exists(path: Buffer | string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function move(from: Buffer, to: Buffer): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    // Staging and destination are on different file systems: copy, then drop the staged file.
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

/** The folder that holds `path` (bytes; `path` has at least one separator). */
function parentBytes(path: Buffer): Buffer {
  const cut = path.lastIndexOf(SLASH);
  return cut <= 0 ? SLASH : path.subarray(0, cut);
}

/**
 * Moves what restic restored into `staging` (which mirrors absolute paths: `staging/home/ada/x`) to the
 * original places, applying the conflict choice to files that exist there: overwrite them, skip them, or
 * keep both by writing the restored one under a new name. Folders are created as needed; an existing folder is
 * merged, never replaced. Removes `staging` afterwards. Nothing is deleted at the destination except files
 * replaced under `overwrite`. Names are handled as bytes, so names that are not valid UTF-8 (restored by
 * restic as they were) reach their place unchanged; `renamed` shows them as UTF-8 text.
 */
export async function placeRestored(
  staging: string,
  conflict: Conflict,
  now: Date,
): Promise<PlacementResult> {
  const result: PlacementResult = { filesRestored: 0, filesSkipped: 0, renamed: [] };
  const root = Buffer.from(staging);
  // `rel` is empty or starts with the separator: the destination path itself.
  const walk = async (rel: Buffer): Promise<void> => {
    for (const name of await readdir(Buffer.concat([root, rel]), { encoding: 'buffer' })) {
      const to = Buffer.concat([rel, SLASH, name]);
      const from = Buffer.concat([root, to]);
      const st = await lstat(from);
      if (st.isDirectory()) {
        await mkdir(to, { recursive: true });
        await walk(to);
        continue;
      }
      if (await exists(to)) {
        if (conflict === 'skip') {
          result.filesSkipped += 1;
          continue;
        }
        if (conflict === 'keepBoth') {
          const alt = await keepBothBytes(to, now);
          await move(from, alt);
          if (result.renamed.length < 500) result.renamed.push(alt.toString());
          result.filesRestored += 1;
          continue;
        }
        await rm(to, { force: true, recursive: false });
      }
      await mkdir(parentBytes(to), { recursive: true });
      await move(from, to);
      result.filesRestored += 1;
    }
  };
  try {
    await walk(Buffer.alloc(0));
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
  const walk = async (d: Buffer): Promise<void> => {
    let names: Buffer[];
    try {
      names = await readdir(d, { encoding: 'buffer' });
    } catch {
      return;
    }
    for (const n of names) {
      const p = Buffer.concat([d, SLASH, n]);
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

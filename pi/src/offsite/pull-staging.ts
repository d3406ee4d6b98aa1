import {
  type Dirent,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runRsync, type RsyncOptions } from '../link/rsync.js';
import { fileId, type RepoFile } from '../repo-files.js';
import type { StagedFiles } from './commit.js';
import { walkRepo, type LocalFile } from './store.js';

// The transfer phase of a pull, in the run's own staging folder: what it is filled with before and after rsync.

/**
 * rsync filter rules for a transfer of the whole repository that takes only names restic reads: config and
 * 64-hex IDs in keys/, index/, snapshots/ and data/<2 hex>/. Everything else is not even looked at: locks/,
 * temp files, strays.
 */
const HEX = '[0-9a-f]';
const ID = HEX.repeat(64);
export const REPO_FILES = [
  '--include=/config',
  ...['keys', 'index', 'snapshots'].flatMap((d) => [`--include=/${d}/`, `--include=/${d}/${ID}`]),
  '--include=/data/',
  `--include=/data/${HEX}${HEX}/`,
  `--include=/data/${HEX}${HEX}/${ID}`,
  '--exclude=*',
];

/**
 * Makes the staging folder hold what the listing saw: removes every file the listing did not name (one the transfer saw
 * that was added meanwhile, a leftover of an interrupted run, a stray), keeping rsync's partial dirs. Returns the
 * staged files, or undefined when a listed file is missing or differs in size or time: the source changed
 * between listing and transfer.
 */
export function settleStaging(staging: string, current: readonly RepoFile[]): StagedFiles | undefined {
  const listed = new Map(current.map((f) => [f.path, f]));
  const files: LocalFile[] = [];
  const partialDirs: string[] = [];
  for (const f of walkRepo(staging, partialDirs)) {
    const l = listed.get(f.path);
    if (!l) rmSync(join(staging, f.path), { force: true });
    else if (l.size === f.size && l.mtime === f.mtime) files.push(f);
  }
  return files.length === listed.size ? { files, partialDirs } : undefined;
}

/**
 * Starts the staging folder for a transfer: config is a copy of the newest generation's with a zero mtime, so rsync's
 * quick check (size and time) can never take it for unchanged: it always comes by content (a delta against this
 * copy, a few bytes), and a config changed without changing size or time still shows up. Never written through:
 * it may be a hardlink left by an interrupted run.
 */
export function stageConfig(staging: string, prevDir: string | undefined): void {
  mkdirSync(staging, { recursive: true });
  const config = join(staging, 'config');
  rmSync(config, { force: true });
  if (prevDir && existsSync(join(prevDir, 'config'))) {
    copyFileSync(join(prevDir, 'config'), config);
    utimesSync(config, 0, 0);
  }
}

/**
 * Makes the staging folder an up-to-date copy as far as the newest generation goes, so the transfer finds unchanged files
 * in place and moves only new ones, like a plain rsync into an existing copy. Runs while the transfer connects:
 * - `rotten` files (re-verification found them damaged) are not linked (the caller fetches them afresh after the
 *   transfer, whose --link-dest may have linked them);
 * - the generation's other files are hardlinked where staging has nothing at that path (what an interrupted run
 *   left stays), until `until` settles (the connection is up: rsync's file list follows soon, and from then on
 *   its `--link-dest` links the rest as it goes, so a large repository does not hold the transfer back and the
 *   two never race for a name). rsync never writes into an existing file: new data goes to a temp file renamed
 *   over the link, so the generation's inodes are never touched.
 */
export async function linkPrevious(
  staging: string,
  prevDir: string | undefined,
  prevFiles: readonly LocalFile[],
  rotten: ReadonlySet<string>,
  until: Promise<unknown>,
): Promise<void> {
  if (!prevDir) return;
  const dirs = new Set<string>();
  let stop = false;
  void until.then(
    () => (stop = true),
    () => (stop = true),
  );
  for (let i = 0; i < prevFiles.length && !stop; i++) {
    const f = prevFiles[i]!;
    if (!fileId(f.path) || rotten.has(f.path)) continue;
    const dst = join(staging, f.path);
    if (!dirs.has(dirname(dst))) mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
    dirs.add(dirname(dst));
    try {
      linkSync(join(prevDir, f.path), dst);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // Let the connection's arrival be noticed.
    if (i % 128 === 127) await new Promise((r) => setImmediate(r));
  }
}

/** Bytes held in rsync's partial dirs under `dir` (interrupted files kept for resuming). */
export function partialBytes(dir: string): number {
  let total = 0;
  const walk = (d: string, inPartial: boolean) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path, inPartial || e.name === '.rsync-partial');
      else if (inPartial && e.isFile()) total += statSync(path).size;
    }
  };
  walk(dir, false);
  return total;
}

/** One rsync of the listed files into staging (paths relative to the source root, via --files-from). */
export async function fetchFiles(
  files: readonly RepoFile[],
  common: string[],
  o: RsyncOptions,
  staging: string,
) {
  if (files.length === 0)
    return { exitCode: 0, stdout: '', stderr: '', bytesReceived: 0, bytesSent: 0, fileBytes: 0 };
  const listFile = join(tmpdir(), `restray-pi-files-${process.pid}-${Date.now()}`);
  writeFileSync(listFile, files.map((f) => f.path).join('\n') + '\n', { mode: 0o600 });
  try {
    return await runRsync(
      [...common, `--files-from=${listFile}`, `${o.endpoint.user}@${o.endpoint.host}:`, `${staging}/`],
      o,
    );
  } finally {
    unlinkSync(listFile);
  }
}

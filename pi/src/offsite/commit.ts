import {
  type Dirent,
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Log } from '../alerts.js';
import type { OffsiteConfig } from '../config.js';
import { fsyncDir } from '../fs-util.js';
import { generationName, parseGenerationName } from '../generation-name.js';
import {
  listGenerations,
  readGenerationsMeta,
  snapshotIdsOf,
  walkRepo,
  writeGenerationsMeta,
  type GenerationMeta,
  type LocalFile,
  type OffsitePaths,
} from './store.js';
import { classify } from '../repo-files.js';
import { planRetention } from './removed-ledger.js';
import { forgetRemovedGenerations } from './reverify.js';
import { crashPoint } from './crash-point.js';

/*
 * The offsite store's commit protocol. Invariants, true at every instant (a SIGKILL or a power cut may stop a
 * run between any two steps):
 *   I1 every directory in generations/ is a complete, verified repository copy: it got there by ONE rename of a
 *      finished staging folder, and leaves it by ONE rename into trash/ before anything in it is deleted;
 *   I2 generations.json describes a superset of generations/: an entry is written before its rename in and
 *      removed after its rename out; recovery drops the entries of folders that are not there (and rebuilds an
 *      entry that is missing, e.g. after a hand-deleted generations.json);
 *   I3 a transfer writes only into its own run's staging folder (staging/run-<time>-<pid>-<n>); no later run ever
 *      promotes or adopts that folder: it links finished files out of it and deletes it (rsync never changes a
 *      finished file in place, so a leftover writer can spoil nothing a later run keeps).
 * The status is built from generations/ itself, with generations.json for the details, so once recovery has run
 * it lists exactly the generations on disk.
 */

/** The staging folders' name prefix; anything else in staging/ is the single staging folder of older versions. */
const RUN_PREFIX = 'run-';

/**
 * Recovery, at the start of every run (under the run lock, before anything else): empties trash/ (retention
 * that was cut), removes the generations.json entries of generations that are not on disk (a promotion cut
 * before its rename, a retention cut after it) and rebuilds missing ones, and drops re-verification records of
 * removed generations. Idempotent; safe to cut at any point.
 * Side effects: deletes trash/ contents, rewrites state/generations.json and state/verify.json when needed.
 */
export function recoverStore(p: OffsitePaths, log: Log): void {
  emptyTrash(p);
  const gens = listGenerations(p);
  const meta = readGenerationsMeta(p);
  let changed = false;
  for (const name of Object.keys(meta))
    if (!gens.includes(name)) {
      delete meta[name];
      changed = true;
    }
  let prev: ReadonlyMap<string, LocalFile> | undefined;
  for (const name of gens) {
    const files = meta[name] ? undefined : walkRepo(join(p.generations, name));
    if (files) {
      meta[name] = generationMeta(name, files, prev ?? walkPrevious(p, gens, name));
      changed = true;
      log(`recovery: generation ${name} had no metadata; rebuilt it`);
    }
    prev = files ? new Map(files.map((f) => [f.path, f])) : undefined;
  }
  if (changed) writeGenerationsMeta(p, meta);
  forgetRemovedGenerations(p);
  crashPoint('recover:done');
}

function walkPrevious(p: OffsitePaths, gens: readonly string[], name: string) {
  const before = gens[gens.indexOf(name) - 1];
  return before ? new Map(walkRepo(join(p.generations, before)).map((f) => [f.path, f])) : undefined;
}

/** What generations.json holds about a generation with these files (`prev`: the one before, for newBytes). */
export function generationMeta(
  name: string,
  all: readonly LocalFile[],
  prev: ReadonlyMap<string, LocalFile> | undefined,
): GenerationMeta {
  const files = all.filter((f) => classify(f.path) !== 'locks' && classify(f.path) !== 'other');
  return {
    name,
    time: parseGenerationName(name)!.toISOString(),
    snapshotIds: snapshotIdsOf(files),
    sizeBytes: files.reduce((s, f) => s + f.size, 0),
    newBytes: files.filter((f) => prev?.get(f.path)?.ino !== f.ino).reduce((s, f) => s + f.size, 0),
    fileCount: files.length,
  };
}

/**
 * Makes this run's own staging folder, staging/run-<id>. With `salvage` (pull mode), what earlier runs left
 * in their staging folders is reused: each finished file that no generation holds (link count 1: fetched by
 * the cut run) and each resumable partial file is hardlinked into the new folder; then the old folders are
 * deleted. Nothing an earlier run left is ever promoted as it is.
 * @returns the new folder's path
 * Side effects: creates and deletes folders under staging/.
 */
export function openStaging(p: OffsitePaths, runId: string, salvage: boolean): string {
  mkdirSync(p.staging, { recursive: true, mode: 0o755 });
  const dir = stagingFolder(p, runId);
  const own = basename(dir);
  mkdirSync(dir, { mode: 0o755 });
  const old = readdirSync(p.staging).filter((n) => n !== own);
  if (salvage) {
    for (const n of old.filter((x) => x.startsWith(RUN_PREFIX))) linkUnique(join(p.staging, n), dir);
    // An older version's single staging folder: its repository entries lie in staging/ itself.
    for (const n of old.filter((x) => !x.startsWith(RUN_PREFIX)))
      linkUnique(join(p.staging, n), join(dir, n));
    crashPoint('staging:salvaged');
  }
  for (const n of old) rmSync(join(p.staging, n), { recursive: true, force: true });
  return dir;
}

/** The staging folder of the run `runId` (see {@link openStaging}); pure. */
export function stagingFolder(p: OffsitePaths, runId: string): string {
  return join(p.staging, `${RUN_PREFIX}${runId}`);
}

/** Hardlinks into `to` each regular file under `from` that only `from` holds (link count 1), keeping paths. */
function linkUnique(from: string, to: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(from, { withFileTypes: true });
  } catch {
    const st = lstatSync(from, { throwIfNoEntry: false });
    if (st?.isFile() && st.nlink === 1) linkQuiet(from, to);
    return;
  }
  for (const e of entries) {
    const src = join(from, e.name);
    // rsync's temp files (`.name.XXXXXX`) may be half-written; its partial dirs hold resumable data.
    if (e.isDirectory()) linkUnique(src, join(to, e.name));
    else if (e.isFile() && !(e.name.startsWith('.') && !from.endsWith('.rsync-partial')))
      if (lstatSync(src).nlink === 1) linkQuiet(src, join(to, e.name));
  }
}

function linkQuiet(src: string, dst: string): void {
  mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
  try {
    linkSync(src, dst);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/** fsync every directory of a tree (bottom up), so the renames rsync made in it survive a power cut. */
function fsyncTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) fsyncTree(join(dir, e.name));
  fsyncDir(dir);
}

/** A staging folder as a walk just saw it (with rsync's partial dirs), so promotion need not walk it again. */
export interface StagedFiles {
  files: readonly LocalFile[];
  partialDirs: readonly string[];
}

/**
 * The promotion commit: turns the run's staging folder into generations/<UTC time>/, unless it holds exactly
 * the newest generation's files (then it is deleted and nothing is promoted). Steps: rsync's partial dirs go,
 * locks/ is made (restic wants it), every directory is fsynced; the metadata entry is written (I2); ONE rename
 * into generations/ (I1) and an fsync of generations/ — the commit; then the folder is made read-only (every
 * directory 0555, files are 0444 already: not even the run account adds, renames or removes a file in it
 * without first lifting the modes, as retention does in {@link emptyTrash}).
 * @returns the new generation's name, or undefined when nothing changed
 */
export function promoteStaging(
  p: OffsitePaths,
  staging: string,
  prevName: string | undefined,
  prevMap: ReadonlyMap<string, LocalFile> | undefined,
  t: Date,
  staged?: StagedFiles,
): string | undefined {
  const partialDirs: string[] = staged ? [...staged.partialDirs] : [];
  const files = (staged?.files ?? walkRepo(staging, partialDirs)).filter(
    (f) => classify(f.path) !== 'locks' && classify(f.path) !== 'other',
  );
  for (const d of partialDirs) rmSync(d, { recursive: true, force: true });
  mkdirSync(join(staging, 'locks'), { recursive: true, mode: 0o755 });
  const unchanged =
    prevMap !== undefined &&
    files.length === [...prevMap.values()].filter((f) => classify(f.path) !== 'locks').length &&
    files.every((f) => prevMap.get(f.path)?.ino === f.ino);
  if (unchanged) {
    rmSync(staging, { recursive: true, force: true });
    return undefined;
  }
  let name = generationName(t);
  // Two runs within one second (tests, manual retries): keep names unique and increasing.
  if (prevName && name <= prevName)
    name = generationName(new Date(parseGenerationName(prevName)!.getTime() + 1000));
  fsyncTree(staging);
  const meta = readGenerationsMeta(p);
  meta[name] = generationMeta(name, files, prevMap);
  writeGenerationsMeta(p, meta);
  crashPoint('promote:meta');
  renameSync(staging, join(p.generations, name));
  fsyncDir(p.generations);
  crashPoint('promote:renamed');
  sealGeneration(join(p.generations, name));
  return name;
}

/**
 * The retention commit: each generation the policy (with the protection period for removed data) drops is renamed into trash/ (I1: it leaves generations/
 * whole), then generations.json and the re-verification records forget it (I2), then trash/ is emptied. Never
 * in a failed or blocked run.
 * @returns the names removed
 */
export function applyRetention(p: OffsitePaths, off: OffsiteConfig, now: Date, log: Log): string[] {
  // offsite.retention plus the protection period for removed data (guard.keepRemovedDays, see removed-ledger.ts).
  const removed = planRetention(p, off, now)
    .filter((d) => !d.keep)
    .map((d) => d.name);
  if (removed.length === 0) return removed;
  mkdirSync(p.trash, { recursive: true, mode: 0o700 });
  for (const name of removed) {
    // Moving a directory to another parent rewrites its `..`: Linux wants write permission on it (sealed 0555).
    chmodSync(join(p.generations, name), 0o755);
    renameSync(join(p.generations, name), join(p.trash, name));
    fsyncDir(p.generations);
    crashPoint('retain:trashed');
  }
  const meta = readGenerationsMeta(p);
  for (const name of removed) delete meta[name];
  writeGenerationsMeta(p, meta);
  forgetRemovedGenerations(p);
  crashPoint('retain:meta');
  emptyTrash(p);
  log(`retention removed ${removed.length} generation(s): ${removed.join(', ')}`);
  return removed;
}

/**
 * Makes a promoted generation read-only: each directory 0555, deepest first (the files are 0444 from the
 * transfer). A cut here leaves some directories writable, which is only less strict; the next promotion or
 * retention does not depend on it. Side effect: chmod of every directory in `dir`.
 */
export function sealGeneration(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) sealGeneration(join(dir, e.name));
  chmodSync(dir, 0o555);
}

/**
 * Deletes what trash/ holds. Generations are read-only (files 0444, directories 0555, see
 * {@link sealGeneration}): owner write is restored on the directories first, which only their owner (the run
 * account) or root can do.
 */
function emptyTrash(p: OffsitePaths): void {
  if (!existsSync(p.trash)) return;
  for (const name of readdirSync(p.trash)) {
    const dir = join(p.trash, name);
    makeWritable(dir);
    // Folder by folder, so the crash test can cut a deletion in the middle.
    for (const sub of ['data', 'index', 'snapshots']) {
      const d = join(dir, sub);
      if (!existsSync(d)) continue;
      for (const e of readdirSync(d)) {
        rmSync(join(d, e), { recursive: true, force: true });
        crashPoint('retain:delete');
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  fsyncDir(p.trash);
}

function makeWritable(d: string): void {
  const st = lstatSync(d, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return;
  chmodSync(d, 0o755);
  for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) makeWritable(join(d, e.name));
}

import {
  type Dirent,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PiGeneration } from '../../../contract/pi-status.js';
import { PiError } from '../errors.js';
import { readJson, writeJsonAtomic } from '../fs-util.js';
import { parseGenerationName } from '../generation-name.js';
import { classify } from '../repo-files.js';

/** The offsite root's layout. Everything lives on one file system so promotion is a rename. */
export interface OffsitePaths {
  root: string;
  generations: string;
  /**
   * Holds each run's own staging folder (run-<time>-<pid>-<n>, see offsite/commit.ts): the generation being built.
   * What a failed run fetched is reused by the next one, never promoted as it is.
   */
  staging: string;
  /** Generations retention has taken out of generations/ and is deleting (emptied by recovery). */
  trash: string;
  /** Push mode: where the onsite Pi may add files (never delete or overwrite). */
  incoming: string;
  state: string;
  status: string;
  generationsMeta: string;
  guard: string;
  approval: string;
  verify: string;
  /** The last `restic check` (verify.resticCheck). */
  resticCheck: string;
  /** Push mode: pushed files that failed verification, moved out of incoming/ so the next push re-sends them. */
  quarantine: string;
  alerts: string;
  /** What the onsite Pi's CPU offers, as its listing last reported it (see cipher.ts). */
  onsiteCpu: string;
  lock: string;
}

export function offsitePaths(root: string): OffsitePaths {
  const state = join(root, 'state');
  return {
    root,
    generations: join(root, 'generations'),
    staging: join(root, 'staging'),
    trash: join(root, 'trash'),
    incoming: join(root, 'incoming'),
    state,
    status: join(state, 'status.json'),
    generationsMeta: join(state, 'generations.json'),
    guard: join(state, 'guard.json'),
    approval: join(state, 'approval.json'),
    verify: join(state, 'verify.json'),
    resticCheck: join(state, 'restic-check.json'),
    quarantine: join(state, 'quarantine'),
    alerts: join(state, 'alerts.json'),
    onsiteCpu: join(state, 'onsite-cpu.json'),
    lock: join(state, 'run.lock'),
  };
}

export function ensureLayout(p: OffsitePaths): void {
  for (const d of [p.root, p.generations, p.state]) mkdirSync(d, { recursive: true, mode: 0o755 });
}

/** A file in a local repository copy, with its inode (to tell hardlinked, unchanged files from new ones). */
export interface LocalFile {
  path: string;
  size: number;
  mtime: number;
  ino: number;
}

/**
 * Lists the regular files of a local repository copy (relative paths), skipping rsync's partial dirs (their
 * paths are added to `partialDirs` when given). Returns an empty list when the directory does not exist.
 */
export function walkRepo(dir: string, partialDirs?: string[]): LocalFile[] {
  const out: LocalFile[] = [];
  const walk = (rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.rsync-partial') walk(r);
        else partialDirs?.push(join(dir, r));
      } else if (e.isFile()) {
        const st = lstatSync(join(dir, r));
        out.push({ path: r, size: st.size, mtime: Math.floor(st.mtimeMs / 1000), ino: st.ino });
      }
    }
  };
  walk('');
  return out;
}

/** Generation directory names under generations/, oldest first (foreign names are ignored). */
export function listGenerations(p: OffsitePaths): string[] {
  let names: string[];
  try {
    names = readdirSync(p.generations);
  } catch {
    return [];
  }
  return names.filter((n) => parseGenerationName(n) !== undefined).sort();
}

const GenerationsMeta = z.record(z.string(), PiGeneration.omit({ state: true }));
export type GenerationMeta = z.infer<typeof GenerationsMeta>[string];

export function readGenerationsMeta(p: OffsitePaths): Record<string, GenerationMeta> {
  const raw = readJson(p.generationsMeta);
  if (raw === undefined) return {};
  const r = GenerationsMeta.safeParse(raw);
  if (!r.success)
    throw new PiError(
      'failed',
      `${p.generationsMeta} is damaged; remove it and run restray-pi sync to rebuild it.`,
    );
  return r.data;
}

export function writeGenerationsMeta(p: OffsitePaths, meta: Record<string, GenerationMeta>): void {
  writeJsonAtomic(p.generationsMeta, meta);
}

/** Adds the names quarantined by the run that promoted `name` to its metadata (listed in the status). */
export function recordQuarantined(p: OffsitePaths, name: string, files: readonly string[]): void {
  const meta = readGenerationsMeta(p);
  const g = meta[name];
  if (!g) return;
  meta[name] = { ...g, quarantined: [...new Set([...(g.quarantined ?? []), ...files])].sort() };
  writeGenerationsMeta(p, meta);
}

/** Snapshot IDs held by a local repository copy. */
export function snapshotIdsOf(files: readonly { path: string }[]): string[] {
  return files
    .filter((f) => classify(f.path) === 'snapshots')
    .map((f) => f.path.slice('snapshots/'.length))
    .sort();
}

/** A process's start time (clock ticks since boot, /proc/PID/stat field 22), or undefined off Linux or once gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * A run lock: `state/run.lock` holding the PID and that process's start time, created exclusively. A lock whose
 * process is gone is taken over — also when a SIGKILLed run's PID now belongs to another process (its start time
 * differs), so a crash never blocks the runs after it. Throws PiError `locked` when another live run holds it.
 * @returns a release function
 */
export function acquireRunLock(p: OffsitePaths): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(p.lock, 'wx', 0o644);
      writeSync(fd, `${process.pid} ${processStartTime(process.pid) ?? ''}`.trim());
      closeSync(fd);
      return () => {
        try {
          unlinkSync(p.lock);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const [pidText, started] = readFileSync(p.lock, 'utf8').trim().split(' ');
      const pid = Number(pidText);
      let alive = false;
      try {
        if (pid > 0) {
          process.kill(pid, 0);
          alive = true;
        }
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
      // A lock written without a start time (older versions) trusts the PID alone.
      if (alive && started !== undefined) alive = processStartTime(pid) === started;
      if (alive && pid !== process.pid)
        throw new PiError('locked', `Another restray-pi run (PID ${pid}) is in progress.`, { phase: 'lock' });
      unlinkSync(p.lock);
    }
  }
  throw new PiError('locked', 'Could not take the run lock.', { phase: 'lock' });
}

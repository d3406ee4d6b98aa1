import { join } from 'node:path';
import { z } from 'zod';
import { PiVerification } from '../../../contract/pi-status.js';
import { readJson, writeJsonAtomic } from '../fs-util.js';
import { verifyNamedFiles } from '../hash.js';
import { listGenerations, walkRepo, type OffsitePaths } from './store.js';
import { fileId } from '../repo-files.js';

export const VerifyState = PiVerification.extend({ cursor: z.number().int().min(0).default(0) });
export type VerifyState = z.infer<typeof VerifyState>;

export function readVerifyState(p: OffsitePaths): VerifyState {
  const r = VerifyState.safeParse(readJson(p.verify) ?? {});
  return r.success ? r.data : { cursor: 0, checkedFiles: 0, totalFiles: 0, damaged: [] };
}

/**
 * Re-hashes the next slice of stored files (bit rot). Files shared by hardlinks are hashed once; the slice
 * is ⌈unique files / rotationRuns⌉, so every file is checked once per `rotationRuns` runs. Damaged files are
 * recorded with every generation that holds them; those generations are reported `damaged` in the status.
 * Side effect: updates state/verify.json.
 *
 * @returns the number of files hashed and the newly found damage
 */
export async function reverifySlice(
  p: OffsitePaths,
  rotationRuns: number,
  concurrency: number,
  now: Date,
): Promise<{ checked: number; newlyDamaged: VerifyState['damaged'] }> {
  const state = readVerifyState(p);
  if (rotationRuns === 0) return { checked: 0, newlyDamaged: [] };
  // inode → a path to hash it by and the generations that share it.
  const byIno = new Map<number, { gen: string; path: string; gens: string[] }>();
  for (const gen of listGenerations(p)) {
    for (const f of walkRepo(join(p.generations, gen))) {
      if (!fileId(f.path)) continue;
      const e = byIno.get(f.ino);
      if (e) e.gens.push(gen);
      else byIno.set(f.ino, { gen, path: f.path, gens: [gen] });
    }
  }
  const all = [...byIno.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const total = all.length;
  if (total === 0) return { checked: 0, newlyDamaged: [] };
  const size = Math.ceil(total / rotationRuns);
  let cursor = state.cursor >= total ? 0 : state.cursor;
  // Wrap around: the file set changes between runs, and a slice must always be full-sized.
  const slice = [...all.slice(cursor, cursor + size), ...all.slice(0, Math.max(0, cursor + size - total))];
  const newlyDamaged: VerifyState['damaged'] = [];
  // Hash per generation root so relative paths resolve; group the slice by the generation we reach it through.
  const groups = new Map<string, string[]>();
  for (const f of slice) groups.set(f.gen, [...(groups.get(f.gen) ?? []), f.path]);
  for (const [gen, files] of groups) {
    for (const m of await verifyNamedFiles(join(p.generations, gen), files, concurrency)) {
      const entry = slice.find((s) => s.gen === gen && s.path === m.file)!;
      if (!state.damaged.some((d) => d.file === m.file))
        newlyDamaged.push({ file: m.file, generations: entry.gens, detectedAt: now.toISOString() });
    }
  }
  cursor += slice.length;
  let checkedFiles = state.checkedFiles + slice.length;
  let lastFullPassAt = state.lastFullPassAt;
  if (checkedFiles >= total) {
    checkedFiles = 0;
    lastFullPassAt = now.toISOString();
  }
  cursor %= total;
  const next: VerifyState = {
    ...state,
    cursor,
    checkedFiles,
    totalFiles: total,
    lastSliceAt: now.toISOString(),
    damaged: [...state.damaged, ...newlyDamaged],
    ...(lastFullPassAt ? { lastFullPassAt } : {}),
  };
  writeJsonAtomic(p.verify, next);
  return { checked: slice.length, newlyDamaged };
}

/** Drops damage records of generations that no longer exist (removed by retention). */
export function forgetRemovedGenerations(p: OffsitePaths): void {
  const state = readVerifyState(p);
  const existing = new Set(listGenerations(p));
  const damaged = state.damaged
    .map((d) => ({ ...d, generations: d.generations.filter((g) => existing.has(g)) }))
    .filter((d) => d.generations.length > 0);
  if (damaged.length !== state.damaged.length) writeJsonAtomic(p.verify, { ...state, damaged });
}

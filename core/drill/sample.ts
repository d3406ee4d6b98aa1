import type { LsEntry } from '../../contract/restic.js';

/** How a drill picks its files: at most `files` of them and `maxBytes` together. */
export interface SampleLimits {
  files: number;
  maxBytes: number;
}

export const DEFAULT_SAMPLE: SampleLimits = { files: 20, maxBytes: 200 * 1024 * 1024 };

/** A sampled file: its path inside the snapshot and the size restic recorded. */
export interface SampledFile {
  path: string;
  size: number;
}

// restic reads --include values as patterns: a path holding one of these would match other files (or none).
const PATTERN_CHARS = /[*?[\]\\]/;

/**
 * Picks a random sample of a snapshot's regular files for a restore drill: alternately one of the larger half
 * (by size) and one of the smaller half, so that a drill reads both many-chunk files and small ones, while the
 * total stays within `maxBytes` (a file that would break the budget is passed over; a larger half that no longer
 * fits gives its turns to the smaller one). Files whose path restic would read as a pattern are never picked.
 * Pure apart from `random` (returns a number in [0, 1), like Math.random); the result is in snapshot order.
 */
export function sampleFiles(
  entries: readonly LsEntry[],
  limits: SampleLimits = DEFAULT_SAMPLE,
  random: () => number = Math.random,
): SampledFile[] {
  const files: SampledFile[] = [];
  for (const e of entries)
    if (e.type === 'file' && !PATTERN_CHARS.test(e.path) && (e.size ?? 0) <= limits.maxBytes)
      files.push({ path: e.path, size: e.size ?? 0 });
  const bySize = [...files].sort((a, b) => a.size - b.size);
  const half = Math.floor(bySize.length / 2);
  const pools = [shuffle(bySize.slice(half), random), shuffle(bySize.slice(0, half), random)];
  const chosen = new Set<SampledFile>();
  let budget = limits.maxBytes;
  let turn = 0;
  while (chosen.size < limits.files && pools.some((p) => p.length > 0)) {
    const pool = pools[turn % 2]!.length > 0 ? pools[turn % 2]! : pools[(turn + 1) % 2]!;
    turn++;
    const f = pool.pop()!;
    if (f.size > budget) continue;
    budget -= f.size;
    chosen.add(f);
  }
  return files.filter((f) => chosen.has(f));
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { OffsiteConfig } from '../config.js';
import { readJson, writeJsonAtomic } from '../fs-util.js';
import { parseGenerationName } from '../generation-name.js';
import { listGenerations, type OffsitePaths } from './store.js';
import { fileId } from '../repo-files.js';
import { decideRetention, removedDataHolds, type RetentionDecision } from '../retention.js';

/**
 * The ledger of removed data (state/removed.json): for each generation already compared with the one after
 * it (`compared`), the content-addressed files it held that the next did not (`removed`). Each pair is
 * compared once, when the newer generation exists; a generation retention removes later leaves no gap: it can
 * only go when nothing it was last to hold is still in its protection period, and what it shared with older
 * generations is recorded against it, not them (the older ones hold nothing newer generations lack).
 */
const Ledger = z.object({
  compared: z.array(z.string()),
  removed: z.array(z.object({ path: z.string(), lastIn: z.string(), goneAt: z.string() })),
});
type Ledger = z.infer<typeof Ledger>;

function ledgerPath(p: OffsitePaths): string {
  return join(p.state, 'removed.json');
}

/** Content-addressed file names of a generation (names only: no stat per file). */
export function generationFileNames(dir: string): Set<string> {
  const out = new Set<string>();
  const read = (rel: string) => {
    try {
      return readdirSync(join(dir, rel));
    } catch {
      return [];
    }
  };
  for (const d of ['keys', 'snapshots', 'index']) for (const n of read(d)) out.add(`${d}/${n}`);
  for (const sub of read('data')) for (const n of read(`data/${sub}`)) out.add(`data/${sub}/${n}`);
  return new Set([...out].filter((f) => fileId(f)));
}

/**
 * Brings the ledger up to date with generations/ (compares each adjacent pair not yet compared), drops what
 * left its protection period and generations no longer on disk, and writes it back atomically.
 * Side effects: reads generation directories (names only), writes state/removed.json.
 */
export function updateRemovedLedger(p: OffsitePaths, keepRemovedDays: number, now: Date): Ledger {
  const raw = Ledger.safeParse(readJson(ledgerPath(p)));
  const ledger: Ledger = raw.success ? raw.data : { compared: [], removed: [] };
  const gens = listGenerations(p);
  const onDisk = new Set(gens);
  const done = new Set(ledger.compared.filter((g) => onDisk.has(g)));
  let newerNames: Set<string> | undefined;
  // Newest first, so each generation's names are read once and serve both of its pairs.
  for (let i = gens.length - 2; i >= 0; i--) {
    const older = gens[i]!;
    const newer = gens[i + 1]!;
    if (done.has(older)) {
      newerNames = undefined;
      continue;
    }
    newerNames ??= generationFileNames(join(p.generations, newer));
    const olderNames = generationFileNames(join(p.generations, older));
    const goneAt = parseGenerationName(newer)!.toISOString();
    for (const f of olderNames)
      if (!newerNames.has(f)) ledger.removed.push({ path: f, lastIn: older, goneAt });
    done.add(older);
    newerNames = olderNames;
  }
  const limit = now.getTime() - keepRemovedDays * 86_400_000;
  const next: Ledger = {
    compared: [...done].sort(),
    removed: ledger.removed.filter((r) => onDisk.has(r.lastIn) && Date.parse(r.goneAt) > limit),
  };
  writeJsonAtomic(ledgerPath(p), next);
  return next;
}

/**
 * The offsite retention as it would apply now: offsite.retention plus the protection period for removed data
 * (guard.keepRemovedDays). Updates the ledger first (see updateRemovedLedger). One decision per generation,
 * newest first.
 */
export function planRetention(p: OffsitePaths, off: OffsiteConfig, now: Date): RetentionDecision[] {
  const ledger = updateRemovedLedger(p, off.guard.keepRemovedDays, now);
  const gens = listGenerations(p).map((name) => ({ name, time: parseGenerationName(name)! }));
  return decideRetention(
    gens,
    off.retention,
    now,
    removedDataHolds(ledger.removed, off.guard.keepRemovedDays, now),
  );
}

import { existsSync, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generationName } from '../generation-name.js';
import { verifyNamedFiles, type HashMismatch, type HashPool } from '../hash.js';
import { listGenerations, type OffsitePaths } from './store.js';
import { readVerifyState } from './reverify.js';

/** What became of the files of a run whose SHA-256 does not match their name. */
export interface DamageOutcome {
  /** Replaced by the verified copy of the same name from an earlier generation (damage onsite, not here). */
  healed: { file: string; from: string }[];
  /** Kept aside under state/quarantine/<dir>/, left out of the generation. */
  quarantined: string[];
  /** The quarantine directory of this run (when anything was quarantined). */
  dir?: string;
}

/**
 * Decides per damaged file: a verified earlier copy of that name heals it (restic names files by their
 * content, so a file of the same name IS the same file), otherwise it is quarantined. `earlierCopy` answers
 * the generation holding a verified copy, or undefined. Pure.
 */
export function planDamaged(
  bad: readonly string[],
  earlierCopy: (file: string) => string | undefined,
): Pick<DamageOutcome, 'healed' | 'quarantined'> {
  const healed: DamageOutcome['healed'] = [];
  const quarantined: string[] = [];
  for (const file of bad) {
    const from = earlierCopy(file);
    if (from) healed.push({ file, from });
    else quarantined.push(file);
  }
  return { healed, quarantined };
}

/**
 * Settles the files of the run's staging folder `staging` that failed verification twice, so that no single file stops the copy: each
 * is replaced by a hardlink to the newest generation's copy of that name that re-verification has not found
 * damaged and that hashes to its name now, or else moved to state/quarantine/pull-<time>/ (same file system:
 * a rename), so the rest can be promoted without it.
 * Side effects: hashes candidate copies on `pool`, changes `staging`, creates the quarantine directory.
 */
export async function settleDamaged(
  p: OffsitePaths,
  staging: string,
  bad: readonly HashMismatch[],
  pool: HashPool,
  t: Date,
): Promise<DamageOutcome> {
  const rotten = readVerifyState(p).damaged;
  const gens = listGenerations(p).reverse();
  const copies = new Map<string, string>();
  for (const { file } of bad) {
    for (const g of gens) {
      const path = join(p.generations, g, file);
      if (!existsSync(path) || rotten.some((d) => d.file === file && d.generations.includes(g))) continue;
      if ((await verifyNamedFiles(join(p.generations, g), [file], 1, pool)).length === 0) {
        copies.set(file, g);
        break;
      }
    }
  }
  const plan = planDamaged(
    bad.map((b) => b.file),
    (f) => copies.get(f),
  );
  for (const h of plan.healed) {
    const dst = join(staging, h.file);
    rmSync(dst, { force: true });
    mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
    linkSync(join(p.generations, h.from, h.file), dst);
  }
  const out: DamageOutcome = plan;
  if (plan.quarantined.length > 0) {
    out.dir = join(p.quarantine, `pull-${generationName(t)}`);
    for (const f of plan.quarantined) {
      const from = join(staging, f);
      if (!existsSync(from)) continue;
      mkdirSync(dirname(join(out.dir, f)), { recursive: true, mode: 0o700 });
      renameSync(from, join(out.dir, f));
    }
  }
  return out;
}

/**
 * The listing without the quarantined files: what the guard judges once verification is done, so that junk
 * written under pack names (an append-only key can do that) cannot offset a loss as "new packs". Pure.
 */
export function withoutQuarantined<T extends { path: string }>(files: readonly T[], d: DamageOutcome): T[] {
  const q = new Set(d.quarantined);
  return files.filter((f) => !q.has(f.path));
}

/** The alert sentences for a damage outcome: one for healed files (onsite damage), one for quarantined ones. */
export function damageMessages(d: DamageOutcome): { healed?: string; quarantined?: string } {
  const list = (xs: readonly string[]) =>
    xs.length > 5 ? `${xs.slice(0, 5).join(', ')} and ${xs.length - 5} more` : xs.join(', ');
  return {
    ...(d.healed.length > 0
      ? {
          healed: `${d.healed.length} file(s) in the onsite repository do not match their SHA-256 (onsite damage); the verified copies from earlier offsite generations were used: ${list(d.healed.map((h) => `${h.file} (from ${h.from})`))}.`,
        }
      : {}),
    ...(d.quarantined.length > 0
      ? {
          quarantined: `${d.quarantined.length} file(s) from the onsite repository do not match their SHA-256 and have no verified earlier copy; they were quarantined (kept aside, not in the generation): ${list(d.quarantined)}.`,
        }
      : {}),
  };
}

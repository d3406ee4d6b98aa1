import { createHash } from 'node:crypto';
import { classify, type RepoFile } from './repo-files.js';

/** What the guard compares: the newest generation's files against the source listing of this run. */
export interface GuardInput {
  /** Files of the newest generation (path → size, mtime), or undefined before the first generation. */
  previous: ReadonlyMap<string, { size: number; mtime: number }> | undefined;
  current: readonly RepoFile[];
  maxLostShare: number;
}

export interface GuardFinding {
  blocked: boolean;
  /** One plain sentence when blocked. */
  reason?: string;
  /** (packs gone + packs altered) / packs in the newest generation. */
  lostShare: number;
  lostPacks: number;
  alteredFiles: string[];
  keysChanged: boolean;
  configChanged: boolean;
  /** Identifies this exact finding, so `approve` accepts this change and not a later, different one. */
  id: string;
}

/**
 * Decides whether the source looks like mass deletion or tampering. restic never changes a file after writing
 * it, so a file whose size or time differs from the copy in the newest generation was overwritten (ransomware
 * encrypting in place keeps names), and packs that vanished beyond what a prune removes point at deletion.
 * Blocked when (packs gone + packs altered) / packs > maxLostShare, or when keys/ or config changed. Pure.
 */
export function evaluateGuard(input: GuardInput): GuardFinding {
  const { previous, current, maxLostShare } = input;
  if (!previous)
    return {
      blocked: false,
      lostShare: 0,
      lostPacks: 0,
      alteredFiles: [],
      keysChanged: false,
      configChanged: false,
      id: 'first',
    };
  const now = new Map(current.map((f) => [f.path, f]));
  let prevPacks = 0;
  let lostPacks = 0;
  let alteredPacks = 0;
  const altered: string[] = [];
  const prevKeys: string[] = [];
  let configChanged = false;
  for (const [path, p] of previous) {
    const c = classify(path);
    const cur = now.get(path);
    if (c === 'data') {
      prevPacks++;
      if (!cur) lostPacks++;
    }
    if (c === 'keys') prevKeys.push(path);
    if (c === 'config' && (!cur || cur.size !== p.size || cur.mtime !== p.mtime)) configChanged = true;
    if (cur && c !== 'config' && (cur.size !== p.size || cur.mtime !== p.mtime)) {
      altered.push(path);
      if (c === 'data') alteredPacks++;
    }
  }
  const curKeys = current.filter((f) => classify(f.path) === 'keys').map((f) => f.path);
  const keysChanged = prevKeys.length !== curKeys.length || curKeys.some((k) => !previous.has(k));
  const lostShare = prevPacks === 0 ? 0 : (lostPacks + alteredPacks) / prevPacks;
  const reasons: string[] = [];
  if (lostShare > maxLostShare)
    reasons.push(
      `${Math.round(lostShare * 100)}% of the packs in the newest generation are gone (${lostPacks}) or overwritten (${alteredPacks}) at the source, more than the allowed ${Math.round(maxLostShare * 100)}%`,
    );
  if (altered.length > alteredPacks)
    reasons.push(
      `${altered.length - alteredPacks} index, snapshot or key files were overwritten at the source`,
    );
  if (keysChanged) reasons.push("the repository's keys changed");
  if (configChanged) reasons.push("the repository's config file changed");
  const blocked = reasons.length > 0;
  const id = createHash('sha256')
    .update(
      JSON.stringify({
        lostPacks,
        altered: [...altered].sort(),
        keys: [...curKeys].sort(),
        config: now.get('config') ?? null,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const finding: GuardFinding = {
    blocked,
    lostShare,
    lostPacks,
    alteredFiles: altered,
    keysChanged,
    configChanged,
    id,
  };
  if (blocked) finding.reason = `Possible mass deletion or tampering at the source: ${reasons.join('; ')}.`;
  return finding;
}

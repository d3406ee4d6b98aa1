import { createHash } from 'node:crypto';
import { classify, type RepoFile } from './repo-files.js';

/** A generation's files as the guard compares them: path → size and mtime. */
export type GuardFiles = ReadonlyMap<string, { size: number; mtime: number }>;

/** The guard's limits (offsite.guard in the config). */
export interface GuardPolicy {
  /** Share of a reference's pack bytes that may be lost net (gone minus new) before a run blocks. */
  maxLostShare: number;
  /** Share of a reference's snapshot files that may vanish before a run blocks (all of them always blocks). */
  maxLostSnapshotShare: number;
}

/** What the guard compares: the source listing of this run against the newest generation and an older one. */
export interface GuardInput {
  /** Files of the newest generation, or undefined before the first generation. */
  previous: GuardFiles | undefined;
  /**
   * The window reference (see {@link pickReference}): an older generation, so that a loss spread over several
   * runs adds up. Undefined or the newest generation itself: only the newest is compared.
   */
  reference?: { name: string; files: GuardFiles } | undefined;
  current: readonly RepoFile[];
  policy: GuardPolicy;
}

/** What vanished or changed between one generation and the source. */
export interface GuardComparison {
  /** The generation compared with (`newest` or the reference's name). */
  against: string;
  packs: number;
  packBytes: number;
  /** Packs of the generation that are gone or overwritten at the source, and their bytes. */
  packsGone: number;
  bytesGone: number;
  /** Packs at the source that the generation does not hold, and their bytes (new backups, a prune's repacks). */
  packsAdded: number;
  bytesAdded: number;
  /** max(0, bytesGone - bytesAdded) / packBytes. */
  lostShare: number;
  snapshots: number;
  snapshotsGone: number;
  /** snapshots present in the generation but not at the source (0 when the generation had none). */
  snapshotShare: number;
  /** Index files gone (a prune replaces all of them: counted, never blocking). */
  indexGone: number;
}

export interface GuardFinding {
  blocked: boolean;
  /** One plain sentence when blocked. */
  reason?: string;
  /** The worse of the comparisons' net lost byte shares (0..1). */
  lostShare: number;
  /** Packs gone or overwritten since the newest generation. */
  lostPacks: number;
  alteredFiles: string[];
  keysChanged: boolean;
  configChanged: boolean;
  /** One entry per generation compared with: the newest first, then the window reference if it differs. */
  comparisons: GuardComparison[];
  /** Identifies this exact finding, so `approve` accepts this change and not a later, different one. */
  id: string;
}

/**
 * The window reference: the newest generation at least `windowHours` older than `now` (so the comparison spans
 * the whole window), else the oldest generation (the store is younger than the window). Generations before
 * `notBefore` (the generation an approval promoted) never serve: an approved loss is not counted again. Pure.
 *
 * @param generations names and times, any order
 * @returns the reference's name, or undefined when there is no generation
 */
export function pickReference(
  generations: readonly { name: string; time: Date }[],
  now: Date,
  windowHours: number,
  notBefore?: string,
): string | undefined {
  const usable = [...generations]
    .filter((g) => notBefore === undefined || g.name >= notBefore)
    .sort((a, b) => a.time.getTime() - b.time.getTime());
  const limit = now.getTime() - windowHours * 3_600_000;
  const older = usable.filter((g) => g.time.getTime() <= limit);
  return (older.at(-1) ?? usable[0])?.name;
}

/** Compares one generation's files with the source listing (`now`). Pure. */
export function compareWithSource(
  against: string,
  before: GuardFiles,
  now: ReadonlyMap<string, RepoFile>,
): GuardComparison & { altered: string[]; gone: string[] } {
  const c = {
    against,
    packs: 0,
    packBytes: 0,
    packsGone: 0,
    bytesGone: 0,
    packsAdded: 0,
    bytesAdded: 0,
    lostShare: 0,
    snapshots: 0,
    snapshotsGone: 0,
    snapshotShare: 0,
    indexGone: 0,
    altered: [] as string[],
    gone: [] as string[],
  };
  for (const [path, p] of before) {
    const k = classify(path);
    const cur = now.get(path);
    const changed = cur !== undefined && (cur.size !== p.size || cur.mtime !== p.mtime);
    if (changed && k !== 'config') c.altered.push(path);
    if (!cur) c.gone.push(path);
    if (k === 'data') {
      c.packs++;
      c.packBytes += p.size;
      // An overwritten pack is a lost pack: its bytes are not the ones restic wrote.
      if (!cur || changed) {
        c.packsGone++;
        c.bytesGone += p.size;
      }
    } else if (k === 'snapshots') {
      c.snapshots++;
      if (!cur) c.snapshotsGone++;
    } else if (k === 'index' && !cur) c.indexGone++;
  }
  for (const [path, f] of now)
    if (classify(path) === 'data' && !before.has(path)) {
      c.packsAdded++;
      c.bytesAdded += f.size;
    }
  c.lostShare = c.packBytes === 0 ? 0 : Math.max(0, c.bytesGone - c.bytesAdded) / c.packBytes;
  c.snapshotShare = c.snapshots === 0 ? 0 : c.snapshotsGone / c.snapshots;
  return c;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * Decides whether the source looks like mass deletion or tampering, against the newest generation and against
 * the window reference (so a loss spread over runs adds up). restic never changes a file after writing it, so a
 * file whose size or time differs was overwritten (ransomware encrypting in place keeps names). Blocked when,
 * against either generation:
 * - the pack bytes lost net (gone or overwritten, minus new packs' bytes) exceed `maxLostShare` of its pack
 *   bytes: a prune's repacking removes many packs but writes most of their bytes again, a deletion does not;
 * - more than `maxLostSnapshotShare` of its snapshot files vanished, or all of them (even with no pack lost);
 * - an index, snapshot or key file was overwritten;
 * or when keys/ or config differ from the newest generation. Pure.
 */
export function evaluateGuard(input: GuardInput): GuardFinding {
  const { previous, reference, current, policy } = input;
  if (!previous)
    return {
      blocked: false,
      lostShare: 0,
      lostPacks: 0,
      alteredFiles: [],
      keysChanged: false,
      configChanged: false,
      comparisons: [],
      id: 'first',
    };
  const now = new Map(current.map((f) => [f.path, f]));
  const newest = compareWithSource('newest', previous, now);
  const all = [newest];
  if (reference && reference.files !== previous)
    all.push(compareWithSource(reference.name, reference.files, now));

  const prevKeys = [...previous.keys()].filter((k) => classify(k) === 'keys');
  const curKeys = current.filter((f) => classify(f.path) === 'keys').map((f) => f.path);
  const keysChanged = prevKeys.length !== curKeys.length || curKeys.some((k) => !previous.has(k));
  const pc = previous.get('config');
  const cc = now.get('config');
  const configChanged = pc !== undefined && (!cc || cc.size !== pc.size || cc.mtime !== pc.mtime);
  const altered = [...new Set(all.flatMap((c) => c.altered))].sort();
  const alteredPacks = altered.filter((f) => classify(f) === 'data').length;

  const reasons: string[] = [];
  for (const c of all) {
    const what = c.against === 'newest' ? 'the newest generation' : `generation ${c.against}`;
    if (c.lostShare > policy.maxLostShare)
      reasons.push(
        `${pct(c.lostShare)} of the pack data in ${what} is gone or overwritten at the source (${c.packsGone} of ${c.packs} packs gone, ${c.packsAdded} new), more than the allowed ${pct(policy.maxLostShare)}`,
      );
    const snapsLeft = current.some((f) => classify(f.path) === 'snapshots');
    if (c.snapshots > 0 && (!snapsLeft || c.snapshotShare > policy.maxLostSnapshotShare))
      reasons.push(
        !snapsLeft
          ? `every snapshot file of ${what} is gone at the source`
          : `${c.snapshotsGone} of the ${c.snapshots} snapshot files in ${what} (${pct(c.snapshotShare)}) are gone at the source, more than the allowed ${pct(policy.maxLostSnapshotShare)}`,
      );
  }
  if (altered.length > alteredPacks)
    reasons.push(
      `${altered.length - alteredPacks} index, snapshot or key files were overwritten at the source`,
    );
  if (keysChanged) reasons.push("the repository's keys changed");
  if (configChanged) reasons.push("the repository's config file changed");
  const blocked = reasons.length > 0;
  // What was lost, not what was added: new backups after a block do not void its approval, further loss does.
  const id = createHash('sha256')
    .update(
      JSON.stringify({
        gone: all.map((c) => [c.against, [...c.gone].sort()]),
        altered,
        keys: [...curKeys].sort(),
        config: cc ?? null,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const finding: GuardFinding = {
    blocked,
    lostShare: Math.max(...all.map((c) => c.lostShare)),
    lostPacks: newest.packsGone,
    alteredFiles: altered,
    keysChanged,
    configChanged,
    comparisons: all.map(({ altered: _a, gone: _g, ...c }) => c),
    id,
  };
  if (blocked) finding.reason = `Possible mass deletion or tampering at the source: ${reasons.join('; ')}.`;
  return finding;
}

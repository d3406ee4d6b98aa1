import { createHash } from 'node:crypto';
import type { ErrorInfo } from '../../contract/errors.js';
import type { PiStatus } from '../../contract/pi-status.js';

/*
 * Whether the files the offsite Pi set aside (quarantined: their bytes did not match their name and no earlier
 * generation held a verified copy) matter to this workstation's newest snapshot. The offsite Pi has no password
 * and cannot tell; the workstation asks restic (`restic find --pack`, see quarantine-check.ts) and decides here.
 * Pure: the question from the status, the verdict from restic's answer.
 */

/** What a set-aside repository path is, by restic's layout (every file but `config` is named by its SHA-256). */
export type SetAsideKind = 'pack' | 'snapshot' | 'index' | 'key' | 'config' | 'other';

export interface SetAsideFile {
  /** The repository path as the status lists it, e.g. `data/ab/ab12…`. */
  name: string;
  kind: SetAsideKind;
  /** The 64-hex ID of a pack, snapshot, index or key file. */
  id?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Classifies one set-aside path (`data/xx/ID`, `snapshots/ID`, `index/ID`, `keys/ID`, `config`). Pure. */
export function classifySetAside(name: string): SetAsideFile {
  const parts = name.split('/');
  const id = parts.at(-1) ?? '';
  if (name === 'config') return { name, kind: 'config' };
  if (!HEX64.test(id)) return { name, kind: 'other' };
  if (parts[0] === 'data' && (parts.length === 2 || (parts.length === 3 && parts[1] === id.slice(0, 2))))
    return { name, kind: 'pack', id };
  if (parts.length !== 2) return { name, kind: 'other' };
  if (parts[0] === 'snapshots') return { name, kind: 'snapshot', id };
  if (parts[0] === 'index') return { name, kind: 'index', id };
  if (parts[0] === 'keys') return { name, kind: 'key', id };
  return { name, kind: 'other' };
}

/** What to ask restic about one snapshot: the generation that holds it and the files set aside there. */
export interface QuarantineQuestion {
  generation: string;
  /** The snapshot as the workstation knows it (full ID, or restic 0.14's 8-character short one). */
  snapshotId: string;
  files: SetAsideFile[];
  /** The pack IDs among them, sorted: the only files restic has to be asked about. */
  packs: string[];
  /** Identifies the question for the cache: the snapshot and the set of set-aside names. */
  key: string;
}

/**
 * The question for `snapshotId`: the newest verified generation that holds it and the files set aside there.
 * undefined when no verified generation holds it (nothing to judge: not offsite) or that generation set nothing
 * aside (the snapshot file and everything else was copied and verified). The newest holding generation is the one
 * that counts: a file the onsite Pi keeps serving damaged is set aside again in every later generation, and
 * restores use the newest verified generation by default.
 */
export function quarantineQuestion(status: PiStatus, snapshotId: string): QuarantineQuestion | undefined {
  const id = snapshotId.toLowerCase();
  const gen = status.generations
    .filter((g) => g.state === 'verified' && g.snapshotIds.some((s) => s.startsWith(id)))
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0];
  const names = [...new Set(gen?.quarantined ?? [])].sort();
  if (!gen || names.length === 0) return undefined;
  const files = names.map(classifySetAside);
  const packs = files.flatMap((f) => (f.kind === 'pack' && f.id ? [f.id] : []));
  const key = createHash('sha256')
    .update(JSON.stringify([id, names]))
    .digest('hex');
  return { generation: gen.name, snapshotId: id, files, packs, key };
}

/**
 * restic's answer for a question's packs: which of them hold blobs the snapshot uses, with a few of the
 * snapshot's paths that use them. A pack that no index lists is used by no snapshot (restic cannot read from
 * it), so it is not in `used`.
 */
export type QuarantineAnswer =
  | { ok: true; key: string; used: { pack: string; paths: string[] }[] }
  | { ok: false; key: string; error: ErrorInfo };

/** The decision: how many set-aside files the snapshot needs, which, and a few of its affected paths. */
export interface QuarantineFinding {
  generation: string;
  files: number;
  /** undefined: not known (restic could not be asked, or its answer is for another question). */
  needed?: number;
  neededNames?: string[];
  paths?: string[];
  /** Why `needed` is not known: restic's error. */
  error?: ErrorInfo;
}

/**
 * Decides per set-aside file whether the snapshot needs it:
 * - a pack: when restic found blobs of it in the snapshot (the `answer`);
 * - the snapshot's own snapshot file: yes; another snapshot's file: no (that snapshot is not the newest);
 * - an index file: yes. Without it restic cannot locate the blobs it lists in that generation until someone
 *   rebuilds the index there with the password (`restic rebuild-index`); which snapshot's blobs it lists cannot be
 *   told from a file nobody can read. (A junk index file onsite also breaks the onsite repository, so the
 *   workstation's own backups fail and say so.)
 * - a key file or `config`: yes (without them the repository may not open; the offsite guard also stops on
 *   changed keys or config);
 * - anything else (not a restic file name): no, restic ignores it.
 * An answer that is missing, failed or for another question leaves `needed` undefined. Pure.
 */
export function decideQuarantine(
  q: QuarantineQuestion,
  answer: QuarantineAnswer | undefined,
): QuarantineFinding {
  const base = { generation: q.generation, files: q.files.length };
  const fixed = q.files.filter((f) => f.kind !== 'pack' && fileNeeded(f, q.snapshotId));
  if (q.packs.length > 0 && (!answer || answer.key !== q.key)) return base;
  if (answer && answer.key === q.key && !answer.ok) return { ...base, error: answer.error };
  const used = answer?.ok ? answer.used.filter((u) => q.packs.includes(u.pack)) : [];
  const neededNames = [
    ...fixed.map((f) => f.name),
    ...q.files.filter((f) => f.kind === 'pack' && used.some((u) => u.pack === f.id)).map((f) => f.name),
  ];
  const paths = [...new Set(used.flatMap((u) => u.paths))].sort().slice(0, 5);
  return {
    ...base,
    needed: neededNames.length,
    ...(neededNames.length > 0 ? { neededNames } : {}),
    ...(paths.length > 0 ? { paths } : {}),
  };
}

function fileNeeded(f: SetAsideFile, snapshotId: string): boolean {
  switch (f.kind) {
    case 'snapshot':
      return f.id !== undefined && f.id.startsWith(snapshotId);
    case 'index':
    case 'key':
    case 'config':
      return true;
    default:
      return false;
  }
}

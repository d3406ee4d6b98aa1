import { z } from 'zod';
import { Name } from './config.js';
import { IsoTime } from './app-state.js';

/** Browsing, searching and restoring snapshots: the shapes the restore wizard and snapshot list use. */

/**
 * Which copy to read. `onsite` (default) is the repository the workstation writes; `offsite` is the newest
 * verified generation on the offsite Pi through its read-only account (issue 5), used when the onsite Pi is gone.
 */
export const Source = z.enum(['onsite', 'offsite']);
export type Source = z.infer<typeof Source>;

const bytes = z.number().nonnegative();

export const Snapshot = z.object({
  /** Full ID as restic prints it (64 hex; 0.14 backup summaries give 8 — the engine resolves to full). */
  id: z.string().min(8),
  time: IsoTime,
  hostname: z.string(),
  username: z.string().optional(),
  paths: z.array(z.string()),
  tags: z.array(z.string()).optional(),
  /** From the run history or restic ≥ 0.17's snapshot summary; absent when unknown. */
  dataAdded: bytes.optional(),
  /** Whether a verified offsite generation holds it (absent: unknown). */
  offsite: z.boolean().optional(),
});
export type Snapshot = z.infer<typeof Snapshot>;

export const EntryType = z.enum(['dir', 'file', 'symlink', 'other']);
export type EntryType = z.infer<typeof EntryType>;

/** One child of a directory in a snapshot. `path` is absolute inside the snapshot, with `/` separators. */
export const DirEntry = z.object({
  name: z.string(),
  path: z.string(),
  type: EntryType,
  size: bytes.optional(),
  mtime: IsoTime.optional(),
});
export type DirEntry = z.infer<typeof DirEntry>;

export const SearchHit = z.object({
  snapshotId: z.string(),
  snapshotTime: IsoTime,
  path: z.string(),
  type: EntryType,
  size: bytes.optional(),
  mtime: IsoTime.optional(),
});
export type SearchHit = z.infer<typeof SearchHit>;

/** restic diff modifiers: + added, - removed, M content changed, T type changed, U metadata only. */
export const DiffChange = z.object({ path: z.string(), modifier: z.enum(['+', '-', 'M', 'T', 'U', '?']) });
export type DiffChange = z.infer<typeof DiffChange>;

export const SnapshotDiff = z.object({
  changes: z.array(DiffChange),
  /** True when `changes` was cut at the engine's bound (the counts below are still complete). */
  truncated: z.boolean(),
  added: z.object({ files: z.number().int().nonnegative(), bytes }),
  removed: z.object({ files: z.number().int().nonnegative(), bytes }),
  changedFiles: z.number().int().nonnegative(),
});
export type SnapshotDiff = z.infer<typeof SnapshotDiff>;

/** restic forget --dry-run: what a retention policy keeps and removes, with restic's reasons for keeping. */
export const ForgetPreview = z.object({
  keep: z.array(z.object({ id: z.string(), time: IsoTime, reasons: z.array(z.string()) })),
  remove: z.array(z.object({ id: z.string(), time: IsoTime })),
});
export type ForgetPreview = z.infer<typeof ForgetPreview>;

/**
 * Where restored files go. `original`: back to their own paths, with what to do when a file exists there
 * (keepBoth writes `name (restored <date>).ext` next to it). `folder`: into `path` (absent → ~/Restored/<date>).
 */
export const Destination = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('original'), conflict: z.enum(['keepBoth', 'overwrite', 'skip']) }),
  z.object({ kind: z.literal('folder'), path: z.string().min(1).optional() }),
]);
export type Destination = z.infer<typeof Destination>;

export const RestoreRequest = z.object({
  repo: Name,
  snapshot: z.string().min(1),
  /** Absolute paths inside the snapshot (files or folders); at least one. */
  includes: z.array(z.string().min(1)).min(1),
  destination: Destination,
  source: Source.default('onsite'),
});
export type RestoreRequest = z.infer<typeof RestoreRequest>;

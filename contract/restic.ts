import { z } from 'zod';

// Domain types of the restic driver, shared by core, the IPC contract and the renderer. They are restic's
// answers normalised across versions (0.14 … latest): camelCase, ISO 8601 UTC times, no nulls for lists.

/** A restic version as reported by `restic version`. */
export const ResticVersion = z.object({
  version: z.string(),
  major: z.number().int(),
  minor: z.number().int(),
  patch: z.number().int(),
});
export type ResticVersion = z.infer<typeof ResticVersion>;

export const Snapshot = z.object({
  /** Full 64-hex ID. */
  id: z.string(),
  shortId: z.string(),
  /** When the backup started, ISO 8601 UTC. */
  time: z.string(),
  paths: z.array(z.string()),
  hostname: z.string(),
  username: z.string(),
  tags: z.array(z.string()),
  tree: z.string(),
  parent: z.string().optional(),
  programVersion: z.string().optional(),
});
export type Snapshot = z.infer<typeof Snapshot>;

/** Progress of a running backup; restic emits it a few times a second. */
export const BackupProgress = z.object({
  /** 0 … 100. */
  percent: z.number(),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  filesDone: z.number(),
  filesTotal: z.number(),
  /** Undefined while restic is still scanning or when its estimate is meaningless. */
  etaSeconds: z.number().optional(),
  secondsElapsed: z.number(),
  errorCount: z.number(),
  currentFiles: z.array(z.string()),
});
export type BackupProgress = z.infer<typeof BackupProgress>;

export const BackupSummary = z.object({
  filesNew: z.number(),
  filesChanged: z.number(),
  filesUnmodified: z.number(),
  dirsNew: z.number(),
  dirsChanged: z.number(),
  dirsUnmodified: z.number(),
  dataBlobs: z.number(),
  treeBlobs: z.number(),
  /** Bytes added before compression. */
  dataAdded: z.number(),
  /** Bytes added after compression (restic ≥ 0.18). */
  dataAddedPacked: z.number().optional(),
  totalFilesProcessed: z.number(),
  totalBytesProcessed: z.number(),
  /** Seconds. */
  totalDuration: z.number(),
  backupStart: z.string().optional(),
  backupEnd: z.string().optional(),
});
export type BackupSummary = z.infer<typeof BackupSummary>;

/** A source item restic could not read; the snapshot exists without it. */
export const BackupProblem = z.object({
  path: z.string(),
  /** What restic was doing: `scan`, `archival`, … */
  during: z.string(),
  /** Undefined on restic 0.14, which loses most error texts in its JSON output. */
  message: z.string().optional(),
});
export type BackupProblem = z.infer<typeof BackupProblem>;

export const BackupResult = z.object({
  /** The most precise ID restic gave: 64-hex since 0.15, 8-hex on 0.14. */
  snapshotId: z.string(),
  shortId: z.string(),
  /** 64-hex ID, when restic reported it. */
  fullId: z.string().optional(),
  summary: BackupSummary,
  /** True when restic exited 3: some files were unreadable; a warning, not a failure. */
  partial: z.boolean(),
  /** The first unreadable items (at most 1000); `problemCount` says how many there were. */
  problems: z.array(BackupProblem),
  problemCount: z.number(),
  /**
   * restic ≥ 0.17 with `--skip-if-unchanged` found nothing changed and wrote no snapshot: `snapshotId` is then
   * the parent, which stays the newest snapshot. A successful, current backup.
   */
  unchanged: z.literal(true).optional(),
});
export type BackupResult = z.infer<typeof BackupResult>;

/** restic 0.14 and 0.15 print no machine-readable restore progress: the UI shows a busy indicator. */
export const RestoreProgress = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('indeterminate') }),
  z.object({
    kind: z.literal('determinate'),
    percent: z.number(),
    bytesDone: z.number(),
    bytesTotal: z.number(),
    filesDone: z.number(),
    filesTotal: z.number(),
  }),
]);
export type RestoreProgress = z.infer<typeof RestoreProgress>;

export const RestoreResult = z.object({
  /** Present when restic reported a summary (≥ 0.16). */
  filesRestored: z.number().optional(),
  bytesRestored: z.number().optional(),
  filesSkipped: z.number().optional(),
});
export type RestoreResult = z.infer<typeof RestoreResult>;

/** One entry of a snapshot's file tree. */
export const LsEntry = z.object({
  name: z.string(),
  /** `file`, `dir`, `symlink`, `dev`, `chardev`, `fifo`, `socket`, … */
  type: z.string(),
  /** Absolute path inside the snapshot, `/`-separated on every platform. */
  path: z.string(),
  size: z.number().optional(),
  mtime: z.string().optional(),
  permissions: z.string().optional(),
});
export type LsEntry = z.infer<typeof LsEntry>;

export const ForgetKept = z.object({
  snapshot: Snapshot,
  /** Why the policy keeps it, in restic's words: `last snapshot`, `daily snapshot`, `within 30d`, … */
  reasons: z.array(z.string()),
});
export type ForgetKept = z.infer<typeof ForgetKept>;

export const ForgetGroup = z.object({
  host: z.string(),
  paths: z.array(z.string()),
  tags: z.array(z.string()),
  keep: z.array(ForgetKept),
  remove: z.array(Snapshot),
});
export type ForgetGroup = z.infer<typeof ForgetGroup>;

export const ForgetResult = z.object({
  dryRun: z.boolean(),
  groups: z.array(ForgetGroup),
  /** True when `prune` ran after forgetting. */
  pruned: z.boolean(),
});
export type ForgetResult = z.infer<typeof ForgetResult>;

export const FindMatch = z.object({
  path: z.string(),
  type: z.string(),
  size: z.number().optional(),
  mtime: z.string().optional(),
  permissions: z.string().optional(),
});
export type FindMatch = z.infer<typeof FindMatch>;

export const FindResult = z.object({
  snapshotId: z.string(),
  hits: z.number(),
  matches: z.array(FindMatch),
});
export type FindResult = z.infer<typeof FindResult>;

export const DiffChange = z.object({
  path: z.string(),
  /** restic's modifier: `+` added, `-` removed, `M` content, `U` metadata, `T` type, `?` bitrot. */
  modifier: z.string(),
});
export type DiffChange = z.infer<typeof DiffChange>;

export const DiffCounts = z.object({
  files: z.number(),
  dirs: z.number(),
  others: z.number(),
  dataBlobs: z.number(),
  treeBlobs: z.number(),
  bytes: z.number(),
});
export type DiffCounts = z.infer<typeof DiffCounts>;

export const DiffStats = z.object({
  sourceSnapshot: z.string(),
  targetSnapshot: z.string(),
  changedFiles: z.number(),
  added: DiffCounts,
  removed: DiffCounts,
});
export type DiffStats = z.infer<typeof DiffStats>;

export const StatsMode = z.enum(['restore-size', 'files-by-contents', 'raw-data', 'blobs-per-file']);
export type StatsMode = z.infer<typeof StatsMode>;

export const RepoStats = z.object({
  mode: StatsMode,
  totalSize: z.number(),
  totalFileCount: z.number(),
  snapshotsCount: z.number(),
  totalBlobCount: z.number().optional(),
  totalUncompressedSize: z.number().optional(),
  compressionRatio: z.number().optional(),
});
export type RepoStats = z.infer<typeof RepoStats>;

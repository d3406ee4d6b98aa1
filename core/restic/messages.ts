import { z } from 'zod';

// Schemas of restic's JSON output as restic prints it, for 0.14 through the latest release. Every object is
// loose: restic adds fields over time and promises only that existing ones keep their meaning. Lists may be
// null (0.14 prints `"tags":null`), counters may be omitted when zero.

const n = z.number().optional();
const n0 = z.number().default(0);
const strings = z.array(z.string()).nullish();

/** `backup --json` progress line (stdout). */
export const BackupStatusMsg = z.looseObject({
  message_type: z.literal('status'),
  seconds_elapsed: n,
  seconds_remaining: n,
  percent_done: n,
  total_files: n,
  files_done: n,
  total_bytes: n,
  bytes_done: n,
  error_count: n,
  current_files: strings,
});
export type BackupStatusMsg = z.infer<typeof BackupStatusMsg>;

/** `backup --json` last line (stdout): 8-hex snapshot_id on 0.14, 64-hex since 0.15. */
export const BackupSummaryMsg = z.looseObject({
  message_type: z.literal('summary'),
  dry_run: z.boolean().optional(),
  files_new: n0,
  files_changed: n0,
  files_unmodified: n0,
  dirs_new: n0,
  dirs_changed: n0,
  dirs_unmodified: n0,
  data_blobs: n0,
  tree_blobs: n0,
  data_added: n0,
  data_added_packed: n,
  total_files_processed: n0,
  total_bytes_processed: n0,
  total_duration: n0,
  backup_start: z.string().optional(),
  backup_end: z.string().optional(),
  snapshot_id: z.string().optional(),
});
export type BackupSummaryMsg = z.infer<typeof BackupSummaryMsg>;

/**
 * `backup`/`restore` per-item error (stderr). restic 0.14 serialises Go's error value: `{}` for most errors,
 * `{"Op":"open","Path":…,"Err":13}` for a *PathError; 0.17.1+ writes `{"message":…}`.
 */
export const ItemErrorMsg = z.looseObject({
  message_type: z.literal('error'),
  error: z
    .looseObject({
      message: z.string().optional(),
      Op: z.string().optional(),
      Path: z.string().optional(),
      Err: z.unknown().optional(),
    })
    .nullish(),
  during: z.string().optional(),
  item: z.string().optional(),
});
export type ItemErrorMsg = z.infer<typeof ItemErrorMsg>;

/** Fatal error as the last stderr line (restic ≥ 0.18); older versions print `Fatal: …` text. */
export const ExitErrorMsg = z.looseObject({
  message_type: z.literal('exit_error'),
  code: z.number(),
  message: z.string(),
});
export type ExitErrorMsg = z.infer<typeof ExitErrorMsg>;

/** A snapshot as `snapshots`, `forget` and `ls` print it. */
export const SnapshotMsg = z.looseObject({
  id: z.string(),
  short_id: z.string().optional(),
  time: z.string(),
  tree: z.string(),
  paths: strings,
  hostname: z.string().optional(),
  username: z.string().optional(),
  tags: strings,
  parent: z.string().optional(),
  program_version: z.string().optional(),
});
export type SnapshotMsg = z.infer<typeof SnapshotMsg>;

export const SnapshotListMsg = z.array(SnapshotMsg);

/** First line of `ls --json`: `struct_type` on 0.14, `message_type` as well since 0.17. */
export const LsSnapshotMsg = SnapshotMsg.extend({
  struct_type: z.literal('snapshot').optional(),
  message_type: z.literal('snapshot').optional(),
}).refine((m) => m.struct_type === 'snapshot' || m.message_type === 'snapshot', 'not a snapshot line');

/** Every further line of `ls --json`. */
export const LsNodeMsg = z
  .looseObject({
    struct_type: z.literal('node').optional(),
    message_type: z.literal('node').optional(),
    name: z.string(),
    type: z.string(),
    path: z.string(),
    size: n,
    mode: n,
    permissions: z.string().optional(),
    mtime: z.string().optional(),
    uid: n,
    gid: n,
  })
  .refine((m) => m.struct_type === 'node' || m.message_type === 'node', 'not a node line');
export type LsNodeMsg = z.infer<typeof LsNodeMsg>;

/** In `forget` reasons, 0.14 prints the snapshot without `id`; match it by time and tree. */
const ReasonSnapshotMsg = z.looseObject({
  id: z.string().optional(),
  time: z.string(),
  tree: z.string(),
});

/** `forget --json`: a single array of groups. */
export const ForgetGroupMsg = z.looseObject({
  tags: strings,
  host: z.string().nullish(),
  paths: strings,
  keep: z.array(SnapshotMsg).nullish(),
  remove: z.array(SnapshotMsg).nullish(),
  reasons: z.array(z.looseObject({ snapshot: ReasonSnapshotMsg, matches: strings })).nullish(),
});
export type ForgetGroupMsg = z.infer<typeof ForgetGroupMsg>;
export const ForgetMsg = z.array(ForgetGroupMsg);

/** `find --json`: a single array, one entry per snapshot with hits. */
export const FindMsg = z.array(
  z.looseObject({
    snapshot: z.string(),
    hits: n0,
    matches: z
      .array(
        z.looseObject({
          path: z.string(),
          type: z.string().default('file'),
          size: n,
          mtime: z.string().optional(),
          permissions: z.string().optional(),
        }),
      )
      .nullish(),
  }),
);
export type FindMsg = z.infer<typeof FindMsg>;

/** `find --pack … --json`: one array of the blobs found, each with the snapshot and path that use it. */
export const FindPackMsg = z.array(
  z.looseObject({ object_type: z.string().optional(), snapshot: z.string(), path: z.string().optional() }),
);

export const DiffChangeMsg = z.looseObject({
  message_type: z.literal('change'),
  path: z.string(),
  modifier: z.string(),
});

const DiffStatMsg = z.looseObject({
  files: n0,
  dirs: n0,
  others: n0,
  data_blobs: n0,
  tree_blobs: n0,
  bytes: n0,
});

export const DiffStatisticsMsg = z.looseObject({
  message_type: z.literal('statistics'),
  source_snapshot: z.string(),
  target_snapshot: z.string(),
  changed_files: n0,
  added: DiffStatMsg,
  removed: DiffStatMsg,
});
export type DiffStatisticsMsg = z.infer<typeof DiffStatisticsMsg>;

/** `stats --json`: a single object. */
export const StatsMsg = z.looseObject({
  total_size: n0,
  total_file_count: n0,
  snapshots_count: n0,
  total_blob_count: n,
  total_uncompressed_size: n,
  compression_ratio: n,
});
export type StatsMsg = z.infer<typeof StatsMsg>;

/** `restore --json` progress (restic ≥ 0.16; 0.14 prints text only). */
export const RestoreStatusMsg = z.looseObject({
  message_type: z.literal('status'),
  percent_done: n,
  total_files: n,
  files_restored: n,
  total_bytes: n,
  bytes_restored: n,
});
export type RestoreStatusMsg = z.infer<typeof RestoreStatusMsg>;

export const RestoreSummaryMsg = z.looseObject({
  message_type: z.literal('summary'),
  total_files: n,
  files_restored: n,
  files_skipped: n,
  total_bytes: n,
  bytes_restored: n,
});
export type RestoreSummaryMsg = z.infer<typeof RestoreSummaryMsg>;

/** `init --json` (restic ≥ 0.15). */
export const InitMsg = z.looseObject({
  message_type: z.literal('initialized'),
  id: z.string(),
  repository: z.string().optional(),
});

/** `version --json` (restic ≥ 0.17); older versions print only text. */
export const VersionMsg = z.looseObject({
  message_type: z.literal('version'),
  version: z.string(),
  go_version: z.string().optional(),
  go_os: z.string().optional(),
  go_arch: z.string().optional(),
});

import type {
  BackupProblem,
  BackupProgress,
  BackupSummary,
  LsEntry,
  Snapshot,
} from '../../contract/restic.js';
import type { BackupStatusMsg, BackupSummaryMsg, ItemErrorMsg, LsNodeMsg, SnapshotMsg } from './messages.js';

/** restic prints RFC 3339 with nanoseconds and local offsets; the app uses ISO 8601 UTC everywhere. */
export function toIsoTime(t: string): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toISOString();
}

export function toSnapshot(m: SnapshotMsg): Snapshot {
  const s: Snapshot = {
    id: m.id,
    shortId: m.short_id ?? m.id.slice(0, 8),
    time: toIsoTime(m.time),
    paths: m.paths ?? [],
    hostname: m.hostname ?? '',
    username: m.username ?? '',
    tags: m.tags ?? [],
    tree: m.tree,
  };
  if (m.parent !== undefined) s.parent = m.parent;
  if (m.program_version !== undefined) s.programVersion = m.program_version;
  return s;
}

// Before scanning finishes restic may report 2^63 seconds remaining; an estimate beyond a year is noise too.
const MAX_PLAUSIBLE_ETA_SECONDS = 366 * 24 * 3600;

export function plausibleEta(seconds: number | undefined): number | undefined {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return undefined;
  if (seconds >= 2 ** 53 || seconds > MAX_PLAUSIBLE_ETA_SECONDS) return undefined;
  return seconds;
}

export function toBackupProgress(m: BackupStatusMsg): BackupProgress {
  const p: BackupProgress = {
    percent: Math.min(100, Math.max(0, (m.percent_done ?? 0) * 100)),
    bytesDone: m.bytes_done ?? 0,
    bytesTotal: m.total_bytes ?? 0,
    filesDone: m.files_done ?? 0,
    filesTotal: m.total_files ?? 0,
    secondsElapsed: m.seconds_elapsed ?? 0,
    errorCount: m.error_count ?? 0,
    currentFiles: m.current_files ?? [],
  };
  const eta = plausibleEta(m.seconds_remaining);
  if (eta !== undefined) p.etaSeconds = eta;
  return p;
}

export function toBackupSummary(m: BackupSummaryMsg): BackupSummary {
  const s: BackupSummary = {
    filesNew: m.files_new,
    filesChanged: m.files_changed,
    filesUnmodified: m.files_unmodified,
    dirsNew: m.dirs_new,
    dirsChanged: m.dirs_changed,
    dirsUnmodified: m.dirs_unmodified,
    dataBlobs: m.data_blobs,
    treeBlobs: m.tree_blobs,
    dataAdded: m.data_added,
    totalFilesProcessed: m.total_files_processed,
    totalBytesProcessed: m.total_bytes_processed,
    totalDuration: m.total_duration,
  };
  if (m.data_added_packed !== undefined) s.dataAddedPacked = m.data_added_packed;
  if (m.backup_start !== undefined) s.backupStart = toIsoTime(m.backup_start);
  if (m.backup_end !== undefined) s.backupEnd = toIsoTime(m.backup_end);
  return s;
}

// restic 0.14 serialises a Go *PathError as {Op, Path, Err: errno}; the errno is all that is left of the text.
const posixErrno: Record<number, string> = {
  1: 'operation not permitted',
  2: 'no such file or directory',
  5: 'input/output error',
  13: 'permission denied',
  20: 'not a directory',
};
const windowsErrno: Record<number, string> = {
  2: 'file not found',
  3: 'path not found',
  5: 'access denied',
  32: 'the file is in use by another process',
  33: 'part of the file is locked by another process',
};

export function describeItemError(e: ItemErrorMsg['error'], platform = process.platform): string | undefined {
  if (!e) return undefined;
  if (typeof e.message === 'string' && e.message.length > 0) return e.message;
  if (typeof e.Op === 'string' && typeof e.Err === 'number') {
    const table = platform === 'win32' ? windowsErrno : posixErrno;
    return `${e.Op}: ${table[e.Err] ?? `error ${e.Err}`}`;
  }
  return undefined;
}

export function toBackupProblem(m: ItemErrorMsg): BackupProblem {
  const p: BackupProblem = { path: m.item ?? m.error?.Path ?? '', during: m.during ?? '' };
  const message = describeItemError(m.error);
  if (message !== undefined) p.message = message;
  return p;
}

export function toLsEntry(m: LsNodeMsg): LsEntry {
  const e: LsEntry = { name: m.name, type: m.type, path: m.path };
  if (m.size !== undefined) e.size = m.size;
  if (m.mtime !== undefined) e.mtime = toIsoTime(m.mtime);
  if (m.permissions !== undefined) e.permissions = m.permissions;
  return e;
}

import { z } from 'zod';
import { ErrorInfo } from './errors.js';

export const RunKind = z.enum(['backup', 'forget', 'prune', 'check', 'restore']);
export type RunKind = z.infer<typeof RunKind>;

/** ok; partial = backup exit 3 (snapshot exists, some files unreadable); failed; cancelled by the user. */
export const RunResult = z.enum(['ok', 'partial', 'failed', 'cancelled']);
export type RunResult = z.infer<typeof RunResult>;

export const BackupSummary = z.object({
  snapshotId: z.string(),
  filesNew: z.number(),
  filesChanged: z.number(),
  filesUnmodified: z.number(),
  dataAdded: z.number(),
  totalFilesProcessed: z.number(),
  totalBytesProcessed: z.number(),
  durationSeconds: z.number(),
});
export type BackupSummary = z.infer<typeof BackupSummary>;

/** One finished job in the run history. */
export const RunRecord = z.object({
  id: z.string(),
  kind: RunKind,
  plan: z.string().optional(),
  repo: z.string(),
  /** Why it ran: a schedule slot, a missed slot made up, the user, or a CLI call. */
  trigger: z.enum(['schedule', 'missed', 'manual', 'cli']),
  start: z.string(),
  end: z.string(),
  result: RunResult,
  summary: BackupSummary.optional(),
  /** Files restic could not read (partial backups). */
  unreadable: z.array(z.string()).optional(),
  error: ErrorInfo.optional(),
  /** Last lines of restic's stderr/stray output, scrubbed of secrets. */
  outputTail: z.array(z.string()).default([]),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const JobProgress = z.object({
  percent: z.number().min(0).max(100).optional(),
  bytesDone: z.number().optional(),
  bytesTotal: z.number().optional(),
  filesDone: z.number().optional(),
  filesTotal: z.number().optional(),
  etaSeconds: z.number().optional(),
  currentFiles: z.array(z.string()).optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;

/** A job that is queued or running. */
export const ActiveJob = z.object({
  id: z.string(),
  kind: RunKind,
  plan: z.string().optional(),
  repo: z.string(),
  trigger: RunRecord.shape.trigger,
  state: z.enum(['queued', 'running']),
  start: z.string().optional(),
  /** Step within a backup job: backup, then forget and prune when the plan prunes. */
  step: RunKind.optional(),
  progress: JobProgress.optional(),
});
export type ActiveJob = z.infer<typeof ActiveJob>;

/** The engine's typed event stream (the tray, UI and CLI consume it). */
export type EngineEvent =
  | { type: 'job-queued'; job: ActiveJob }
  | { type: 'job-started'; job: ActiveJob }
  | { type: 'job-progress'; jobId: string; step: RunKind; progress: JobProgress }
  | { type: 'job-finished'; run: RunRecord }
  | { type: 'config-changed' }
  | { type: 'schedule-changed' };

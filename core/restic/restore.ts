import type { RestoreProgress, RestoreResult } from '../../contract/restic.js';
import { invalidArgument, repeated, snapshotArg } from './args.js';
import { decodeMessage, messageTypeOf } from './json-lines.js';
import { RestoreStatusMsg, RestoreSummaryMsg } from './messages.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface RestoreOptions extends CallOptions {
  snapshot: string;
  /** Folder to restore into; snapshot paths are recreated below it (`/home/a/x` → `TARGET/home/a/x`). */
  target: string;
  /** Absolute paths or patterns inside the snapshot; default: everything. */
  includes?: string[];
  excludes?: string[];
  /** With snapshot `latest`: the newest snapshot of this host (several workstations share a repository). */
  host?: string;
  /**
   * `--verify`: restic reads the restored files back and checks each one's size and every chunk's SHA-256
   * against the content IDs in the snapshot; a mismatch is a per-file error (`ignoring error for PATH: …`).
   */
  verify?: boolean;
  /** First an `indeterminate` event, then `determinate` ones when restic ≥ 0.16 reports JSON progress. */
  onProgress?: (p: RestoreProgress) => void;
}

/**
 * `restic restore --json SNAPSHOT --target TARGET`: writes files from a snapshot to disk.
 *
 * restic 0.14/0.15 print text only: progress stays indeterminate and the result is empty; 0.16+ report
 * progress and a summary. Exit statuses: 0. Errors: `not-found` for an unknown snapshot, `invalid-argument`,
 * `permission-denied` / `no-space` for the target, `wrong-password`, `repo-not-found`, SSH kinds, `cancelled`
 * (files restored so far stay), `failed`. Side effects: creates and overwrites files under `target`;
 * no repository lock is needed before restic 0.17.
 */
export async function restore(ctx: ResticContext, opts: RestoreOptions): Promise<RestoreResult> {
  if (opts.target.length === 0) throw invalidArgument('Choose a folder to restore into.');
  const args = [
    'restore',
    '--json',
    snapshotArg(opts.snapshot),
    '--target',
    opts.target,
    ...repeated('--include', opts.includes),
    ...repeated('--exclude', opts.excludes),
    ...(opts.host === undefined ? [] : ['--host', opts.host]),
    ...(opts.verify ? ['--verify'] : []),
  ];
  const result: RestoreResult = {};
  opts.onProgress?.({ kind: 'indeterminate' });
  await runRestic(ctx, {
    ...callOptions(opts),
    args,
    env: { RESTIC_PROGRESS_FPS: '4' },
    onJson: (v) => {
      const type = messageTypeOf(v);
      if (type === 'status') {
        const s = decodeMessage(RestoreStatusMsg, v);
        if (s && opts.onProgress)
          opts.onProgress({
            kind: 'determinate',
            percent: Math.min(100, Math.max(0, (s.percent_done ?? 0) * 100)),
            bytesDone: s.bytes_restored ?? 0,
            bytesTotal: s.total_bytes ?? 0,
            filesDone: s.files_restored ?? 0,
            filesTotal: s.total_files ?? 0,
          });
      } else if (type === 'summary') {
        const s = decodeMessage(RestoreSummaryMsg, v);
        if (!s) return;
        if (s.files_restored !== undefined) result.filesRestored = s.files_restored;
        if (s.bytes_restored !== undefined) result.bytesRestored = s.bytes_restored;
        if (s.files_skipped !== undefined) result.filesSkipped = s.files_skipped;
      }
    },
  });
  return result;
}

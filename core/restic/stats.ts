import type { RepoStats, StatsMode } from '../../contract/restic.js';
import { snapshotArg } from './args.js';
import { ResticError, snapshotNotFound } from './errors.js';
import { decodeMessage } from './json-lines.js';
import { StatsMsg } from './messages.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface StatsOptions extends CallOptions {
  /** Default `restore-size`: what a restore of the snapshots would write. `raw-data`: space in the repository. */
  mode?: StatsMode;
  /** Default: all snapshots. */
  snapshots?: string[];
}

/**
 * `restic stats --json`: sizes and counts of the repository or of some snapshots.
 *
 * Exit statuses: 0. Errors: `not-found` when a named snapshot does not exist (restic 0.14 exits 0 and prints
 * `Ignoring "…": no matching ID`), `wrong-password`, `repo-not-found`, SSH kinds, `failed`. Side effects: none
 * in the repository (restic takes a shared lock).
 */
export async function stats(ctx: ResticContext, opts: StatsOptions = {}): Promise<RepoStats> {
  const mode = opts.mode ?? 'restore-size';
  const args = ['stats', '--json', '--mode', mode, ...(opts.snapshots ?? []).map(snapshotArg)];
  let out: RepoStats | undefined;
  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args,
    onJson: (v) => {
      const s = decodeMessage(StatsMsg, v);
      if (!s) return;
      out = {
        mode,
        totalSize: s.total_size,
        totalFileCount: s.total_file_count,
        snapshotsCount: s.snapshots_count,
        ...(s.total_blob_count === undefined ? {} : { totalBlobCount: s.total_blob_count }),
        ...(s.total_uncompressed_size === undefined
          ? {}
          : { totalUncompressedSize: s.total_uncompressed_size }),
        ...(s.compression_ratio === undefined ? {} : { compressionRatio: s.compression_ratio }),
      };
    },
  });
  const ignored = /Ignoring "([^"]*)": no matching ID/.exec(r.stderrTail);
  if (ignored) throw snapshotNotFound(ignored[1]!, r.stderrTail);
  if (out === undefined)
    throw new ResticError('failed', 'restic printed no statistics.', { stderrTail: r.stderrTail });
  return out;
}

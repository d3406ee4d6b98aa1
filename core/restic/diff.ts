import type { DiffChange, DiffCounts, DiffStats } from '../../contract/restic.js';
import { snapshotArg } from './args.js';
import { ResticError } from './errors.js';
import { decodeMessage, messageTypeOf } from './json-lines.js';
import { DiffChangeMsg, DiffStatisticsMsg } from './messages.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface DiffOptions extends CallOptions {
  from: string;
  to: string;
  /** Stream changes instead of collecting them (the result's `changes` is then empty). */
  onChange?: (c: DiffChange) => void;
}

export interface DiffResult {
  changes: DiffChange[];
  stats: DiffStats;
}

function counts(c: DiffStatisticsMsg['added']): DiffCounts {
  return {
    files: c.files,
    dirs: c.dirs,
    others: c.others,
    dataBlobs: c.data_blobs,
    treeBlobs: c.tree_blobs,
    bytes: c.bytes,
  };
}

/**
 * `restic diff --json FROM TO`: what changed between two snapshots.
 *
 * Exit statuses: 0. Errors: `not-found` for an unknown snapshot (`no matching ID found`), `invalid-argument`
 * for a malformed ID, `wrong-password`, `repo-not-found`, SSH kinds, `failed` (also when restic prints no
 * statistics line). Side effects: none (no lock).
 */
export async function diff(ctx: ResticContext, opts: DiffOptions): Promise<DiffResult> {
  const changes: DiffChange[] = [];
  let stats: DiffStats | undefined;
  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args: ['diff', '--json', snapshotArg(opts.from), snapshotArg(opts.to)],
    onJson: (v) => {
      const type = messageTypeOf(v);
      if (type === 'change') {
        const c = decodeMessage(DiffChangeMsg, v);
        if (!c) return;
        const change = { path: c.path, modifier: c.modifier };
        if (opts.onChange) opts.onChange(change);
        else changes.push(change);
      } else if (type === 'statistics') {
        const s = decodeMessage(DiffStatisticsMsg, v);
        if (s)
          stats = {
            sourceSnapshot: s.source_snapshot,
            targetSnapshot: s.target_snapshot,
            changedFiles: s.changed_files,
            added: counts(s.added),
            removed: counts(s.removed),
          };
      }
    },
  });
  if (stats === undefined)
    throw new ResticError('failed', 'restic printed no diff statistics.', { stderrTail: r.stderrTail });
  return { changes, stats };
}

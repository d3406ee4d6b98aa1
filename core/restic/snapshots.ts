import type { Snapshot } from '../../contract/restic.js';
import { ResticError } from './errors.js';
import { decodeMessage } from './json-lines.js';
import { SnapshotListMsg } from './messages.js';
import { repeated } from './args.js';
import { toSnapshot } from './normalize.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface SnapshotsOptions extends CallOptions {
  host?: string;
  /** Only snapshots that include all these paths. */
  paths?: string[];
  tags?: string[];
}

/**
 * `restic snapshots --json`: every snapshot matching the filters, oldest first.
 *
 * Exit statuses: 0. Errors: `repo-not-found`, `wrong-password`, SSH kinds, `failed` (also when restic prints
 * no snapshot list). Side effects: none in the repository (restic takes no lock to list); restic may fill its
 * local cache.
 */
export async function snapshots(ctx: ResticContext, opts: SnapshotsOptions = {}): Promise<Snapshot[]> {
  let list: Snapshot[] | undefined;
  const args = ['snapshots', '--json'];
  if (opts.host !== undefined) args.push('--host', opts.host);
  args.push(...repeated('--path', opts.paths), ...repeated('--tag', opts.tags));
  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args,
    onJson: (v) => {
      const m = decodeMessage(SnapshotListMsg, v);
      if (m) list = m.map(toSnapshot);
    },
  });
  if (list === undefined)
    throw new ResticError('failed', 'restic printed no snapshot list.', { stderrTail: r.stderrTail });
  return list.sort((a, b) => a.time.localeCompare(b.time));
}

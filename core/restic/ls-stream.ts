import type { LsEntry, Snapshot } from '../../contract/restic.js';
import { snapshotArg } from './args.js';
import { snapshotNotFound } from './errors.js';
import { decodeMessage, messageTypeOf } from './json-lines.js';
import { LsNodeMsg, LsSnapshotMsg } from './messages.js';
import { toLsEntry, toSnapshot } from './normalize.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface LsStreamOptions extends CallOptions {
  snapshot: string;
  /** Called once per entry as restic prints it (depth first, parents before children). */
  onEntry: (entry: LsEntry) => void;
}

export interface LsStreamResult {
  snapshot: Snapshot;
  count: number;
}

/**
 * `restic ls --json SNAPSHOT`: the whole tree of a snapshot, streamed entry by entry to `onEntry` so that
 * listings of hundreds of thousands of files never sit in memory at once. If `onEntry` throws, restic is
 * stopped and the error is rethrown.
 *
 * Exit statuses: 0. Errors: `not-found` for an unknown snapshot (restic exits 0 and prints only `Ignoring …`),
 * `invalid-argument` for a malformed ID, `cancelled`, `wrong-password`, `repo-not-found`, SSH kinds, `failed`.
 * Side effects: none (no lock).
 */
export async function lsStream(ctx: ResticContext, opts: LsStreamOptions): Promise<LsStreamResult> {
  let snapshot: Snapshot | undefined;
  let count = 0;
  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args: ['ls', '--json', snapshotArg(opts.snapshot)],
    onJson: (v) => {
      const type = messageTypeOf(v);
      if (type === 'snapshot') {
        const s = decodeMessage(LsSnapshotMsg, v);
        if (s) snapshot = toSnapshot(s);
      } else if (type === 'node') {
        const n = decodeMessage(LsNodeMsg, v);
        if (!n) return;
        count++;
        opts.onEntry(toLsEntry(n));
      }
    },
  });
  if (snapshot === undefined) throw snapshotNotFound(opts.snapshot, r.stderrTail);
  return { snapshot, count };
}

import type { LsEntry, Snapshot } from '../../contract/restic.js';
import { invalidArgument, parentOf, snapshotArg, snapshotPath } from './args.js';
import { ResticError, snapshotNotFound } from './errors.js';
import { decodeMessage, messageTypeOf } from './json-lines.js';
import { LsNodeMsg, LsSnapshotMsg } from './messages.js';
import { toLsEntry, toSnapshot } from './normalize.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface LsOptions extends CallOptions {
  /** Snapshot ID, prefix or `latest`. */
  snapshot: string;
  /** Absolute folder inside the snapshot, `/`-separated; `/` for the top level. */
  dir: string;
}

export interface LsResult {
  snapshot: Snapshot;
  /** The folder's direct children, in restic's (name) order. */
  entries: LsEntry[];
}

/**
 * `restic ls --json SNAPSHOT DIR`: one folder of a snapshot, for browsing without listing everything.
 *
 * Verified against restic 0.14.0: with a folder argument restic prints the snapshot, then the folder's own node,
 * then its direct children (it does not recurse without `--recursive`); for `/` only the top-level entries.
 * Only direct children are returned, whatever a future version adds. restic exits 0 and prints only
 * `Ignoring "…": no matching ID` for an unknown snapshot, and nothing for a missing folder; both become
 * `not-found` here (a missing folder is detected by the absence of its own node).
 *
 * Exit statuses: 0. Errors: `not-found`, `invalid-argument` (not a snapshot ID, relative path, or the path is a
 * file), `wrong-password`, `repo-not-found`, SSH kinds, `failed`. Side effects: none (no lock).
 */
export async function ls(ctx: ResticContext, opts: LsOptions): Promise<LsResult> {
  const dir = snapshotPath(opts.dir);
  let snapshot: Snapshot | undefined;
  let self: LsEntry | undefined;
  const entries: LsEntry[] = [];
  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args: ['ls', '--json', snapshotArg(opts.snapshot), dir],
    onJson: (v) => {
      const type = messageTypeOf(v);
      if (type === 'snapshot') {
        const s = decodeMessage(LsSnapshotMsg, v);
        if (s) snapshot = toSnapshot(s);
      } else if (type === 'node') {
        const n = decodeMessage(LsNodeMsg, v);
        if (!n) return;
        const e = toLsEntry(n);
        if (e.path === dir) self = e;
        else if (parentOf(e.path) === dir) entries.push(e);
      }
    },
  });
  if (snapshot === undefined) throw snapshotNotFound(opts.snapshot, r.stderrTail);
  if (dir !== '/' && self === undefined)
    throw new ResticError('not-found', `The folder ${dir} is not in snapshot ${snapshot.shortId}.`, {
      hint: 'Choose a folder from the snapshot listing.',
    });
  if (self !== undefined && self.type !== 'dir')
    throw invalidArgument(`${dir} is a ${self.type}, not a folder.`);
  return { snapshot, entries };
}

import type { LsEntry, Snapshot } from '../../contract/restic.js';
import { snapshotArg } from './args.js';
import { snapshotNotFound } from './errors.js';
import { decodeMessage, messageTypeOf } from './json-lines.js';
import { LsSnapshotMsg } from './messages.js';
import { toIsoTime, toSnapshot } from './normalize.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

/**
 * One `ls` node line as restic printed it (the parsed line itself, not a copy): the fields browsing reads.
 * `mtime` is restic's RFC 3339 text (nanoseconds, local offset), not normalised.
 */
export interface LsNode {
  readonly name: string;
  readonly type: string;
  readonly path: string;
  readonly size?: number;
  readonly mtime?: string;
  readonly permissions?: string;
}

export interface LsStreamOptions extends CallOptions {
  snapshot: string;
  /** Called once per entry as restic prints it (depth first, parents before children), normalised. */
  onEntry?: (entry: LsEntry) => void;
  /**
   * Called once per entry with the line itself: no copy and no date conversion, for consumers of millions of
   * entries (the restore wizard's tree cache). Same order as `onEntry`.
   */
  onNode?: (node: LsNode) => void;
  /** Background work: restic runs with a lower CPU priority. */
  lowPriority?: boolean;
}

export interface LsStreamResult {
  snapshot: Snapshot;
  count: number;
}

/**
 * A node line's fields checked by hand instead of with LsNodeMsg (zod): a full listing has one line per file,
 * and zod's safeParse plus the copy into an LsEntry (with its date conversion) cost ~2.3 µs a line: seconds
 * of CPU for a million files, on a two-core machine where restic itself needs one core (this check takes
 * ~0.05 µs). It is as strict as LsNodeMsg for every field handed on (name, type, path strings; size a number,
 * mtime and permissions strings when present); fields nobody reads (uid, mode, …) are not checked. Every
 * other restic message stays with zod.
 */
export function lsNodeOf(v: unknown): LsNode | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m.message_type !== 'node' && m.struct_type !== 'node') return undefined;
  if (typeof m.name !== 'string' || typeof m.type !== 'string' || typeof m.path !== 'string')
    return undefined;
  if (m.size !== undefined && typeof m.size !== 'number') return undefined;
  if (m.mtime !== undefined && typeof m.mtime !== 'string') return undefined;
  if (m.permissions !== undefined && typeof m.permissions !== 'string') return undefined;
  return m as unknown as LsNode;
}

function toEntry(n: LsNode): LsEntry {
  const e: LsEntry = { name: n.name, type: n.type, path: n.path };
  if (n.size !== undefined) e.size = n.size;
  if (n.mtime !== undefined) e.mtime = toIsoTime(n.mtime);
  if (n.permissions !== undefined) e.permissions = n.permissions;
  return e;
}

/**
 * `restic ls --json SNAPSHOT`: the whole tree of a snapshot, streamed entry by entry to `onEntry` / `onNode`
 * so that listings of hundreds of thousands of files never sit in memory at once. If a callback throws,
 * restic is stopped and the error is rethrown. Lines that do not fit a node are skipped, as elsewhere.
 *
 * Exit statuses: 0. Errors: `not-found` for an unknown snapshot (restic exits 0 and prints only `Ignoring …`),
 * `invalid-argument` for a malformed ID, `cancelled`, `wrong-password`, `repo-not-found`, SSH kinds, `failed`.
 * Side effects: none (no lock).
 */
export async function lsStream(ctx: ResticContext, opts: LsStreamOptions): Promise<LsStreamResult> {
  let snapshot: Snapshot | undefined;
  let count = 0;
  const { onEntry, onNode } = opts;
  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args: ['ls', '--json', snapshotArg(opts.snapshot)],
    batchedStdout: true,
    ...(opts.lowPriority ? { lowPriority: true } : {}),
    onJson: (v) => {
      const n = lsNodeOf(v);
      if (n !== undefined) {
        count++;
        if (onNode !== undefined) onNode(n);
        if (onEntry !== undefined) onEntry(toEntry(n));
      } else if (snapshot === undefined && messageTypeOf(v) === 'snapshot') {
        const s = decodeMessage(LsSnapshotMsg, v);
        if (s) snapshot = toSnapshot(s);
      }
    },
  });
  if (snapshot === undefined) throw snapshotNotFound(opts.snapshot, r.stderrTail);
  return { snapshot, count };
}

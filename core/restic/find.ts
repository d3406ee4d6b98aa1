import type { FindResult } from '../../contract/restic.js';
import { invalidArgument, snapshotArg } from './args.js';
import { ResticError } from './errors.js';
import { decodeMessage } from './json-lines.js';
import { FindMsg } from './messages.js';
import { toIsoTime } from './normalize.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface FindOptions extends CallOptions {
  /** restic patterns (`*.jpg`, `report-2024*`, or a full path); a match on any of them counts. */
  patterns: string[];
  /** Limit the search to these snapshots; default: all. */
  snapshots?: string[];
  ignoreCase?: boolean;
}

/**
 * `restic find --json`: which snapshots hold files whose name or path matches the patterns.
 *
 * Returns one entry per snapshot with hits (restic omits the others). Exit statuses: 0. Errors:
 * `invalid-argument` (no pattern, malformed snapshot ID), `wrong-password`, `repo-not-found`, SSH kinds,
 * `failed` (also when no JSON result was printed). Side effects: none (no lock).
 */
export async function find(ctx: ResticContext, opts: FindOptions): Promise<FindResult[]> {
  if (opts.patterns.length === 0) throw invalidArgument('Give at least one name or pattern to search for.');
  const args = ['find', '--json'];
  if (opts.ignoreCase) args.push('--ignore-case');
  for (const s of opts.snapshots ?? []) args.push('--snapshot', snapshotArg(s));
  args.push('--', ...opts.patterns);
  let results: FindResult[] | undefined;
  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args,
    onJson: (v) => {
      const m = decodeMessage(FindMsg, v);
      if (!m) return;
      results = m.map((s) => ({
        snapshotId: s.snapshot,
        hits: s.hits,
        matches: (s.matches ?? []).map((x) => ({
          path: x.path,
          type: x.type,
          ...(x.size === undefined ? {} : { size: x.size }),
          ...(x.mtime === undefined ? {} : { mtime: toIsoTime(x.mtime) }),
          ...(x.permissions === undefined ? {} : { permissions: x.permissions }),
        })),
      }));
    },
  });
  if (results === undefined)
    throw new ResticError('failed', 'restic printed no search result.', { stderrTail: r.stderrTail });
  return results;
}

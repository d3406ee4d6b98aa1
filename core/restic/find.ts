import type { FindResult } from '../../contract/restic.js';
import { invalidArgument, snapshotArg } from './args.js';
import { ResticError } from './errors.js';
import { decodeMessage } from './json-lines.js';
import { FindMsg, FindPackMsg } from './messages.js';
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

export interface FindPacksOptions extends CallOptions {
  /** Full 64-hex pack IDs. */
  packs: string[];
  /** Limit the search to this snapshot (full or short ID). */
  snapshot: string;
}

/** What `find --pack` found: the snapshot's paths using blobs of the packs, and the packs nothing holds. */
export interface FindPacksResult {
  /** Paths of the snapshot whose content or tree is in one of the packs (sorted, unique). */
  paths: string[];
  /** Packs that neither the repository nor any of its index files holds: no snapshot uses them. */
  unknown: string[];
}

const NO_SUCH_PACKS = /unable to find pack\(s\): \[([0-9a-f ]*)\]/;

/**
 * `restic find --pack ID… --snapshot SNAP --json` (restic 0.14 too): which paths of the snapshot use blobs of any
 * of the packs (restic does not say which pack each blob is from: ask one pack per call to know that). A pack
 * file missing from the repository is looked up in the repository's index (restic says so on stderr); a pack
 * that neither the repository nor any index holds is used by no snapshot: restic stops with "unable to find
 * pack(s): […]", so those are reported in `unknown` and the rest asked again. The caller's context should carry
 * `--no-lock` where a lock must not be left behind.
 *
 * Exit statuses: 0. Errors: `invalid-argument` (no pack, a malformed ID), `wrong-password`, `repo-not-found`,
 * SSH kinds, `failed` (also when a pack file is there but unreadable: restic 0.14 reads the header of every pack
 * file it finds, so a damaged one makes the search fail; ask a copy without it). Side effects: none.
 */
export async function findPacks(ctx: ResticContext, opts: FindPacksOptions): Promise<FindPacksResult> {
  if (opts.packs.length === 0 || opts.packs.some((p) => !/^[0-9a-f]{64}$/.test(p)))
    throw invalidArgument('Give full 64-character pack IDs.');
  let ask = [...new Set(opts.packs)];
  const unknown: string[] = [];
  while (ask.length > 0) {
    let hits: { path?: string | undefined }[] | undefined;
    try {
      await runRestic(ctx, {
        ...callOptions(opts),
        args: ['find', '--json', '--snapshot', snapshotArg(opts.snapshot), '--pack', ...ask],
        onJson: (v) => {
          const m = decodeMessage(FindPackMsg, v);
          if (m) hits = m;
        },
      });
    } catch (e) {
      const gone = e instanceof ResticError ? NO_SUCH_PACKS.exec(e.stderrTail)?.[1]?.split(' ') : undefined;
      const left = gone ? ask.filter((p) => !gone.includes(p)) : ask;
      if (!gone || left.length === ask.length) throw e;
      unknown.push(...ask.filter((p) => gone.includes(p)));
      ask = left;
      continue;
    }
    if (hits === undefined) throw new ResticError('failed', 'restic printed no search result.');
    const paths = [...new Set(hits.flatMap((h) => (h.path ? [h.path] : [])))].sort();
    return { paths, unknown: unknown.sort() };
  }
  return { paths: [], unknown: unknown.sort() };
}

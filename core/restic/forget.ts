import type { Retention } from '../../contract/config.js';
import type { ForgetGroup, ForgetResult } from '../../contract/restic.js';
import { invalidArgument, repeated } from './args.js';
import { ResticError } from './errors.js';
import { decodeMessage } from './json-lines.js';
import { ForgetMsg, type ForgetGroupMsg, type SnapshotMsg } from './messages.js';
import { toSnapshot } from './normalize.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface ForgetOptions extends CallOptions {
  retention: Retention;
  /** Only report what would be kept and removed. */
  dryRun?: boolean;
  /** Run prune afterwards to free the space (restic `--prune`). */
  prune?: boolean;
  host?: string;
  paths?: string[];
  tags?: string[];
  /** restic `--group-by`; default `host,paths`. */
  groupBy?: string;
}

const countFlags = [
  ['keepLast', '--keep-last'],
  ['keepHourly', '--keep-hourly'],
  ['keepDaily', '--keep-daily'],
  ['keepWeekly', '--keep-weekly'],
  ['keepMonthly', '--keep-monthly'],
  ['keepYearly', '--keep-yearly'],
] as const;

/**
 * restic flags for a retention policy. Zero counts are left out (restic 0.14 reads 0 as "not set"); a policy
 * with nothing left is refused, because restic would then keep everything and the user would believe otherwise.
 */
export function retentionArgs(r: Retention): string[] {
  const args: string[] = [];
  for (const [key, flag] of countFlags) {
    const n = r[key];
    if (n !== undefined && n > 0) args.push(flag, String(n));
  }
  if (r.keepWithin !== undefined) args.push('--keep-within', r.keepWithin);
  if (args.length === 0) throw invalidArgument('The retention policy keeps no snapshots by any rule.');
  return args;
}

// 0.14 prints the snapshots in `reasons` without their ID; time and tree identify them as well.
function sameSnapshot(a: SnapshotMsg, b: { id?: string | undefined; time: string; tree: string }): boolean {
  return b.id !== undefined ? a.id === b.id : a.time === b.time && a.tree === b.tree;
}

export function toForgetGroup(g: ForgetGroupMsg): ForgetGroup {
  const reasons = g.reasons ?? [];
  return {
    host: g.host ?? '',
    paths: g.paths ?? [],
    tags: g.tags ?? [],
    keep: (g.keep ?? []).map((s) => ({
      snapshot: toSnapshot(s),
      reasons: reasons.find((r) => sameSnapshot(s, r.snapshot))?.matches ?? [],
    })),
    remove: (g.remove ?? []).map(toSnapshot),
  };
}

/**
 * `restic forget --json` with a retention policy, optionally `--dry-run` and `--prune`.
 *
 * Returns, per group of snapshots (host and paths by default), what is kept and why, and what is (or with
 * `dryRun` would be) removed. Exit statuses: 0. Errors: `invalid-argument` for an empty policy, `locked`
 * (forget takes an exclusive lock), `append-only` when the server refuses deletes (HTTP 403: run forget on the
 * Pi instead), `wrong-password`, `repo-not-found`, SSH kinds, `failed` (also when no JSON result was printed).
 * Side effects: unless `dryRun`, deletes snapshot files; with `prune`, also rewrites packs and deletes
 * unreferenced data.
 */
export async function forget(ctx: ResticContext, opts: ForgetOptions): Promise<ForgetResult> {
  const args = ['forget', '--json', ...retentionArgs(opts.retention)];
  if (opts.host !== undefined) args.push('--host', opts.host);
  args.push(...repeated('--path', opts.paths), ...repeated('--tag', opts.tags));
  if (opts.groupBy !== undefined) args.push('--group-by', opts.groupBy);
  if (opts.dryRun) args.push('--dry-run');
  if (opts.prune) args.push('--prune');

  let groups: ForgetGroup[] | undefined;
  const r = await runRestic(ctx, {
    ...callOptions(opts),
    args,
    onJson: (v) => {
      // With --prune, prune's text follows the JSON document; only the first array is forget's answer.
      const m = groups === undefined ? decodeMessage(ForgetMsg, v) : undefined;
      if (m) groups = m.map(toForgetGroup);
    },
  });
  if (groups === undefined)
    throw new ResticError('failed', 'restic printed no forget result.', { stderrTail: r.stderrTail });
  return { dryRun: opts.dryRun === true, groups, pruned: opts.prune === true };
}

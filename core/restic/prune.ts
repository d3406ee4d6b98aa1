import { invalidArgument } from './args.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface PruneOptions extends CallOptions {
  /** restic `--max-unused`, e.g. `5%` or `100M`: how much unused space may stay to save rewriting packs. */
  maxUnused?: string;
  dryRun?: boolean;
}

export interface PruneResult {
  /** restic's text report (prune has no JSON output before 0.18); bounded. */
  report: string;
}

/**
 * `restic prune`: deletes data no snapshot references any more.
 *
 * Exit statuses: 0. Errors: `locked` (prune needs an exclusive lock), `append-only` (the server refuses
 * deletes), `no-space` (prune writes new packs before deleting old ones), `wrong-password`, `repo-not-found`,
 * SSH kinds, `failed`. Side effects: unless `dryRun`, rewrites partly used packs, writes a new index and deletes
 * unreferenced packs; a concurrent copy of the repository may be inconsistent meanwhile.
 */
export async function prune(ctx: ResticContext, opts: PruneOptions = {}): Promise<PruneResult> {
  const args = ['prune'];
  if (opts.maxUnused !== undefined && !/^(\d+(\.\d+)?%|\d+[kKmMgGtT]?|unlimited)$/.test(opts.maxUnused))
    throw invalidArgument(`"${opts.maxUnused}" is not a percentage, a size or "unlimited".`);
  if (opts.maxUnused !== undefined) args.push('--max-unused', opts.maxUnused);
  if (opts.dryRun) args.push('--dry-run');
  const r = await runRestic(ctx, { ...callOptions(opts), args });
  return { report: r.stdoutTail };
}

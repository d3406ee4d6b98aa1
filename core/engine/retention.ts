import type { ForgetPreview } from '../../contract/browse.js';
import type { Retention as RetentionPolicy } from '../../contract/config.js';
import type { ForgetResult } from '../../contract/restic.js';
import { RestrayError } from '../errors.js';
import * as restic from '../restic/index.js';
import { hostOf, repoContext, type EngineDeps } from './engine-deps.js';
import { findPlan, findRepository } from './repo-context.js';
import { retryAfterStaleLock } from './stale-locks.js';

/** Which snapshots go: `restic forget` with a plan's policy, for real or as a preview. */
export class Retention {
  constructor(private readonly deps: EngineDeps) {}

  /**
   * `restic forget` with the plan's policy, limited to this host's snapshots of the plan's paths; with
   * `dryRun` nothing changes and the result lists what would go and why the rest stays. On an append-only
   * target a real forget is refused before restic runs (`append-only`): retention runs on the Pi there.
   * `invalid-argument` for a plan without a policy.
   */
  async forget(
    planName: string,
    opts: { dryRun: boolean; prune?: boolean; signal?: AbortSignal },
  ): Promise<ForgetResult> {
    const config = this.deps.config.get();
    const plan = findPlan(config, planName);
    const repo = findRepository(config, plan.repo);
    if (!plan.retention || Object.values(plan.retention).every((v) => v === undefined)) {
      throw new RestrayError(
        'invalid-argument',
        `Plan "${plan.name}" has no retention policy (keep-last, keep-daily, …).`,
      );
    }
    if (!opts.dryRun && repo.target.kind === 'append-only') {
      throw new RestrayError(
        'append-only',
        `Repository "${repo.name}" is append-only: this workstation cannot delete snapshots.`,
        {
          hint: 'Old snapshots are removed on the Pi by `restray-pi maintain`.',
        },
      );
    }
    const ctx = await repoContext(this.deps, repo);
    return retryAfterStaleLock(
      ctx,
      () =>
        restic.forget(ctx, {
          retention: plan.retention!,
          dryRun: opts.dryRun,
          prune: !opts.dryRun && (opts.prune ?? true),
          host: hostOf(this.deps),
          paths: plan.paths,
          ...restic.callOptions(opts),
        }),
      undefined,
      opts.signal,
    );
  }

  /**
   * What a policy would keep (with restic's reasons) and remove in a repository (`restic forget --dry-run`),
   * limited to this host and, given a plan, to its paths. Changes nothing. `not-found` for an unknown
   * repository.
   */
  async preview(input: {
    repo: string;
    retention: RetentionPolicy;
    plan?: string | undefined;
  }): Promise<ForgetPreview> {
    const config = this.deps.config.get();
    const repo = findRepository(config, input.repo);
    const plan = input.plan ? config.plans.find((p) => p.name === input.plan) : undefined;
    const result = await restic.forget(await repoContext(this.deps, repo), {
      retention: input.retention,
      dryRun: true,
      host: hostOf(this.deps),
      ...(plan ? { paths: plan.paths } : {}),
    });
    return {
      keep: result.groups.flatMap((g) =>
        g.keep.map((k) => ({
          id: k.snapshot.id,
          time: new Date(k.snapshot.time).toISOString(),
          reasons: k.reasons,
        })),
      ),
      remove: result.groups.flatMap((g) =>
        g.remove.map((s) => ({ id: s.id, time: new Date(s.time).toISOString() })),
      ),
    };
  }
}

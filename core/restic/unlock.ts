import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface UnlockOptions extends CallOptions {
  /**
   * Remove every lock, also those of running processes on other machines. Only safe when nothing else
   * uses the repository.
   */
  removeAll?: boolean;
}

/**
 * `restic unlock`: removes stale locks, i.e. those older than 30 minutes or left by a process that no longer
 * runs on this host (e.g. a restic killed with SIGKILL or by a crash).
 *
 * Exit statuses: 0 (also when there was nothing to remove). Errors: `append-only` if the server refuses even
 * lock deletes, `wrong-password`, `repo-not-found`, SSH kinds, `failed`. Side effects: deletes lock files.
 */
export async function unlock(ctx: ResticContext, opts: UnlockOptions = {}): Promise<void> {
  await runRestic(ctx, {
    ...callOptions(opts),
    args: opts.removeAll ? ['unlock', '--remove-all'] : ['unlock'],
  });
}

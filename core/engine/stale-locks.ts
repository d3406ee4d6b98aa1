import { RestrayError } from '../errors.js';
import * as restic from '../restic/index.js';

/**
 * Runs a restic operation; if the repository is locked, runs `restic unlock` once — which removes only stale
 * locks (from a process of this host that no longer exists, or older than 30 minutes) — and tries again.
 * A lock held by a live process (a running prune, another machine's check) still ends in `locked`.
 * `onUnlock` is told when a retry happened, for the run log.
 */
export async function retryAfterStaleLock<T>(
  ctx: restic.ResticContext,
  op: () => Promise<T>,
  onUnlock: () => void = () => {},
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (!(e instanceof RestrayError) || e.kind !== 'locked') throw e;
    await restic.unlock(ctx, signal ? { signal } : {});
    onUnlock();
    return op();
  }
}

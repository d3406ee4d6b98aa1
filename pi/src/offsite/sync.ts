import { PiError } from '../errors.js';
import { generationName } from '../generation-name.js';
import { HashPool, poolSize } from '../hash.js';
import { nextTimerRun } from './status.js';
import { inWindow } from '../window.js';
import { openStaging, recoverStore, stagingFolder } from './commit.js';
import { pull } from './pull.js';
import { receivePush } from './push-receive.js';
import { OffsiteRun, type SyncOptions, type SyncOutcome } from './run.js';
import { acquireRunLock, ensureLayout, offsitePaths } from './store.js';

export type { SyncOptions, SyncOutcome } from './run.js';

/** Runs started by this process so far (part of each run's staging folder name). */
let runsOfThisProcess = 0;

/**
 * One offsite sync, end to end (`restray-pi sync`): under the run lock, recovery of whatever a crashed run
 * left (commit.ts), the run's own staging folder (reusing what an earlier run fetched), then the run's phases
 * (run.ts): pull (pull.ts) or push receive (push-receive.ts) for list, transfer and verify; guard, promote,
 * retain and publish the same for both. The rotating re-verification of old generations is `restray-pi
 * reverify`. Every child process of the run (rsync, ssh, restic) is tied to it (link/tied-child.ts) and the
 * hash threads are threads of this process: none outlives it, even a SIGKILL.
 *
 * Never throws for expected failures: they end as result `failed` or `blocked` with the status written.
 * Throws PiError `locked` (run lock held by another run) before touching anything, and `invalid-config`.
 * Side effects: files under the offsite root, network (rsync and ssh), alerts.
 */
export async function runSync(o: SyncOptions): Promise<SyncOutcome> {
  const now = o.now ?? (() => new Date());
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const off = o.offsite;
  if (off.mode === 'pull' && !off.source)
    throw new PiError('invalid-config', 'offsite.source: pull mode needs the onsite source endpoint.', {
      phase: 'config',
    });
  const p = offsitePaths(off.root);
  ensureLayout(p);

  if (
    (o.trigger === 'timer' || o.trigger === 'change' || o.trigger === 'push') &&
    off.window &&
    !inWindow(now(), off.window)
  ) {
    log(`outside the sync window ${off.window.start}-${off.window.end}; nothing done`);
    return { result: 'skipped', bytesTransferred: 0, filesVerified: 0, filesTransferred: 0 };
  }

  const release = acquireRunLock(p);
  const pool = new HashPool(poolSize(off.verify.concurrency));
  // Unique also for two runs of one process within a second (tests, `main` called twice): their folders differ.
  const runId = `${generationName(now())}-${process.pid}-${++runsOfThisProcess}`;
  const run = new OffsiteRun({ ...o, now, log }, p, stagingFolder(p, runId), pool, nextTimerRun());
  try {
    recoverStore(p, log);
    openStaging(p, runId, off.mode === 'pull');
    return off.mode === 'push' ? await receivePush(run) : await pull(run, off.source!);
  } catch (e) {
    return await run.failed(e);
  } finally {
    release();
    await Promise.all([run.closing, pool.close(), run.closePublish()]);
  }
}

import type { Job } from '../contract/app-state.js';
import type { Engine } from '../core/engine/engine.js';
import type { CliContext } from './cli-context.js';

const WHERE: Record<NonNullable<Job['waitingFor']>['role'], string> = {
  tray: 'in the tray app',
  daemon: 'in the Restray daemon',
  cli: 'in another restray command',
};

/** `a backup of "home" is already running in the tray app (process 4242); waiting for it to finish.` */
export function waitingLine(w: NonNullable<Job['waitingFor']>): string {
  return `A ${w.kind} of "${w.name}" is already running ${WHERE[w.role]} (process ${w.pid}); waiting for it to finish.`;
}

/**
 * Prints one line on stderr each time a job of this command starts to wait for another Restray process's work
 * on the same repository (see core/jobs/repo-lock.ts). Returns the unsubscribe function.
 */
export function noticeWaiting(ctx: CliContext, engine: Engine, jobId: string): () => void {
  let last: string | undefined;
  return engine.subscribe((e) => {
    if (e.type !== 'job-updated' || e.job.id !== jobId || !e.job.waitingFor) return;
    const line = waitingLine(e.job.waitingFor);
    if (line !== last) ctx.err.write(`restray: ${line}\n`);
    last = line;
  });
}

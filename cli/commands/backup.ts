import type { Command } from 'commander';
import type { RunRecord } from '../../contract/app-state.js';
import { RestrayError } from '../../core/errors.js';
import { printJson, type CliContext } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { noticeWaiting } from '../waiting-notice.js';
import { awaitJob } from '../interrupt.js';
import { formatBytes, formatDuration, progressLine } from '../format.js';

/** Turns a failed or cancelled run record into the thrown error that sets the exit status. */
export function throwIfFailed(run: RunRecord): void {
  if (run.result === 'failed' || run.result === 'cancelled') {
    const e = run.error ?? {
      kind: run.result === 'cancelled' ? 'cancelled' : 'failed',
      message: 'The job failed.',
    };
    throw new RestrayError(e.kind, e.message, e.hint === undefined ? undefined : { hint: e.hint });
  }
}

/**
 * The run history could not be written (read-only or full home). A failed or cancelled run's error stays the
 * one line, with the problem added to it; a run that worked gets one line saying so. Returns the run to
 * report.
 */
export function noteUnrecorded(ctx: CliContext, run: RunRecord): RunRecord {
  const problem = run.unrecorded;
  if (!problem) return run;
  if ((run.result === 'failed' || run.result === 'cancelled') && run.error)
    return {
      ...run,
      error: { ...run.error, message: `${run.error.message} (Not recorded: ${problem.message})` },
    };
  ctx.err.write(
    `restray: the ${run.kind} finished, but its run could not be recorded: ${problem.message}${problem.hint ? ` ${problem.hint}` : ''}\n`,
  );
  return run;
}

/** `restray backup PLAN [--json]`: runs one backup now, with a progress bar on a terminal. */
export function registerBackup(program: Command, ctx: CliContext): void {
  program
    .command('backup <plan>')
    .description(
      'back up a plan now (then forget/prune if the plan says so); exit 3 if some files were unreadable',
    )
    .option('--json', 'print progress and the result as JSON lines')
    .action(async (planName: string, o: { json?: boolean }) => {
      const engine = await ctx.engine();
      const { jobId, done } = engine.startBackup(planName, 'manual');
      const tty = !o.json && ctx.err.isTTY === true;
      const unwait = noticeWaiting(ctx, engine, jobId);
      let notice: string | undefined;
      const unsubscribe = engine.subscribe((e) => {
        if (e.type !== 'job-progress' || e.jobId !== jobId) return;
        if (o.json) printJson(ctx, { type: 'progress', ...e.progress });
        else if (tty)
          ctx.err.write(`\r\u001b[2K${notice ?? progressLine(e.progress, ctx.err.columns ?? 80)}`);
      });
      let run: RunRecord;
      try {
        run = await awaitJob(engine, jobId, done, (text) => {
          notice = text;
          if (tty) ctx.err.write(`\r\u001b[2K${text}`);
        });
      } finally {
        unsubscribe();
        unwait();
        if (tty) ctx.err.write('\r\u001b[2K');
      }
      if (o.json) printJson(ctx, { type: 'result', run });
      run = noteUnrecorded(ctx, run);
      throwIfFailed(run);
      if (!o.json && run.backup) {
        const b = run.backup;
        const secs = (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000;
        ctx.out.write(
          `Snapshot ${b.snapshotId.slice(0, 8)} saved: ${b.totalFilesProcessed} files, ${formatBytes(b.totalBytesProcessed)} ` +
            `(${b.filesNew} new, ${b.filesChanged} changed, ${formatBytes(b.dataAdded)} added) in ${formatDuration(secs)}.\n`,
        );
      }
      if (run.result === 'partial') {
        ctx.err.write(`restray: some files could not be read; the snapshot exists without them:\n`);
        for (const w of run.warnings ?? []) ctx.err.write(`  ${w}\n`);
        ctx.exitCode = EXIT.partial;
      }
    });
}

import type { Command } from 'commander';
import type { RunRecord } from '../../contract/app-state.js';
import { RestrayError } from '../../core/errors.js';
import { printJson, type CliContext } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { noticeWaiting } from '../waiting-notice.js';
import { awaitJob } from '../interrupt.js';
import { formatBytes, formatDuration, progressLine } from '../format.js';
import { cliText } from '../cli-text.js';
import { localizedError } from '../error-text.js';

/** Turns a failed or cancelled run record into the thrown error that sets the exit status. */
export function throwIfFailed(run: RunRecord): void {
  if (run.result === 'failed' || run.result === 'cancelled') {
    const e = run.error ?? {
      kind: run.result === 'cancelled' ? 'cancelled' : 'failed',
      message: run.result === 'cancelled' ? 'The operation was cancelled.' : 'The job failed.',
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
  const t = cliText(ctx.lang);
  const shown = localizedError(problem, ctx.lang ?? 'en');
  if ((run.result === 'failed' || run.result === 'cancelled') && run.error) {
    const error = localizedError(run.error, ctx.lang ?? 'en');
    return {
      ...run,
      error: { ...run.error, ...error, message: `${error.message} ${t.notRecorded(shown.message)}` },
    };
  }
  ctx.err.write(`${t.unrecorded(run.kind, shown.message)}${shown.hint ? ` ${shown.hint}` : ''}\n`);
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
        run = await awaitJob(
          engine,
          jobId,
          done,
          (text) => {
            notice = text;
            if (tty) ctx.err.write(`\r\u001b[2K${text}`);
          },
          ctx.lang,
        );
      } finally {
        unsubscribe();
        unwait();
        if (tty) ctx.err.write('\r\u001b[2K');
      }
      if (o.json) printJson(ctx, { type: 'result', run });
      run = noteUnrecorded(ctx, run);
      throwIfFailed(run);
      const t = cliText(ctx.lang);
      if (!o.json && run.backup) {
        const b = run.backup;
        const took = formatDuration((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000);
        const id = b.snapshotId.slice(0, 8);
        const bytes = formatBytes(b.totalBytesProcessed);
        ctx.out.write(
          `${
            b.unchanged
              ? t.unchanged(id, b.totalFilesProcessed, bytes, took)
              : t.saved(
                  id,
                  b.totalFilesProcessed,
                  bytes,
                  b.filesNew,
                  b.filesChanged,
                  formatBytes(b.dataAdded),
                  took,
                )
          }\n`,
        );
      }
      if (run.result === 'partial') {
        ctx.err.write(`${t.partial}\n`);
        for (const w of run.warnings ?? []) ctx.err.write(`  ${w}\n`);
        ctx.exitCode = EXIT.partial;
      }
    });
}

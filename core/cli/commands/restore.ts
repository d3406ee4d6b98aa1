import type { Command } from 'commander';
import { resolve } from 'node:path';
import { printJson, type CliContext } from '../cli-context.js';
import { collect } from '../options.js';
import { throwIfFailed } from './backup.js';

/** `restray restore REPO SNAPSHOT --target DIR [--include PATH...]`. */
export function registerRestore(program: Command, ctx: CliContext): void {
  program
    .command('restore <repo> <snapshot>')
    .description('restore a snapshot (or the included paths of it) into a folder')
    .requiredOption('--target <dir>', 'folder to restore into (created if missing)')
    .option(
      '--include <path>',
      'path inside the snapshot to restore (repeatable); default: everything',
      collect,
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (repo: string, snapshot: string, o: { target: string; include?: string[]; json?: boolean }) => {
        const engine = await ctx.engine();
        const { jobId, done } = engine.startRestore({
          repo,
          snapshot,
          destination: { kind: 'folder', path: resolve(o.target) },
          ...(o.include ? { includes: o.include } : {}),
        });
        const onSignal = () => engine.cancel(jobId);
        process.once('SIGINT', onSignal);
        const run = await done.finally(() => process.removeListener('SIGINT', onSignal));
        if (o.json) printJson(ctx, { type: 'result', run });
        throwIfFailed(run);
        if (!o.json) ctx.out.write(`Restored into ${resolve(o.target)}.\n`);
      },
    );
}

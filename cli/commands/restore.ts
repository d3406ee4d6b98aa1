import { InvalidArgumentError, type Command } from 'commander';
import { RestrayError } from '../../core/errors.js';
import { resolve } from 'node:path';
import { printJson, type CliContext } from '../cli-context.js';
import { cliText } from '../cli-text.js';
import { formatBytes } from '../format.js';
import { collect } from '../options.js';
import { awaitJob } from '../interrupt.js';
import { noteUnrecorded, throwIfFailed } from './backup.js';

function source(v: string): 'onsite' | 'offsite' {
  if (v !== 'onsite' && v !== 'offsite') throw new InvalidArgumentError('use onsite or offsite');
  return v;
}

/**
 * `restray restore REPO SNAPSHOT --target DIR [--include PATH...] [--from offsite [--generation NAME]]`.
 * `--from offsite` reads the newest verified generation on the offsite Pi (or the one named) through the
 * read-only account, with restic --no-lock: it works while the onsite Pi is unreachable.
 */
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
    .option(
      '--from <source>',
      'onsite (the repository, default) or offsite (a verified copy on the offsite Pi, read-only)',
      source,
    )
    .option(
      '--generation <name>',
      'with --from offsite: the generation to read (e.g. 20250301T031500Z); default: the newest holding the snapshot',
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (
        repo: string,
        snapshot: string,
        o: {
          target: string;
          include?: string[];
          from?: 'onsite' | 'offsite';
          generation?: string;
          json?: boolean;
        },
      ) => {
        const engine = await ctx.engine();
        const request = {
          repo,
          snapshot,
          destination: { kind: 'folder' as const, path: resolve(o.target) },
          ...(o.include ? { includes: o.include } : {}),
        };
        if (o.generation !== undefined && o.from !== 'offsite')
          throw new RestrayError('invalid-argument', '--generation needs --from offsite.');
        const { jobId, done } =
          o.from === 'offsite'
            ? await engine.startOffsiteRestore({ ...request, generation: o.generation })
            : engine.startRestore(request);
        const tty = !o.json && ctx.err.isTTY === true;
        const run = await awaitJob(
          engine,
          jobId,
          done,
          (notice) => {
            if (tty) ctx.err.write(`\r\u001b[2K${notice}`);
          },
          ctx.lang,
        ).finally(() => {
          if (tty) ctx.err.write('\r\u001b[2K');
        });
        if (o.json) printJson(ctx, { type: 'result', run });
        throwIfFailed(noteUnrecorded(ctx, run));
        if (!o.json) {
          const t = cliText(ctx.lang);
          const r = run.restore;
          const what = r ? t.restored(r.filesRestored, formatBytes(r.bytesRestored)) : t.restoredPlain;
          ctx.out.write(`${t.into(what, resolve(o.target), o.from === 'offsite')}\n`);
        }
      },
    );
}

import { InvalidArgumentError, type Command } from 'commander';
import { drillAdvice } from '../../contract/chain-advice.js';
import { drillLine } from '../../contract/drill-text.js';
import { printJson, type CliContext } from '../cli-context.js';
import { formatBytes } from '../format.js';
import { awaitJob } from '../interrupt.js';
import { intOption } from '../options.js';
import { noteUnrecorded, throwIfFailed } from './backup.js';
import { cliLang } from '../cli-lang.js';
import { relativeTime } from './status.js';

function source(v: string): 'onsite' | 'offsite' {
  if (v !== 'onsite' && v !== 'offsite') throw new InvalidArgumentError('use onsite or offsite');
  return v;
}

/**
 * `restray drill REPO [--from onsite|offsite] [--files N] [--json]`: a restore drill now (core/drill): a random
 * sample of the newest snapshot restored from the offsite Pi's newest verified generation (default when offsite
 * restore access is configured) or the onsite repository, compared with the other copy, then deleted. Ctrl-C
 * cancels it (the sample is deleted too). Exit 0 when it passed; a failed drill exits 1 naming the file.
 */
export function registerDrill(program: Command, ctx: CliContext): void {
  program
    .command('drill <repo>')
    .description('test a restore: restore a random sample of the newest snapshot and compare every byte')
    .option(
      '--from <source>',
      'offsite (the newest verified generation on the offsite Pi; default when configured) or onsite',
      source,
    )
    .option(
      '--files <n>',
      'how many files to sample (default 20; at most 200 MB together)',
      intOption(1, 10_000),
    )
    .option('--json', 'print the result as JSON')
    .action(async (repo: string, o: { from?: 'onsite' | 'offsite'; files?: number; json?: boolean }) => {
      const engine = await ctx.engine();
      const { jobId, done } = engine.startDrill({ repo, from: o.from, files: o.files });
      const tty = !o.json && ctx.err.isTTY === true;
      const run = await awaitJob(engine, jobId, done, (notice) => {
        if (tty) ctx.err.write(`\r\u001b[2K${notice}`);
      }).finally(() => {
        if (tty) ctx.err.write('\r\u001b[2K');
      });
      if (o.json) printJson(ctx, { type: 'result', run });
      const lang = cliLang(engine.getConfig().settings.language, process.env);
      if (!o.json && run.result === 'failed') {
        const a = drillAdvice(run, lang);
        if (a) ctx.err.write(`${a.reason}\n${a.next}\n`);
      }
      throwIfFailed(noteUnrecorded(ctx, run));
      if (!o.json) {
        ctx.out.write(`${drillLine(run, lang, relativeTime(lang, new Date()))}\n`);
        const d = run.drill;
        if (d)
          ctx.out.write(
            `  ${formatBytes(d.bytes)} compared with ${d.comparedWith === 'recorded' ? 'the sizes and content IDs restic recorded' : `the ${d.comparedWith} copy`}${d.generation ? ` (generation ${d.generation})` : ''}\n`,
          );
        for (const w of run.warnings ?? []) ctx.out.write(`  warning: ${w}\n`);
      }
    });
}

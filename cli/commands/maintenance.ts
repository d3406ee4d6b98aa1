import type { Command } from 'commander';
import { printJson, type CliContext } from '../cli-context.js';
import { interruptible } from '../interrupt.js';
import { cliText } from '../cli-text.js';
import { throwIfFailed } from './backup.js';

/** `restray forget PLAN [--dry-run]` and `restray check REPO [--read-data-subset N%]`. */
export function registerMaintenance(program: Command, ctx: CliContext): void {
  program
    .command('forget <plan>')
    .description("apply the plan's retention policy (with --dry-run: only show what would go)")
    .option('--dry-run', 'change nothing; list what would be removed and why the rest stays')
    .option('--json', 'print JSON')
    .action(async (plan: string, o: { dryRun?: boolean; json?: boolean }) => {
      const engine = await ctx.engine();
      const result = await interruptible((signal) =>
        engine.forget(plan, { dryRun: o.dryRun === true, signal }),
      );
      if (o.json) return printJson(ctx, result);
      const t = cliText(ctx.lang);
      for (const g of result.groups) {
        for (const k of g.keep)
          ctx.out.write(
            `${t.keep.padEnd(7)} ${k.snapshot.shortId}  ${k.snapshot.time}  (${k.reasons.join(', ')})\n`,
          );
        for (const r of g.remove)
          ctx.out.write(`${result.dryRun ? t.wouldRemove : t.removed} ${r.shortId}  ${r.time}\n`);
      }
    });

  program
    .command('check <repo>')
    .description("verify the repository's structure (and, with --read-data-subset, some of its data)")
    .option('--read-data-subset <subset>', 'also read this share of the data, e.g. 5% or 1/10')
    .option('--json', 'print JSON')
    .action(async (repo: string, o: { readDataSubset?: string; json?: boolean }) => {
      const engine = await ctx.engine();
      const { run, report } = await interruptible((signal) =>
        engine.check(repo, o.readDataSubset, { signal }),
      );
      if (o.json) printJson(ctx, { run, report });
      throwIfFailed(run);
      if (!o.json) ctx.out.write(`${report.trim()}\n${cliText(ctx.lang).checkFine(repo)}\n`);
    });
}

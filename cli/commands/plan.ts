import type { Command } from 'commander';
import { DEFAULT_RETENTION, type Retention } from '../../contract/config.js';
import { printJson, type CliContext } from '../cli-context.js';
import { cliText } from '../cli-text.js';
import { collect, intOption } from '../options.js';
import { planRunText } from '../format.js';

interface PlanFlags {
  repo: string;
  path: string[];
  exclude?: string[];
  schedule?: string;
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  keepWithin?: string;
  limitUpload?: number;
  maxAge?: number;
  prune: boolean;
  notOnBattery?: boolean;
  json?: boolean;
}

/** `restray plan add|list`. */
export function registerPlan(program: Command, ctx: CliContext): void {
  const plan = program.command('plan').description('manage backup plans (what, where, when, how long)');
  const count = intOption(0, 100_000);
  plan
    .command('add <name>')
    .description('add or replace a backup plan')
    .requiredOption('--repo <repo>', 'repository to back up to')
    .requiredOption('--path <dir>', 'file or folder to back up (repeatable)', collect)
    .option('--exclude <pattern>', 'restic exclude pattern (repeatable)', collect)
    .option('--schedule <cron>', 'five-field cron expression, e.g. "0 12 * * *"')
    .option(
      '--keep-last <n>',
      'keep the last n snapshots (without any keep flag: all within 48h, 7 daily, 4 weekly, 12 monthly)',
      count,
    )
    .option('--keep-hourly <n>', 'keep n hourly snapshots', count)
    .option('--keep-daily <n>', 'keep n daily snapshots', count)
    .option('--keep-weekly <n>', 'keep n weekly snapshots', count)
    .option('--keep-monthly <n>', 'keep n monthly snapshots', count)
    .option('--keep-yearly <n>', 'keep n yearly snapshots', count)
    .option('--keep-within <duration>', 'keep everything within this duration, e.g. 30d')
    .option('--limit-upload <kib>', 'upload limit in KiB/s', intOption(1, 10_000_000))
    .option(
      '--max-age <hours>',
      'without --schedule: the backups are "at risk" when the newest is older than this (default 24)',
      intOption(1, 24 * 365),
    )
    .option('--no-prune', 'never run forget/prune after backups of this plan')
    .option('--not-on-battery', 'skip scheduled runs while on battery')
    .option('--json', 'print the plan as JSON')
    .action(async (name: string, o: PlanFlags) => {
      const retention: Retention = {
        ...(o.keepLast === undefined ? {} : { keepLast: o.keepLast }),
        ...(o.keepHourly === undefined ? {} : { keepHourly: o.keepHourly }),
        ...(o.keepDaily === undefined ? {} : { keepDaily: o.keepDaily }),
        ...(o.keepWeekly === undefined ? {} : { keepWeekly: o.keepWeekly }),
        ...(o.keepMonthly === undefined ? {} : { keepMonthly: o.keepMonthly }),
        ...(o.keepYearly === undefined ? {} : { keepYearly: o.keepYearly }),
        ...(o.keepWithin === undefined ? {} : { keepWithin: o.keepWithin }),
      };
      const saved = await (
        await ctx.engine()
      ).savePlan({
        name,
        repo: o.repo,
        paths: o.path,
        excludes: o.exclude ?? [],
        ...(o.schedule === undefined ? {} : { schedule: o.schedule }),
        // No keep flag: the default policy, which keeps today's hourly snapshots (never "keep nothing").
        retention: Object.keys(retention).length ? retention : DEFAULT_RETENTION,
        ...(o.limitUpload === undefined ? {} : { limitUploadKiB: o.limitUpload }),
        ...(o.maxAge === undefined ? {} : { maxAgeHours: o.maxAge }),
        prune: o.prune,
        conditions: { notOnBattery: o.notOnBattery === true },
      });
      if (o.json) printJson(ctx, { plan: saved });
      else ctx.out.write(`${cliText(ctx.lang).planSaved(saved.name)}\n`);
    });

  plan
    .command('list')
    .description('list plans with their last and next run')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const state = await (await ctx.engine()).getState();
      const runs = new Map(state.plans.map((p) => [p.name, p]));
      if (o.json) printJson(ctx, state.config.plans);
      else
        for (const p of state.config.plans) {
          const r = runs.get(p.name);
          ctx.out.write(
            `${p.name}\t→ ${p.repo}\t${p.paths.join(' ')}\t${p.schedule ?? (ctx.lang === 'de' ? 'manuell' : 'manual')}${r ? `\t${planRunText(r, ctx.lang)}` : ''}\n`,
          );
        }
    });
}

import type { Command } from 'commander';
import { printJson, type CliContext } from '../cli-context.js';

const verdictText: Record<string, string> = {
  safe: 'safe: the newest snapshot is on the onsite and the offsite Pi',
  'not-yet-offsite': 'not yet offsite',
  'no-offsite': 'onsite only (no offsite Pi configured)',
  'no-backup': 'no backup yet',
  unknown: 'unknown',
};

/** `restray status [--json]`: plans, last and next runs, and each repository's chain. */
export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('show whether your backups are safe: last runs, next runs, onsite and offsite state')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const state = await (await ctx.engine()).getState();
      if (o.json)
        return printJson(ctx, {
          repos: state.repos,
          plans: state.plans,
          jobs: state.jobs,
          pausedUntil: state.pausedUntil,
        });
      if (state.pausedUntil) ctx.out.write(`Paused until ${state.pausedUntil}\n`);
      for (const r of state.repos) {
        const c = r.chain;
        ctx.out.write(
          `${r.name}: ${verdictText[c.verdict] ?? c.verdict}${r.hasPassword ? '' : ' (no password in keychain)'}\n`,
        );
        if (c.workstation.lastSuccess)
          ctx.out.write(`  last backup: ${c.workstation.lastSuccess} (${c.workstation.lastResult ?? ''})\n`);
        ctx.out.write(`  onsite: ${c.onsite.state}${c.onsite.reason ? ` (${c.onsite.reason})` : ''}\n`);
        ctx.out.write(`  offsite: ${c.offsite.state}${c.offsite.reason ? ` (${c.offsite.reason})` : ''}\n`);
      }
      for (const p of state.plans) {
        ctx.out.write(
          `plan ${p.name}: last ${p.lastRun ? `${p.lastRun.result} ${p.lastRun.endedAt}` : 'never'}, next ${p.nextRun ?? 'manual'}\n`,
        );
      }
    });
}

import type { Command } from 'commander';
import type { ChainStatus } from '../../../contract/app-state.js';
import { printJson, type CliContext } from '../cli-context.js';

const verdictText: Record<string, string> = {
  safe: 'safe: the newest snapshot is on the onsite and the offsite Pi',
  'not-yet-offsite': 'not yet offsite',
  'no-offsite': 'onsite only (no offsite Pi configured)',
  'no-backup': 'no backup yet',
  unknown: 'unknown',
};

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

function chainLines(c: ChainStatus): string[] {
  const lines: string[] = [];
  const w = c.workstation;
  if (w.lastSuccess) lines.push(`  last backup: ${w.lastSuccess} (${w.lastResult ?? ''})`);
  if (w.newestSnapshot)
    lines.push(`  newest snapshot: ${w.newestSnapshot.id.slice(0, 8)} of ${w.newestSnapshot.time}`);
  lines.push(`  onsite: ${c.onsite.state}${c.onsite.reason ? ` (${c.onsite.reason})` : ''}`);
  const off = c.offsite;
  lines.push(`  offsite: ${off.state}${off.reason ? ` (${off.reason})` : ''}`);
  if (off.newestConfirmed)
    lines.push(`  newest offsite: ${off.newestConfirmed.id.slice(0, 8)} of ${off.newestConfirmed.time}`);
  if (off.lagSeconds !== undefined && off.snapshotsBehind)
    lines.push(
      `  waiting for the offsite Pi: ${off.snapshotsBehind} snapshot(s), for ${duration(off.lagSeconds)}`,
    );
  if (off.lastSuccess) lines.push(`  last offsite sync: ${off.lastSuccess}`);
  return lines;
}

/**
 * `restray status [--json] [--no-check]`: plans, last and next runs, and each repository's chain
 * (workstation → onsite → offsite). Asks the Pis first (bounded by the ssh timeouts) unless --no-check.
 */
export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('show whether your backups are safe: last runs, next runs, onsite and offsite state')
    .option('--json', 'print JSON')
    .option('--no-check', 'do not ask the Pis; show what the run history alone says')
    .action(async (o: { json?: boolean; check: boolean }) => {
      const engine = await ctx.engine();
      if (o.check) await engine.refreshChains();
      const state = await engine.getState();
      if (o.json)
        return printJson(ctx, {
          repos: state.repos,
          plans: state.plans,
          jobs: state.jobs,
          pausedUntil: state.pausedUntil,
          // The tray warns when a chain's offsite.lagSeconds exceeds this.
          offsiteLagHours: state.config.notifications.offsiteLagHours,
        });
      if (state.pausedUntil) ctx.out.write(`Paused until ${state.pausedUntil}\n`);
      for (const r of state.repos) {
        const c = r.chain;
        ctx.out.write(
          `${r.name}: ${verdictText[c.verdict] ?? c.verdict}${r.hasPassword === false ? ' (no password in keychain)' : ''}\n`,
        );
        for (const l of chainLines(c)) ctx.out.write(`${l}\n`);
      }
      for (const p of state.plans) {
        ctx.out.write(
          `plan ${p.name}: last ${p.lastRun ? `${p.lastRun.result} ${p.lastRun.endedAt}` : 'never'}, next ${p.nextRun ?? 'manual'}\n`,
        );
      }
    });
}

import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';

/** `restray daemon`: the headless scheduler, the same engine the tray runs. Stops cleanly on SIGINT/SIGTERM. */
export function registerDaemon(program: Command, ctx: CliContext): void {
  program
    .command('daemon')
    .description('run scheduled backups in the foreground without the tray (Ctrl-C stops it cleanly)')
    .action(async () => {
      ctx.role = 'daemon';
      const engine = await ctx.engine();
      engine.subscribe((e) => {
        if (e.type === 'job-updated' && e.job.state === 'running')
          ctx.err.write(`restray: ${e.job.kind} ${e.job.plan ?? e.job.repo} started\n`);
        if (e.type === 'job-finished') {
          const r = e.run;
          ctx.err.write(
            `restray: ${r.kind} ${r.plan ?? r.repo} ${r.result}${r.error ? `: ${r.error.message}` : ''}\n`,
          );
        }
      });
      let scheduling = false;
      const sayWhoSchedules = () => {
        const who = engine.schedulingProcess();
        if (who.by === 'this' && !scheduling) {
          scheduling = true;
          ctx.err.write('restray: daemon running; scheduled plans will run on time\n');
        }
      };
      engine.subscribe((e) => {
        if (e.type === 'schedule-changed') sayWhoSchedules();
      });
      await engine.startScheduler();
      const who = engine.schedulingProcess();
      if (who.by !== 'this' && who.by !== 'none')
        ctx.err.write(
          `restray: the ${who.by === 'tray' ? 'tray app' : 'Restray daemon'} (process ${who.pid}) runs the schedules of this configuration; this daemon takes over when it stops\n`,
        );
      sayWhoSchedules();
      // process.on, kept until the jobs are cancelled: with process.once execa's signal-exit would see no other
      // listener on a second signal and re-raise it, killing the process before restic removed its lock.
      const stop = () => resolveStop();
      let resolveStop = () => {};
      const stopped = new Promise<void>((resolve) => (resolveStop = resolve));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await stopped;
      ctx.err.write('restray: stopping (running jobs are cancelled cleanly)\n');
      try {
        await engine.close();
      } finally {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
      }
    });
}

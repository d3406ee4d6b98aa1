import type { Command } from 'commander';
import { homedir } from 'node:os';
import { resolvePaths } from '../../core/config/paths.js';
import { RestrayError } from '../../core/errors.js';
import { LOG_NAMES, openEngineLog } from '../../core/logging/engine-log.js';
import type { CliContext } from '../cli-context.js';
import { installService, uninstallService } from './daemon-install.js';

/**
 * `restray daemon`: the headless scheduler, the same engine the tray runs. Stops cleanly on SIGINT/SIGTERM.
 * Logs job starts, finishes and unexpected errors to `<logDir>/restray-daemon.log` (rotated). `--install` /
 * `--uninstall` set it up as a user service instead of running it (see daemon-install.ts).
 */
export function registerDaemon(program: Command, ctx: CliContext): void {
  program
    .command('daemon')
    .description('run scheduled backups in the foreground without the tray (Ctrl-C stops it cleanly)')
    .option('--install', 'run the daemon as a user service at every login (systemd, launchd or a logon task)')
    .option('--uninstall', 'stop the user service and remove it')
    .action(async (opts: { install?: boolean; uninstall?: boolean }) => {
      if (opts.install && opts.uninstall)
        throw new RestrayError('invalid-argument', '--install and --uninstall cannot be combined.');
      if (opts.install) return installService(ctx);
      if (opts.uninstall) return uninstallService(ctx);
      ctx.role = 'daemon';
      const log = openEngineLog(
        resolvePaths(process.platform, process.env, homedir()).logDir,
        LOG_NAMES.daemon,
      );
      const logBug = ctx.logBug;
      ctx.logBug = (e) => {
        log.bug(e);
        return logBug(e);
      };
      log.note(`daemon started (process ${process.pid})`);
      const engine = await ctx.engine();
      engine.subscribe(log.onEvent);
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
        log.note('daemon stopped');
      } finally {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
      }
    });
}

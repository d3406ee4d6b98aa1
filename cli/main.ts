import { Command, CommanderError } from 'commander';
import { processContext, type CliContext } from './cli-context.js';
import { registerBackup } from './commands/backup.js';
import { registerBrowse } from './commands/browse.js';
import { registerDaemon } from './commands/daemon.js';
import { registerDrill } from './commands/drill.js';
import { registerMaintenance } from './commands/maintenance.js';
import { registerPlan } from './commands/plan.js';
import { registerRepo } from './commands/repo.js';
import { registerRestore } from './commands/restore.js';
import { registerStatus } from './commands/status.js';
import { EXIT } from './exit-codes.js';
import { reportFailure } from './report-failure.js';

const HELP_EXIT = `
Exit status: 0 ok, 1 failure, 2 bad arguments or configuration, 3 backup incomplete (some files unreadable),
10 no repository, 11 repository locked, 12 wrong password, 130 cancelled.
Files: config under $RESTRAY_HOME or the OS config folder; the password lives only in the OS keychain.`;

/** Builds the `restray` program on a context (tests pass their own streams). */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('restray')
    .description('3-2-1 backups with restic to an onsite and an offsite Raspberry Pi')
    .version('0.1.0')
    .showSuggestionAfterError()
    .addHelpText('after', HELP_EXIT)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out.write(s),
      writeErr: (s) => ctx.err.write(s),
      outputError: () => {},
    });
  registerRepo(program, ctx);
  registerPlan(program, ctx);
  registerBackup(program, ctx);
  registerBrowse(program, ctx);
  registerRestore(program, ctx);
  registerDrill(program, ctx);
  registerMaintenance(program, ctx);
  registerStatus(program, ctx);
  registerDaemon(program, ctx);
  for (const c of program.commands) c.exitOverride().configureOutput({ outputError: () => {} });
  return program;
}

/**
 * Runs the CLI and returns the exit status. Expected failures print one plain line (plus a hint) on stderr;
 * unexpected exceptions print the same shape and a note that it is a bug.
 */
export async function runCli(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    ctx.exitCode = EXIT.ok;
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version')
        return EXIT.ok;
      const see = ctx.lang === 'de' ? 'siehe restray --help' : 'see restray --help';
      ctx.err.write(`restray: ${e.message.replace(/^error: /, '')} (${see})\n`);
      return EXIT.usage;
    }
    return reportFailure(ctx, e);
  }
}

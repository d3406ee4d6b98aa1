import { approveCommand, approveHelp } from './commands/approve.js';
import { defaultIo, type CommandIo } from './commands/common.js';
import { maintainCommand, maintainHelp } from './commands/maintain.js';
import { provisionCommand, provisionHelp } from './commands/provision.js';
import { pruneCommand, pruneHelp } from './commands/prune.js';
import { pushCommand, pushHelp } from './commands/push.js';
import type { SetupDeps } from './commands/setup-common.js';
import { setupCommand, setupHelp } from './commands/setup.js';
import { reverifyCommand, reverifyHelp } from './commands/reverify.js';
import { statusCommand, statusHelp } from './commands/status.js';
import { syncCommand, syncHelp } from './commands/sync.js';
import { EXIT, PiError } from './errors.js';
import { version } from './version.js';

/** What a command may reach beyond its io; tests pass their own (e.g. a service manager for setup). */
export interface CommandDeps {
  setup?: SetupDeps;
}

const commands: Record<
  string,
  { run: (argv: string[], io: CommandIo, deps: CommandDeps) => Promise<number>; help: string }
> = {
  sync: { run: syncCommand, help: syncHelp },
  status: { run: statusCommand, help: statusHelp },
  approve: { run: approveCommand, help: approveHelp },
  prune: { run: pruneCommand, help: pruneHelp },
  reverify: { run: reverifyCommand, help: reverifyHelp },
  provision: { run: provisionCommand, help: provisionHelp },
  maintain: { run: maintainCommand, help: maintainHelp },
  push: { run: pushCommand, help: pushHelp },
  setup: { run: (argv, io, deps) => setupCommand(argv, io, deps.setup), help: setupHelp },
};

export const usage = `restray-pi — onsite target and verified offsite copies of a restic repository

Usage: restray-pi <command> [options]     (every command takes --config FILE, default /etc/restray-pi/config.json)
       restray-pi --version

Pairing (three commands per Pi, only pasted lines between them):
  setup       setup offsite | setup onsite --workstation LINE --offsite LINE | setup offsite --onsite LINE
Offsite Pi:
  sync        pull a new verified generation from the onsite Pi (push mode: promote what it pushed)
  status      show the offsite status (--json: the published document)
  approve     accept the change that blocked the last sync
  prune       apply the generation retention (--dry-run lists what goes and why)
  reverify    re-hash the next slice of stored files (bit rot); daily timer
Onsite Pi:
  provision   provision onsite|offsite …: accounts, keys and directories (--dry-run prints every change)
  maintain    restic forget/prune on the onsite repository, password from a root-only credential
  push        push mode only: send new files and a manifest to the offsite Pi's incoming directory

Exit statuses: 0 ok, 1 failed, 2 usage, 3 blocked by the guard, 4 invalid config, 5 another run in progress,
6 stale. \`restray-pi <command> --help\` for details.`;

/** Runs the CLI; returns the exit status. Expected failures print one plain line (and a hint); bugs a stack. */
export async function main(
  argv: string[],
  io: CommandIo = defaultIo,
  deps: CommandDeps = {},
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-V') {
    io.out(`restray-pi ${version}`);
    return EXIT.ok;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.err(`Unknown command "${name}".\n\n${usage}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.help);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest, io, deps);
  } catch (e) {
    if (e instanceof PiError) {
      io.err(`restray-pi ${name}: ${e.message}${e.hint ? `\n${e.hint}` : ''}`);
      return e.kind === 'invalid-config'
        ? EXIT.invalidConfig
        : e.kind === 'locked' && e.phase === 'lock'
          ? EXIT.busy
          : EXIT.failed;
    }
    if (
      e instanceof Error &&
      'code' in e &&
      String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`restray-pi ${name}: ${e.message}\n\n${cmd.help}`);
      return EXIT.usage;
    }
    io.err(
      `restray-pi ${name}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    return EXIT.failed;
  }
}

// Run when executed directly (the bundle, or tsx pi/src/main.ts); not when imported by tests.
const invoked = process.argv[1] ?? '';
if (/restray-pi(\.mjs)?$|pi\/src\/main\.ts$/.test(invoked)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AdviceLang } from '../../contract/chain-advice.js';
import { ensureDir, writeFileAtomic } from '../../core/config/atomic-write.js';
import { resolvePaths } from '../../core/config/paths.js';
import { boundText, RestrayError } from '../../core/errors.js';
import type { CliContext } from '../cli-context.js';
import {
  launchAgentPlist,
  SERVICE_NAMES,
  serviceFile,
  systemdUnit,
  windowsTaskCreateArgs,
  windowsTaskDeleteArgs,
  type DaemonCommand,
} from '../daemon-service.js';
import { cliLang } from '../cli-lang.js';

/** The process facts a service install depends on (tests and other hosts pass their own). */
export interface InstallHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  /** `<node> <bin>`, as this process was started. */
  node: string;
  bin: string;
}

/** This process's facts. */
export function processHost(): InstallHost {
  return {
    platform: process.platform,
    env: process.env,
    home: homedir(),
    node: process.execPath,
    bin: resolve(process.argv[1] ?? 'restray'),
  };
}

const text = {
  en: {
    wrote: (f: string) => `restray: wrote ${f}`,
    removed: (f: string) => `restray: removed ${f}`,
    nothing: 'restray: no Restray service was installed',
    started: 'restray: the daemon runs now and at every login',
    stopped: 'restray: the daemon is stopped and no longer starts at login',
    runThese:
      'restray: no service manager reachable from here; run these commands to start it now and at every login:',
    runTheseOff: 'restray: no service manager reachable from here; run these commands to finish:',
    failed: (what: string) => `The service manager refused: ${what}`,
    hint: 'Run the printed commands yourself, or see README "Running the daemon as a service".',
  },
  de: {
    wrote: (f: string) => `restray: ${f} geschrieben`,
    removed: (f: string) => `restray: ${f} entfernt`,
    nothing: 'restray: es war kein Restray-Dienst eingerichtet',
    started: 'restray: der Daemon läuft jetzt und bei jeder Anmeldung',
    stopped: 'restray: der Daemon ist gestoppt und startet nicht mehr bei der Anmeldung',
    runThese:
      'restray: kein Dienstverwalter erreichbar; diese Befehle starten ihn jetzt und bei jeder Anmeldung:',
    runTheseOff: 'restray: kein Dienstverwalter erreichbar; zum Abschluss diese Befehle ausführen:',
    failed: (what: string) => `Der Dienstverwalter hat abgelehnt: ${what}`,
    hint: 'Führen Sie die angezeigten Befehle selbst aus, oder siehe README „Running the daemon as a service“.',
  },
} satisfies Record<AdviceLang, unknown>;

type Step = [file: string, args: string[]];

/** A command as a user would type it (POSIX shell quoting; for display only). */
function shown([file, args]: Step): string {
  return [file, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/**
 * Whether this process can talk to the service manager: never with RESTRAY_NO_SERVICE_MANAGER=1 (tests,
 * packagers); on Linux only when the systemd user manager's socket exists (no user session over plain ssh, in
 * a container …); launchd and the Windows task scheduler are always there.
 */
function managerReachable(host: InstallHost): boolean {
  if (host.env.RESTRAY_NO_SERVICE_MANAGER === '1') return false;
  if (host.platform === 'win32' || host.platform === 'darwin') return true;
  const runtime = host.env.XDG_RUNTIME_DIR;
  return !!runtime && existsSync(join(runtime, 'systemd', 'private'));
}

async function runSteps(steps: Step[], lang: AdviceLang, tolerate = 0): Promise<void> {
  for (const [i, [file, args]] of steps.entries()) {
    const r = await execa(file, args, { reject: false, stdin: 'ignore', timeout: 60_000 });
    if (r.exitCode !== 0 && i >= tolerate) {
      const why = boundText(
        `${shown([file, args])}: ${String(r.stderr || r.stdout || r.exitCode).trim()}`,
        1000,
      );
      throw new RestrayError('failed', text[lang].failed(why), { hint: text[lang].hint });
    }
  }
}

/**
 * `restray daemon --install`: writes the service definition for this OS (systemd user unit, LaunchAgent, or
 * nothing on Windows) for `<node> <bin> daemon` with the caller's RESTRAY_HOME and PATH, then enables and
 * starts it through the service manager, or prints the commands that do when none is reachable. Replaces an
 * earlier install. Throws RestrayError `invalid-argument` for paths no service file can express, `failed`
 * when the service manager refuses (its message included), file-system errors when the file cannot be written.
 */
export async function installService(ctx: CliContext, host: InstallHost = processHost()): Promise<void> {
  const lang = cliLang(undefined, host.env);
  const cmd: DaemonCommand = {
    node: host.node,
    bin: host.bin,
    ...(host.env.RESTRAY_HOME ? { restrayHome: resolve(host.env.RESTRAY_HOME) } : {}),
    ...(host.env.PATH ? { path: host.env.PATH } : {}),
  };
  const file = serviceFile(host.platform, host.env, host.home);
  let steps: Step[];
  let tolerate = 0;
  if (host.platform === 'win32') {
    steps = [['schtasks', windowsTaskCreateArgs(cmd)]];
  } else if (host.platform === 'darwin') {
    const logDir = resolvePaths(host.platform, host.env, host.home).logDir;
    await ensureDir(logDir);
    await writeService(file!, launchAgentPlist(cmd, logDir));
    const domain = `gui/${userInfo().uid}`;
    // bootout first, its failure tolerated: bootstrap refuses a label that is already loaded.
    steps = [
      ['launchctl', ['bootout', `${domain}/${SERVICE_NAMES.launchd}`]],
      ['launchctl', ['bootstrap', domain, file!]],
    ];
    tolerate = 1;
  } else {
    await writeService(file!, systemdUnit(cmd));
    steps = [
      ['systemctl', ['--user', 'daemon-reload']],
      ['systemctl', ['--user', 'enable', '--now', SERVICE_NAMES.systemd]],
    ];
  }
  if (file) ctx.err.write(`${text[lang].wrote(file)}\n`);
  if (!managerReachable(host)) {
    ctx.err.write(
      `${text[lang].runThese}\n${steps
        .slice(tolerate)
        .map((s) => `  ${shown(s)}\n`)
        .join('')}`,
    );
    return;
  }
  await runSteps(steps, lang, tolerate);
  ctx.err.write(`${text[lang].started}\n`);
}

/**
 * `restray daemon --uninstall`: stops and disables the service, then removes its definition (on Linux also
 * the default.target.wants link `enable` made, so nothing is left when no user manager is reachable).
 * Idempotent: says so when nothing was installed. Throws RestrayError `failed` when the service manager
 * refuses, file-system errors when the file cannot be removed.
 */
export async function uninstallService(ctx: CliContext, host: InstallHost = processHost()): Promise<void> {
  const lang = cliLang(undefined, host.env);
  const file = serviceFile(host.platform, host.env, host.home);
  const reachable = managerReachable(host);
  if (host.platform === 'win32') {
    const steps: Step[] = [['schtasks', windowsTaskDeleteArgs()]];
    if (!reachable) ctx.err.write(`${text[lang].runTheseOff}\n  ${shown(steps[0]!)}\n`);
    else await runSteps(steps, lang);
    if (reachable) ctx.err.write(`${text[lang].stopped}\n`);
    return;
  }
  if (!existsSync(file!)) {
    ctx.err.write(`${text[lang].nothing}\n`);
    return;
  }
  const darwin = host.platform === 'darwin';
  const before: Step[] = darwin
    ? [['launchctl', ['bootout', `gui/${userInfo().uid}/${SERVICE_NAMES.launchd}`]]]
    : [['systemctl', ['--user', 'disable', '--now', SERVICE_NAMES.systemd]]];
  const after: Step[] = darwin ? [] : [['systemctl', ['--user', 'daemon-reload']]];
  if (reachable) await runSteps(before, lang, darwin ? 1 : 0);
  await rm(file!, { force: true });
  if (!darwin) await rm(join(dirname(file!), 'default.target.wants', SERVICE_NAMES.systemd), { force: true });
  ctx.err.write(`${text[lang].removed(file!)}\n`);
  if (!reachable) {
    if (after.length > 0)
      ctx.err.write(`${text[lang].runTheseOff}\n${after.map((s) => `  ${shown(s)}\n`).join('')}`);
    return;
  }
  await runSteps(after, lang);
  ctx.err.write(`${text[lang].stopped}\n`);
}

async function writeService(file: string, content: string): Promise<void> {
  await ensureDir(dirname(file));
  await writeFileAtomic(file, content, 0o644);
}

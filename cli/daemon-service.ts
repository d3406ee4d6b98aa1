import { join, posix, win32 } from 'node:path';
import { RestrayError } from '../core/errors.js';

/** What the service starts: `<node> <bin> daemon`, with the caller's RESTRAY_HOME and PATH. */
export interface DaemonCommand {
  /** Absolute path of the Node executable (process.execPath). */
  node: string;
  /** Absolute path of the `restray` launcher (bin/restray.mjs). */
  bin: string;
  /** The caller's RESTRAY_HOME, when set: the service then uses the same configuration. */
  restrayHome?: string;
  /** The caller's PATH, so that the service finds the same restic, ssh and rclone (launchd's PATH is bare). */
  path?: string;
}

/** The name every service manager knows Restray's daemon by. */
export const SERVICE_NAMES = {
  systemd: 'restray.service',
  launchd: 'org.restray.daemon',
  windowsTask: 'Restray',
} as const;

/** Where the service definition goes on each OS; Windows keeps its tasks itself (no file). */
export function serviceFile(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  home: string,
): string | undefined {
  if (platform === 'win32') return undefined;
  if (platform === 'darwin')
    return posix.join(home, 'Library', 'LaunchAgents', `${SERVICE_NAMES.launchd}.plist`);
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  return join(config, 'systemd', 'user', SERVICE_NAMES.systemd);
}

function refuseControlCharacters(value: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new RestrayError(
      'invalid-argument',
      `The ${what} contains a line break or control character: ${JSON.stringify(value)}.`,
      {
        hint: 'Move it to a folder whose name has none, then install the service again.',
      },
    );
}

/**
 * One systemd unit-file word: double-quoted, with `\` and `"` escaped, `%` doubled (specifiers) and, in
 * ExecStart arguments, `$` doubled (variable expansion). Throws on control characters (not expressible in a
 * unit file).
 */
export function systemdQuote(value: string, what: string, inExec: boolean): string {
  refuseControlCharacters(value, what);
  let q = value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, '%%');
  if (inExec) q = q.replace(/\$/g, () => '$$');
  return `"${q}"`;
}

/**
 * An ExecStart command line. systemd expands no variables in the program path (so its `$` stays single) and
 * refuses a program path containing `"`, `'` or `\` outright ("Executable name contains special
 * characters"); such a program is started through `/usr/bin/env`, which takes it as an ordinary argument.
 * Throws on control characters.
 */
export function systemdExecLine(words: [program: string, ...args: string[]], what = 'Node path'): string {
  const [program, ...args] = words;
  const quotedArgs = args.map((a) => (/^[a-z-]+$/.test(a) ? a : systemdQuote(a, 'restray path', true)));
  if (/["'\\]/.test(program))
    return ['/usr/bin/env', systemdQuote(program, what, true), ...quotedArgs].join(' ');
  refuseControlCharacters(program, what);
  return [`"${program.replace(/%/g, '%%')}"`, ...quotedArgs].join(' ');
}

/**
 * The systemd user unit for `restray daemon`: restarted on failure (not after a clean stop), SIGTERM to the
 * daemon alone (KillMode=mixed) so that it cancels restic through its own cancel path (restic removes its
 * lock) before the stop timeout. Pure. Throws RestrayError `invalid-argument` for a path with a control
 * character.
 */
export function systemdUnit(cmd: DaemonCommand): string {
  const exec = systemdExecLine([cmd.node, cmd.bin, 'daemon']);
  const env = [
    ...(cmd.restrayHome === undefined ? [] : [`RESTRAY_HOME=${cmd.restrayHome}`]),
    ...(cmd.path === undefined ? [] : [`PATH=${cmd.path}`]),
  ].map((v) => `Environment=${systemdQuote(v, 'environment', false)}`);
  return [
    '# Written by `restray daemon --install`; removed by `restray daemon --uninstall`.',
    '[Unit]',
    'Description=Restray scheduled backups (restic to the onsite and offsite Raspberry Pi)',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    ...env,
    'Restart=on-failure',
    'RestartSec=30',
    'KillMode=mixed',
    'TimeoutStopSec=90',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/** XML text with `& < > " '` escaped. */
export function xmlEscape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The LaunchAgent for `restray daemon`: started at login (RunAtLoad), restarted when it did not exit cleanly
 * (KeepAlive SuccessfulExit false, so `launchctl bootout` or a clean stop is not undone), its stdout and
 * stderr in the log folder. Pure. Throws RestrayError `invalid-argument` for a path with a control character.
 */
export function launchAgentPlist(cmd: DaemonCommand, logDir: string): string {
  for (const [v, what] of [
    [cmd.node, 'Node path'],
    [cmd.bin, 'restray path'],
    [logDir, 'log folder'],
    [cmd.restrayHome ?? '', 'RESTRAY_HOME'],
  ] as const)
    refuseControlCharacters(v, what);
  const str = (v: string) => `<string>${xmlEscape(v)}</string>`;
  const env: [string, string][] = [];
  if (cmd.restrayHome !== undefined) env.push(['RESTRAY_HOME', cmd.restrayHome]);
  if (cmd.path !== undefined) env.push(['PATH', cmd.path]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    // XML forbids "--" inside a comment: the option names are spelt out.
    '<!-- Written by "restray daemon" with its install option; its uninstall option removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>${str(SERVICE_NAMES.launchd)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[cmd.node, cmd.bin, 'daemon'].map((a) => `    ${str(a)}`),
    '  </array>',
    ...(env.length === 0
      ? []
      : [
          '  <key>EnvironmentVariables</key>',
          '  <dict>',
          ...env.map(([k, v]) => `    <key>${k}</key>${str(v)}`),
          '  </dict>',
        ]),
    '  <key>RunAtLoad</key><true/>',
    '  <key>KeepAlive</key>',
    '  <dict><key>SuccessfulExit</key><false/></dict>',
    '  <key>ProcessType</key><string>Background</string>',
    '  <key>ExitTimeOut</key><integer>90</integer>',
    `  <key>StandardOutPath</key>${str(posix.join(logDir, 'restray-daemon.stdout.log'))}`,
    `  <key>StandardErrorPath</key>${str(posix.join(logDir, 'restray-daemon.stderr.log'))}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** schtasks limits the command a task runs (/TR) to 261 characters. */
const MAX_TASK_COMMAND = 261;

/**
 * The `/TR` command of the logon task: `"node" "bin" daemon`, or, with RESTRAY_HOME, the same behind
 * `cmd.exe /d /s /c "set "RESTRAY_HOME=…" && …"` (a task cannot carry environment variables). Windows paths
 * cannot hold `"`; `%` would be expanded by cmd.exe, so a RESTRAY_HOME with one is refused. Pure. Throws
 * RestrayError `invalid-argument` for such paths or a command longer than schtasks accepts.
 */
export function windowsTaskCommand(cmd: DaemonCommand): string {
  for (const [v, what] of [
    [cmd.node, 'Node path'],
    [cmd.bin, 'restray path'],
    [cmd.restrayHome ?? '', 'RESTRAY_HOME'],
  ] as const) {
    refuseControlCharacters(v, what);
    if (v.includes('"'))
      throw new RestrayError('invalid-argument', `The ${what} contains a double quote: ${v}.`);
  }
  const run = `"${win32.normalize(cmd.node)}" "${win32.normalize(cmd.bin)}" daemon`;
  let command = run;
  if (cmd.restrayHome !== undefined) {
    if (cmd.restrayHome.includes('%'))
      throw new RestrayError(
        'invalid-argument',
        `RESTRAY_HOME contains a % sign, which cmd.exe would expand: ${cmd.restrayHome}.`,
      );
    command = `cmd.exe /d /s /c "set "RESTRAY_HOME=${cmd.restrayHome}" && ${run}"`;
  }
  if (command.length > MAX_TASK_COMMAND)
    throw new RestrayError(
      'invalid-argument',
      `The command for the logon task is ${command.length} characters long; Windows accepts at most ${MAX_TASK_COMMAND}.`,
      { hint: 'Install Restray (and Node) in a folder with a shorter path, then try again.' },
    );
  return command;
}

/** schtasks argv that creates (or replaces, /F) the logon task for the current user, without raised rights. */
export function windowsTaskCreateArgs(cmd: DaemonCommand): string[] {
  return [
    '/Create',
    '/SC',
    'ONLOGON',
    '/TN',
    SERVICE_NAMES.windowsTask,
    '/TR',
    windowsTaskCommand(cmd),
    '/RL',
    'LIMITED',
    '/F',
  ];
}

/** schtasks argv that deletes the logon task. */
export function windowsTaskDeleteArgs(): string[] {
  return ['/Delete', '/TN', SERVICE_NAMES.windowsTask, '/F'];
}

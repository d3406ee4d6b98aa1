// `npm run lab`: the whole 3-2-1 chain on this machine until Ctrl-C (see startDemoLab and the README).
import { execFileSync } from 'node:child_process';
import { startDemoLab, type DemoLab } from './lab-demo.js';
import { requireCliBundle } from './lab-workstation.js';

const HELP = `npm run lab [-- --own-keyring] [--sync-every SECONDS]

Starts an onsite and an offsite "Pi" on this machine (sshd on loopback with restray-pi's real accounts and
forced commands; the offsite pull timer replaced by a loop), a keychain if none is reachable, and a ready
RESTRAY_HOME, then prints how to use it. Runs until Ctrl-C, then removes everything it created.
Needs root (it creates lab accounts and runs sshd), restic, rclone, rsync (rrsync), openssh-server and, unless
your session has an unlocked Secret Service, dbus and gnome-keyring.`;

const TOOLS: [string, string][] = [
  ['restic', 'restic'],
  ['rclone', 'rclone'],
  ['rsync', 'rsync'],
  ['rrsync', 'rsync (3.2.4 or newer)'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['/usr/sbin/sshd', 'openssh-server'],
  ['dbus-daemon', 'dbus'],
  ['gnome-keyring-daemon', 'gnome-keyring'],
];

function missingTools(): string[] {
  const missing = new Set<string>();
  for (const [tool, pkg] of TOOLS) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      missing.add(pkg);
    }
  }
  return [...missing];
}

function fail(message: string): never {
  process.stderr.write(`npm run lab: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const everyAt = args.indexOf('--sync-every');
  const every = everyAt >= 0 ? Number(args[everyAt + 1]) : 3;
  if (!Number.isFinite(every) || every <= 0) fail('--sync-every: give a number of seconds, e.g. 3.');

  if (process.getuid?.() !== 0)
    fail(
      'needs root: it creates lab accounts (useradd) for the Pis and runs sshd for them. Run it with sudo: sudo npm run lab',
    );
  const missing = missingTools();
  if (missing.length) fail(`missing programs; install them first: apt install ${missing.join(' ')}`);
  try {
    requireCliBundle();
  } catch (e) {
    fail((e as Error).message);
  }

  const say = (line: string) => process.stdout.write(`${new Date().toLocaleTimeString()}  ${line}\n`);
  let lab: DemoLab | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) {
      say('still cleaning up…');
      return;
    }
    say(`${signal}: stopping the lab and removing what it created…`);
    stopping = (async () => {
      await lab?.stop();
      say('lab stopped: processes, accounts and folders removed.');
      process.exit(0);
    })();
  };
  // Ctrl-C during start-up is handled after it: startDemoLab cleans up after itself only on failure.
  let startedSignal: string | undefined;
  const onSignal = (signal: string) => (lab ? shutdown(signal) : (startedSignal ??= signal));
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGHUP', () => onSignal('SIGHUP'));

  say('starting the lab (onsite and offsite Pi, keychain, workstation)…');
  try {
    lab = await startDemoLab({
      syncIntervalMs: every * 1000,
      ownKeyring: args.includes('--own-keyring'),
      log: say,
    });
  } catch (e) {
    fail(`could not start: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (startedSignal) return shutdown(startedSignal);

  process.stdout.write(`\n${lab.instructions()}\n\n`);
  // Alerts the offsite Pi sends (webhook), as they arrive: the lab's stand-in for a phone notification.
  let seen = 0;
  const alerts = lab.chain.pis.alerts;
  setInterval(() => {
    // The run a stop cancels reports itself as failed: not news for someone pressing Ctrl-C.
    if (stopping) return;
    for (; seen < alerts.requests.length; seen++) {
      const r = alerts.requests[seen]!;
      if (r.path !== '/hook') continue;
      const j = r.json as { event?: string; message?: string } | undefined;
      say(`alert: ${j?.event ?? ''} ${j?.message ?? r.body.slice(0, 200)}`);
    }
  }, 1000).unref();
}

await main();

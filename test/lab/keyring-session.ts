import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Environment that points a process at a lab keyring session. */
export interface KeyringEnv {
  DBUS_SESSION_BUS_ADDRESS: string;
  HOME: string;
  XDG_RUNTIME_DIR: string;
}

/** A private D-Bus session bus with an unlocked gnome-keyring, as a desktop login would give. */
export interface KeyringSession {
  env: KeyringEnv;
  /** The gnome-keyring-daemon's process ID. */
  keyringPid: number;
  /** The session bus daemon's process ID (tests stop it with SIGSTOP to make a keychain that hangs). */
  dbusPid: number;
  stop(): void;
}

/**
 * Starts `dbus-daemon --session` and `gnome-keyring-daemon --foreground --unlock` in a fresh HOME and resolves
 * once the Secret Service is up. Rejects when either program is missing or fails: in CI a missing component is a
 * failure, never a skip.
 */
export async function startKeyringSession(): Promise<KeyringSession> {
  const home = mkdtempSync(join(tmpdir(), 'restray-keyring-'));
  const out = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], {
    env: { ...process.env, HOME: home },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [address, pidText] = out.trim().split('\n');
  const dbusPid = Number(pidText);
  const env: KeyringEnv = { DBUS_SESSION_BUS_ADDRESS: address!, HOME: home, XDG_RUNTIME_DIR: home };
  // gnome-keyring creates and unlocks the "login" collection with the password read from stdin.
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const stop = () => {
    keyring.kill();
    try {
      process.kill(dbusPid);
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  };
  keyring.stdin.end('restray-lab');
  try {
    // The daemon prints nothing in the foreground; it is ready once it has written the login keyring.
    const ready = join(home, '.local/share/keyrings/login.keyring');
    const deadline = Date.now() + 15_000;
    while (!existsSync(ready)) {
      if (keyring.exitCode !== null) throw new Error(`gnome-keyring-daemon exited (${keyring.exitCode})`);
      if (Date.now() > deadline) throw new Error('gnome-keyring-daemon did not start within 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    stop();
    throw e;
  }
  return { env, keyringPid: keyring.pid!, dbusPid, stop };
}

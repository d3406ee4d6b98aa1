import { probeSecretService } from '../../core/secrets/keytar-store.js';
import { startKeyringSession } from './keyring-session.js';

/** The Secret Service the lab's workstation uses. */
export interface LabKeyring {
  /** What a shell needs to reach it (DBUS_SESSION_BUS_ADDRESS). */
  env: { DBUS_SESSION_BUS_ADDRESS: string };
  /** True when the lab started it (and stops it); false when it is the caller's own session keyring. */
  own: boolean;
  stop(): void;
}

/**
 * The caller's Secret Service when its session bus has one with an unlocked default collection (a desktop
 * login), otherwise a private D-Bus session with an unlocked gnome-keyring (a server, a root shell, CI).
 * The probe is passive: it never triggers an unlock prompt.
 */
export async function labKeyring(opts: { forceOwn?: boolean } = {}): Promise<LabKeyring> {
  const address = process.env.DBUS_SESSION_BUS_ADDRESS;
  if (!opts.forceOwn && address && (await probeSecretService()) === 'unlocked')
    return { env: { DBUS_SESSION_BUS_ADDRESS: address }, own: false, stop: () => undefined };
  const session = await startKeyringSession();
  return {
    env: { DBUS_SESSION_BUS_ADDRESS: session.env.DBUS_SESSION_BUS_ADDRESS },
    own: true,
    stop: () => session.stop(),
  };
}

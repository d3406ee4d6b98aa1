import { execa } from 'execa';
import { PiError } from '../errors.js';

/**
 * What `setup offsite` asks of the init system: whether a unit is enabled and running, and to enable and start
 * it. Behind this interface so tests on a development machine never reach the host's systemctl.
 */
export interface ServiceManager {
  /** True when the unit is enabled and active (a second setup then has nothing to do). */
  isEnabled(unit: string): Promise<boolean>;
  /** Enables the unit and starts it now. Throws PiError `failed` with systemctl's message. */
  enableNow(unit: string): Promise<void>;
}

/** The real one: `systemctl is-enabled` / `is-active`, and `systemctl enable --now`. */
export const systemctl: ServiceManager = {
  async isEnabled(unit) {
    const enabled = await execa('systemctl', ['is-enabled', '--quiet', unit], { reject: false });
    if (enabled.exitCode !== 0) return false;
    const active = await execa('systemctl', ['is-active', '--quiet', unit], { reject: false });
    return active.exitCode === 0;
  },
  async enableNow(unit) {
    const r = await execa('systemctl', ['enable', '--now', unit], { reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0)
      throw new PiError('failed', `systemctl enable --now ${unit} failed: ${String(r.stderr).trim()}`, {
        hint: 'Is the restray-pi package installed (its units in /lib/systemd/system)?',
      });
  },
};

/** The timers one offsite configuration runs on: daily sync, the 10-minute change check, the re-verification. */
export function offsiteTimers(name: string): string[] {
  return [
    `restray-pi-sync@${name}.timer`,
    `restray-pi-pull@${name}.timer`,
    `restray-pi-reverify@${name}.timer`,
  ];
}

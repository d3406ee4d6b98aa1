import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { PiError } from '../errors.js';
import { provisionLang } from '../provision-validate.js';

/** The name of a uid (getent), or the number when it has none. */
function accountName(uid: number): string {
  try {
    return execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8' }).split(':')[0] || String(uid);
  } catch {
    return String(uid);
  }
}

/**
 * Refuses to run an offsite command as root on a store whose generations/ belongs to an account (as `provision
 * offsite --root` makes it): what root wrote there would be root's, and the run account (the units' User=) could
 * no longer remove or replace it. A store that root owns (older installs, not provisioned) is left alone.
 * Throws PiError `permission-denied` naming the account, in English or (by the locale in `env`) German.
 * Side effects: none (stat and getent).
 */
export function refuseRootOnAccountStore(root: string, command: string, env: NodeJS.ProcessEnv): void {
  if (process.getuid?.() !== 0) return;
  const st = statSync(join(root, 'generations'), { throwIfNoEntry: false });
  if (!st || st.uid === 0) return;
  const name = accountName(st.uid);
  throw new PiError(
    'permission-denied',
    provisionLang(env) === 'de'
      ? `restray-pi ${command} läuft als root, aber der Speicher ${root} gehört ${name}: als dieses Konto starten (sudo -u ${name} restray-pi ${command} …), damit jede Datei ihm gehört.`
      : `restray-pi ${command} runs as root, but the store ${root} belongs to ${name}: run it as that account (sudo -u ${name} restray-pi ${command} …), so that every file stays its own.`,
  );
}

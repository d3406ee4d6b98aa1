import { encodePairingLine, pairingErrorText, parsePairingLine } from '../../contract/pairing-line.js';
import { StatusKeyFingerprint } from '../../contract/pi-status.js';
import type { PiProfile } from '../../contract/setup.js';
import { RestrayError } from '../errors.js';

/**
 * The line the setup wizard shows for a repository on a Pi, to paste into `restray-pi setup onsite
 * --workstation '…'`: the repository's name, its public key, the profile, and the account and folder the app
 * will use on the Pi. Pure; throws RestrayError `invalid-argument` when the key is not an OpenSSH public key
 * line, the name not a repository name, the account not a Unix account name or the folder not absolute.
 */
export function workstationPairingLine(w: {
  repo: string;
  publicKey: string;
  profile: PiProfile;
  user: string;
  path: string;
}): string {
  try {
    return encodePairingLine('workstation', {
      name: w.repo,
      key: w.publicKey.trim(),
      mode: w.profile,
      user: w.user,
      path: w.path,
    });
  } catch {
    throw new RestrayError(
      'invalid-argument',
      `Cannot make a pairing line for "${w.repo}": check the key, the account name and that the folder is absolute.`,
    );
  }
}

/** The wizard's pairing line when its settings fit in one ({@link workstationPairingLine}), else nothing. */
export function pairingLineOf(
  input: { repo: string; profile: PiProfile; user: string; path: string },
  publicKey: string,
): { pairingLine?: string } {
  try {
    return { pairingLine: workstationPairingLine({ ...input, publicKey }) };
  } catch (e) {
    if (e instanceof RestrayError) return {};
    throw e;
  }
}

/**
 * The offsite Pi's status key fingerprint to pin (config offsiteStatusKey), from what the user pasted: the
 * offsite Pi's pairing line (`restray-pi setup offsite` prints it) or the bare fingerprint (`restray-pi status
 * --signing-key`). Pure; throws RestrayError `invalid-argument` saying why in `lang` (a cut or altered line
 * fails its checksum; another machine's line is named as such).
 */
export function statusKeyFromPaste(text: string, lang: 'en' | 'de' = 'en'): string {
  const t = text.trim();
  const bare = StatusKeyFingerprint.safeParse(t);
  if (bare.success) return bare.data;
  const r = parsePairingLine(t, 'offsite');
  if (r.ok) return r.payload.signingKey;
  throw new RestrayError('invalid-argument', pairingErrorText(r, 'offsite', lang));
}

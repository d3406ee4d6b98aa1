import { encodePairingLine, pairingErrorText, parsePairingLine } from '../../contract/pairing-line.js';
import { StatusKeyFingerprint } from '../../contract/pi-status.js';
import type { PiProfile } from '../../contract/setup.js';
import { RestrayError } from '../errors.js';

/**
 * The line the setup wizard shows for a repository on a Pi, to paste into `restray-pi setup onsite
 * --workstation '…'`: the repository's name, its public key and the profile. Pure; throws RestrayError
 * `invalid-argument` when the key is not an OpenSSH public key line or the name is not a repository name.
 */
export function workstationPairingLine(repo: string, publicKey: string, profile: PiProfile): string {
  try {
    return encodePairingLine('workstation', { name: repo, key: publicKey.trim(), mode: profile });
  } catch {
    throw new RestrayError('invalid-argument', `Cannot make a pairing line for "${repo}" with this key.`);
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

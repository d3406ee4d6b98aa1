import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { RestrayError } from '../errors.js';
import { fingerprintOfPublicKey } from './host-key.js';

/** A key pair Restray generated for one repository. */
export interface RepoKey {
  /** The private key file (0600). Its content is never read by Restray. */
  privatePath: string;
  /** `<privatePath>.pub`. */
  publicPath: string;
  /** `ssh-ed25519 AAAA… <comment>`: what goes into the Pi's authorized_keys (after the forced command). */
  publicLine: string;
  /** `SHA256:…`, to show next to the key in the settings and on the Pi. */
  fingerprint: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Generates an ed25519 key pair for one repository with `ssh-keygen`: `<dir>/<name>` and `<dir>/<name>.pub`.
 *
 * No passphrase: backups run unattended, so the key's protection is the file mode (0600, in a 0700 folder)
 * and its confinement on the Pi (forced command or internal-sftp). The private key never passes through this
 * process; only the public line is read. Refuses to overwrite an existing key (`invalid-argument`): replacing
 * it would lock the workstation out of the Pi until the new key is authorised there.
 * Side effects: creates `dir` (0700) and the two files. Throws `failed` when ssh-keygen is missing or fails.
 */
export async function generateRepoKey(
  dir: string,
  name: string,
  comment = `restray-${name}`,
): Promise<RepoKey> {
  if (!NAME_RE.test(name))
    throw new RestrayError('invalid-argument', `The key name "${name}" is not valid.`, {
      hint: 'Use 1-64 letters, digits, dot, dash or underscore.',
    });
  const privatePath = join(dir, name);
  const publicPath = `${privatePath}.pub`;
  if (existsSync(privatePath) || existsSync(publicPath))
    throw new RestrayError('invalid-argument', `An SSH key already exists at ${privatePath}.`, {
      hint: 'Use the existing key, or remove it first (and authorise the new one on the Pi).',
    });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdirSync's mode does not apply to a folder that already exists.
  chmodSync(dir, 0o700);
  try {
    // `-N ''` is the empty passphrase, not a secret; `-q` keeps the randomart out of any log.
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', privatePath], {
      stdin: 'ignore',
    });
  } catch (e) {
    const detail =
      (e as { code?: string; stderr?: string }).code === 'ENOENT'
        ? 'ssh-keygen is not installed'
        : 'ssh-keygen failed';
    throw new RestrayError('failed', `Could not generate an SSH key (${detail}).`, {
      hint: 'Install the OpenSSH client (ssh, ssh-keygen).',
      cause: e,
    });
  }
  chmodSync(privatePath, 0o600);
  const publicLine = readFileSync(publicPath, 'utf8').trim();
  return { privatePath, publicPath, publicLine, fingerprint: await fingerprintOfPublicKey(publicLine) };
}

/**
 * The public line of an existing key (`<privatePath>.pub`, or derived with `ssh-keygen -y` when the .pub file
 * is gone). Throws `not-found` when there is no key.
 */
export async function readPublicKey(privatePath: string): Promise<string> {
  const pub = `${privatePath}.pub`;
  if (existsSync(pub)) return readFileSync(pub, 'utf8').trim();
  if (!existsSync(privatePath))
    throw new RestrayError('not-found', `There is no SSH key at ${privatePath}.`, {
      hint: 'Generate one in the setup wizard.',
    });
  const r = await execa('ssh-keygen', ['-y', '-f', privatePath], { stdin: 'ignore', reject: false });
  if (r.exitCode !== 0)
    throw new RestrayError('failed', `Could not read the public part of the SSH key at ${privatePath}.`);
  return r.stdout.trim();
}

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  PI_STATUS_ENVELOPE_VERSION,
  type PiStatus,
  type PiStatusEnvelope,
} from '../../../contract/pi-status.js';
import { PiError } from '../errors.js';
import { writeFileAtomic } from '../fs-util.js';

/*
 * The offsite Pi's status key: an Ed25519 key made on the offsite Pi on first need and never sent anywhere. Only
 * its public half travels (in every signed document); the workstation pins its fingerprint, so a document the
 * onsite Pi edited, replaced or stripped of its signature is no longer taken for the offsite Pi's word.
 */

/** The key file under the store root: its own folder (0700), the PKCS#8 PEM file 0600. */
export function signingKeyPath(root: string): string {
  return join(root, 'signing', 'status-ed25519.pem');
}

/**
 * Loads the status key, creating it on first need (folder 0700, file 0600, written atomically). Throws PiError
 * `invalid-config` when the file exists but is readable by others or is not an Ed25519 private key, `failed`
 * when it cannot be written. Side effect: may create the key.
 */
export function loadSigningKey(root: string): KeyObject {
  const path = signingKeyPath(root);
  let pem: string | undefined;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(path, e);
  }
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    try {
      // The store root stays traversable for the restore account (a recursive mkdir would make it 0700 too).
      mkdirSync(root, { recursive: true, mode: 0o755 });
      mkdirSync(join(root, 'signing'), { recursive: true, mode: 0o700 });
      writeFileAtomic(path, pem, 0o600);
    } catch (e) {
      throw new PiError('failed', `Cannot store the status signing key in ${path}.`, { cause: e });
    }
    return privateKey;
  }
  if ((statSync(path).mode & 0o077) !== 0)
    throw new PiError('invalid-config', `The status signing key ${path} is readable by other users.`, {
      hint: `chmod 600 ${path}`,
    });
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(String(key.asymmetricKeyType));
    return key;
  } catch (e) {
    throw new PiError('invalid-config', `${path} is not an Ed25519 private key.`, {
      cause: e,
      hint: 'Move it away; the next sync makes a new key (then pin the new fingerprint on each workstation).',
    });
  }
}

function unreadable(path: string, e: unknown): PiError {
  return new PiError(
    'invalid-config',
    `Cannot read the status signing key ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`,
    { cause: e },
  );
}

/** The 32 raw bytes of the key's public half, base64 (as in PiStatusSignature.publicKey). */
export function publicKeyBase64(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32).toString('base64');
}

/** The fingerprint the workstation pins (contract StatusKeyFingerprint): SHA256 of the raw public key. */
export function keyFingerprint(publicKey: string): string {
  const digest = createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/**
 * The document to store and publish: a version-2 envelope whose payload is the status as JSON text, signed over
 * its exact UTF-8 bytes. Pure apart from the signature.
 */
export function signedStatusText(status: PiStatus, key: KeyObject): string {
  const payload = JSON.stringify(status);
  const envelope: PiStatusEnvelope = {
    schemaVersion: PI_STATUS_ENVELOPE_VERSION,
    payload,
    signature: {
      alg: 'ed25519',
      publicKey: publicKeyBase64(key),
      value: sign(null, Buffer.from(payload, 'utf8'), key).toString('base64'),
    },
  };
  return JSON.stringify(envelope, null, 2) + '\n';
}

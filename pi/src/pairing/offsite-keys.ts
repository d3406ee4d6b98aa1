import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OffsitePairing } from '../../../contract/pairing-line.js';
import { PiError } from '../errors.js';
import {
  keyFingerprint,
  loadSigningKey,
  publicKeyBase64,
  signingKeyPath,
} from '../offsite/status-signing.js';
import type { Change } from '../provision.js';

/*
 * The offsite Pi's key set for one pairing, under <config dir>/pair/<set>/ (folder 0700, root's): the pull key
 * (rrsync -ro on the onsite repository), the status key (replaces offsite.json onsite) and the status signing
 * key (status-signing.ts; copied into the store root when the configuration is written). Private halves never
 * leave this folder; the pairing line carries the public halves and the signing key's fingerprint.
 */

/** Where the key set `set` lives. */
export function pairDir(configDir: string, set: string): string {
  return join(configDir, 'pair', set);
}

/** Paths of a key set's files. */
export function keyPaths(dir: string): { pull: string; status: string; signing: string } {
  return { pull: join(dir, 'pull'), status: join(dir, 'status'), signing: signingKeyPath(dir) };
}

async function makeSshKey(path: string, comment: string): Promise<void> {
  // ssh-keygen writes the private key 0600 and refuses to overwrite (stdin closed: no "Overwrite?" prompt).
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], {
    stdin: 'ignore',
  });
}

/**
 * The changes that make the missing keys of the set (none when all exist: idempotent). Reads only.
 */
export function planOffsiteKeys(dir: string, host: string): Change[] {
  const p = keyPaths(dir);
  const changes: Change[] = [];
  const mkdir = () => mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [path, what] of [
    [p.pull, 'pull'],
    [p.status, 'status'],
  ] as const)
    if (!existsSync(path))
      changes.push({
        describe: `create the ${what} key ${path} (ed25519, mode 0600)`,
        apply: async () => {
          mkdir();
          await makeSshKey(path, `restray-pi-${what}@${host}`);
        },
      });
  if (!existsSync(p.signing))
    changes.push({
      describe: `create the status signing key ${p.signing} (ed25519, mode 0600)`,
      apply: () => {
        mkdir();
        loadSigningKey(dir);
        return Promise.resolve();
      },
    });
  return changes;
}

/** The public halves of a complete key set, as the offsite line carries them. Throws PiError `not-found`. */
export function readOffsiteKeys(dir: string, host: string, set: string, missing: string): OffsitePairing {
  const p = keyPaths(dir);
  if (![p.pull, p.status, p.signing].every((f) => existsSync(f))) throw new PiError('not-found', missing);
  return {
    name: host,
    keys: set,
    pullKey: readFileSync(`${p.pull}.pub`, 'utf8').trim(),
    statusKey: readFileSync(`${p.status}.pub`, 'utf8').trim(),
    signingKey: keyFingerprint(publicKeyBase64(loadSigningKey(dir))),
  };
}

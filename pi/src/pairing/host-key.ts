import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PiError } from '../errors.js';

/** `SHA256:…` of an OpenSSH public key line, exactly as `ssh-keygen -lf` prints it. Pure. */
export function sshFingerprint(publicLine: string): string {
  const blob = publicLine.trim().split(/\s+/)[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** `type base64` of a public key line (the comment dropped): what known_hosts and the pairing line carry. */
export function keyWithoutComment(publicLine: string): string {
  return publicLine.trim().split(/\s+/).slice(0, 2).join(' ');
}

/**
 * Reads this machine's sshd host key (a `.pub` file; Debian's is /etc/ssh/ssh_host_ed25519_key.pub). Throws
 * PiError `not-found` naming the file.
 */
export function readHostKey(path: string): string {
  try {
    return keyWithoutComment(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PiError('not-found', `Cannot read the SSH host key ${path}.`, {
      cause: e,
      hint: 'Install openssh-server (it makes the host keys) or give --host-key FILE.pub.',
    });
  }
}

/**
 * The host keys of `type` that host:port presents now (`ssh-keyscan`), as `type base64` lines; empty when it
 * does not answer within `timeoutSec`. Side effect: one connection without authentication.
 */
export async function scanHostKeys(
  host: string,
  port: number,
  type: string,
  timeoutSec = 10,
): Promise<string[]> {
  if (!/^[A-Za-z0-9._:-]+$/.test(host) || host.startsWith('-'))
    throw new PiError('invalid-argument', `Not a host name or address: ${host}`);
  const r = await execa(
    'ssh-keyscan',
    ['-t', type.replace(/^ssh-/, ''), '-T', String(timeoutSec), '-p', String(port), host],
    {
      reject: false,
      stdin: 'ignore',
      timeout: (timeoutSec + 5) * 1000,
    },
  );
  return String(r.stdout)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => keyWithoutComment(l.split(/\s+/).slice(1).join(' ')));
}

/** The known_hosts line pinning `key` for host:port (`[host]:port` unless the port is 22). */
export function knownHostsLine(host: string, port: number, key: string): string {
  return `${port === 22 ? host : `[${host}]:${port}`} ${keyWithoutComment(key)}`;
}

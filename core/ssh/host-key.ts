import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { RestrayError } from '../errors.js';
import { classifySshFailure } from './ssh-errors.js';
import { checkSshHost } from './ssh-options.js';

/** The Pi's host key as seen by ssh-keyscan, before the user confirms it. */
export interface ScannedHostKey {
  /** known_hosts lines (`[host]:port ssh-ed25519 AAAA…`), ready for {@link pinHostKey}. */
  lines: string[];
  /** `SHA256:…` of the ed25519 key: the user compares it with `ssh-keygen -lf` on the Pi before pinning. */
  fingerprint: string;
}

/** known_hosts name of a host: `host` on port 22, `[host]:port` otherwise (what ssh looks up). */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * Fetches the ed25519 host key of `host:port` with `ssh-keyscan -t ed25519` and its SHA256 fingerprint.
 *
 * This is trust on first use: a scan cannot tell the Pi from an impostor, so the caller must show the
 * fingerprint and have the user confirm it (from the Pi's console: `ssh-keygen -lf
 * /etc/ssh/ssh_host_ed25519_key.pub`) before pinning. Only ed25519 is asked for: every supported Pi OS has
 * one, and pinning a single type keeps "the key changed" unambiguous.
 *
 * Throws `network` (with the refused / timed out / unresolved reason when ssh-keyscan tells it) when no key
 * came back within `timeoutSec`, and `failed` when ssh-keyscan is missing. Side effects: a TCP connection.
 */
export async function scanHostKey(host: string, port: number, timeoutSec = 10): Promise<ScannedHostKey> {
  checkSshHost(host);
  const r = await execa(
    'ssh-keyscan',
    ['-t', 'ed25519', '-T', String(timeoutSec), '-p', String(port), host],
    {
      reject: false,
      stdin: 'ignore',
      // ssh-keyscan's -T applies per read; bound the whole call too.
      timeout: (timeoutSec + 5) * 1000,
    },
  );
  // No exit code and no timeout: the program could not be started.
  if (r.exitCode === undefined && !r.timedOut)
    throw new RestrayError('failed', 'ssh-keyscan could not be run.', {
      hint: 'Install the OpenSSH client (ssh, ssh-keyscan, ssh-keygen).',
    });
  const lines = r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && /\sssh-ed25519\s/.test(l));
  if (lines.length === 0) {
    const classified = classifySshFailure(r.stderr);
    if (classified) throw classified;
    throw new RestrayError(
      'network',
      `No SSH host key came from ${host} port ${port} within ${timeoutSec} s.`,
      {
        hint:
          r.stderr.trim() === '' && r.exitCode === 0
            ? 'The SSH server answered without an ed25519 host key; enable one on the Pi (ssh-keygen -A).'
            : 'Check the host name and port, and that the Pi is on and its SSH server runs.',
      },
    );
  }
  return { lines, fingerprint: await fingerprintOfPublicKey(lines[0]!) };
}

/**
 * The `SHA256:…` fingerprint of one public key, given as a known_hosts line or an authorized_keys /
 * `.pub` line (`ssh-ed25519 AAAA… comment`), computed by `ssh-keygen -lf -`. Throws `invalid-argument` when
 * the text holds no key.
 */
export async function fingerprintOfPublicKey(line: string): Promise<string> {
  const r = await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], {
    input: `${line}\n`,
    reject: false,
  });
  const fp = /\b(SHA256:[A-Za-z0-9+/=]+)/.exec(r.stdout)?.[1];
  if (r.exitCode !== 0 || !fp)
    throw new RestrayError('invalid-argument', 'The text given is not an SSH public key.');
  return fp;
}

/**
 * Writes Restray's own known_hosts file for one Pi (replacing it), mode 0600 in a folder created 0700.
 * Written to a temporary file and renamed, so a crash never leaves a half-written pin that would turn into a
 * confusing host-key error. Only lines that look like known_hosts entries are accepted (`invalid-argument`).
 */
export function pinHostKey(knownHostsPath: string, lines: string[]): void {
  const clean = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (clean.length === 0 || clean.some((l) => !/^\S+\s+(ssh-|ecdsa-|sk-)\S+\s+[A-Za-z0-9+/=]+(\s|$)/.test(l)))
    throw new RestrayError('invalid-argument', 'The host key to pin is not a known_hosts line.');
  const dir = dirname(knownHostsPath);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${knownHostsPath}.${process.pid}.tmp`;
  writeFileSync(tmp, clean.map((l) => `${l}\n`).join(''), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, knownHostsPath);
}

/**
 * The `SHA256:…` fingerprint pinned in `knownHostsPath` for `host:port` (any host when omitted), or
 * undefined when that file pins nothing for it. Uses `ssh-keygen -F` so the lookup (hashed names, `[host]:port`)
 * is exactly the one ssh will do. Reads the file only.
 */
export async function fingerprintOfPinned(
  knownHostsPath: string,
  host?: string,
  port = 22,
): Promise<string | undefined> {
  if (!existsSync(knownHostsPath)) return undefined;
  const args =
    host === undefined
      ? ['-l', '-E', 'sha256', '-f', knownHostsPath]
      : ['-l', '-E', 'sha256', '-F', knownHostsName(host, port), '-f', knownHostsPath];
  const r = await execa('ssh-keygen', args, { reject: false, stdin: 'ignore' });
  return /\b(SHA256:[A-Za-z0-9+/=]+)/.exec(r.stdout)?.[1];
}

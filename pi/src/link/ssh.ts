import type { SshEndpoint, SshTiming } from '../config.js';
import { PiError } from '../errors.js';
import { tiedWords } from './tied-child.js';

/** Quotes one word for rsync's `-e` parser (and a POSIX shell): single quotes unless the word is plainly safe. */
export function quoteWord(w: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The configured timing, and for a transfer the ciphers to offer in order (see cipher.ts; none: OpenSSH's). */
export interface SshOptions extends SshTiming {
  ciphers?: readonly string[] | undefined;
}

/**
 * ssh client arguments for an unattended link: no prompts (BatchMode), only the pinned host key
 * (StrictHostKeyChecking=yes with our own known_hosts, never the user's), only the configured key, and
 * keepalives so that a stalled link ends the connection after interval × count seconds instead of hanging.
 * `-F /dev/null` keeps a stray ~/.ssh/config from changing any of this.
 */
export function sshArgs(ep: SshEndpoint, t: SshOptions): string[] {
  return [
    ...(t.ciphers?.length ? ['-o', `Ciphers=${t.ciphers.join(',')}`] : []),
    '-F',
    '/dev/null',
    '-i',
    ep.sshKey,
    '-p',
    String(ep.port),
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${ep.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    `ConnectTimeout=${t.connectTimeout}`,
    '-o',
    `ServerAliveInterval=${t.serverAliveInterval}`,
    '-o',
    `ServerAliveCountMax=${t.serverAliveCountMax}`,
    // LogLevel stays at INFO: "Timeout, server … not responding" (a stalled link) is logged at that level.
  ];
}

/**
 * The `-e` value for rsync: the ssh command line with every word quoted for rsync's own splitter, tied to
 * rsync's life (see tiedToRun: an ssh whose rsync was killed dies with it).
 */
export function rsyncRsh(ep: SshEndpoint, t: SshOptions): string {
  return rshOf(['ssh', ...sshArgs(ep, t)]);
}

/** A command line (ssh and its options) as rsync's `-e` value: tied to rsync's life, each word quoted. */
export function rshOf(words: readonly string[]): string {
  return tiedWords(words).map(quoteWord).join(' ');
}

/** `user@host:` — the remote side is confined by its forced command, so the path is relative to that. */
export function remoteSpec(ep: SshEndpoint, path = ''): string {
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${ep.user}@${host}:${path}`;
}

interface Pattern {
  test: RegExp;
  kind: 'host-key-mismatch' | 'host-key-unknown' | 'permission-denied' | 'network' | 'no-space';
  message: string;
  hint?: string;
}

// OpenSSH and rsync messages. Order matters: the changed-host-key banner also says "verification failed".
const patterns: Pattern[] = [
  {
    test: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i,
    kind: 'host-key-mismatch',
    message: "The other Pi's host key differs from the pinned one, so the connection was refused.",
    hint: 'If that Pi was reinstalled, pin its new host key in the known_hosts file; otherwise the link may be intercepted.',
  },
  {
    test: /No \S+ host key is known for|Host key verification failed/i,
    kind: 'host-key-unknown',
    message: "The other Pi's host key is not in the pinned known_hosts file.",
    hint: 'Add its host key line (ssh-keyscan, checked by fingerprint) to the configured known_hosts file.',
  },
  {
    test: /Permission denied \(|Too many authentication failures|Load key .*: (Permission denied|No such file)/i,
    kind: 'permission-denied',
    message: 'The other Pi refused the SSH key.',
    hint: 'Check that the key is installed there (restray-pi provision onsite) and that the user name is right.',
  },
  {
    test: /Timeout, server .* not responding|timeout in data send\/receive|io timeout after/i,
    kind: 'network',
    message: 'The link to the other Pi stalled and the run was ended.',
    hint: 'Check the network or VPN between the Pis; the next run resumes where this one stopped.',
  },
  {
    test: /Connection timed out|Connection to \S+ timed out|Operation timed out/i,
    kind: 'network',
    message: 'The connection to the other Pi timed out.',
    hint: 'Check that it is on and reachable (VPN up), then try again.',
  },
  {
    test: /Connection refused/i,
    kind: 'network',
    message: 'The other Pi refused the connection (no SSH server on that port).',
  },
  {
    test: /Could not resolve hostname|Name or service not known/i,
    kind: 'network',
    message: "The other Pi's host name could not be resolved.",
  },
  {
    test: /No space left on device/i,
    kind: 'no-space',
    message: 'The disk of this Pi is full.',
    hint: 'Free space or lower the retention, then run again.',
  },
  {
    test: /Connection (reset|closed) by|Broken pipe|Connection closed|connection unexpectedly closed|kex_exchange_identification|client_loop: send disconnect|error in rsync protocol data stream|Network is unreachable|No route to host/i,
    kind: 'network',
    message: 'The connection to the other Pi was lost.',
    hint: 'Check the network link; the next run resumes where this one stopped.',
  },
];

/**
 * Maps ssh/rsync stderr to a PiError with a plain message, or undefined when no known failure shows. The raw
 * text is not included (it may name key paths); callers keep a bounded tail for the log.
 */
export function classifyLinkFailure(stderr: string): PiError | undefined {
  for (const p of patterns)
    if (p.test.test(stderr))
      return new PiError(p.kind, p.message, p.hint === undefined ? undefined : { hint: p.hint });
  return undefined;
}

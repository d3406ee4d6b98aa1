import type { SshEndpoint, SshTiming } from '../config.js';
import {
  SSH_FAILURE_KIND,
  sshFailureReason,
  sshPolicyArgs,
  SshValueError,
  type SshControl,
  type SshFailureReason,
} from '../../../contract/ssh-policy.js';
import { PiError } from '../errors.js';
import { tiedWords } from './tied-child.js';

/**
 * Quotes one word for rsync's `-e` parser: single quotes unless the word is plainly safe. rsync's own splitter
 * (not a shell) keeps backslashes and writes a quote inside quotes as two (`'O''Neil'`); the shell form `'\''`
 * makes it stop with "Missing trailing-' in remote-shell command".
 */
export function quoteWord(w: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, "''")}'`;
}

/**
 * The configured timing; for a transfer the ciphers to offer in order (see cipher.ts; none: OpenSSH's), for the
 * status upload its key exchanges, and for a connection the run multiplexes, its control socket.
 */
export interface SshOptions extends SshTiming {
  ciphers?: readonly string[] | undefined;
  kexAlgorithms?: readonly string[] | undefined;
  control?: SshControl | undefined;
}

/**
 * ssh client arguments for an unattended link: the shared policy of contract/ssh-policy.ts (no config file, no
 * agent, no forwarding, only the configured key, only the pinned host key, no prompts) with keepalives, so that a
 * stalled link ends the connection after interval × count seconds instead of hanging. Throws PiError
 * `invalid-argument` for a key or known_hosts path ssh cannot be given unchanged.
 */
export function sshArgs(ep: SshEndpoint, t: SshOptions): string[] {
  // LogLevel stays at INFO: "Timeout, server … not responding" (a stalled link) is logged at that level.
  try {
    return sshPolicyArgs({
      connectTimeout: t.connectTimeout,
      serverAliveInterval: t.serverAliveInterval,
      serverAliveCountMax: t.serverAliveCountMax,
      identityFile: ep.sshKey,
      knownHostsFile: ep.knownHosts,
      port: ep.port,
      ...(t.ciphers?.length ? { ciphers: t.ciphers } : {}),
      ...(t.kexAlgorithms?.length ? { kexAlgorithms: t.kexAlgorithms } : {}),
      ...(t.control ? { control: t.control } : {}),
    });
  } catch (e) {
    if (e instanceof SshValueError) throw new PiError('invalid-argument', e.message);
    throw e;
  }
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

/** What this Pi tells its administrator for each SSH failure (the reasons are read in contract/ssh-policy.ts). */
const WORDS: Record<SshFailureReason, { message: string; hint?: string }> = {
  'host-key-changed': {
    message: "The other Pi's host key differs from the pinned one, so the connection was refused.",
    hint: 'If that Pi was reinstalled, pin its new host key in the known_hosts file; otherwise the link may be intercepted.',
  },
  'host-key-unknown': {
    message: "The other Pi's host key is not in the pinned known_hosts file.",
    hint: 'Add its host key line (ssh-keyscan, checked by fingerprint) to the configured known_hosts file.',
  },
  'key-refused': {
    message: 'The other Pi refused the SSH key.',
    hint: 'Check that the key is installed there (restray-pi provision onsite) and that the user name is right.',
  },
  stalled: {
    message: 'The link to the other Pi stalled and the run was ended.',
    hint: 'Check the network or VPN between the Pis; the next run resumes where this one stopped.',
  },
  'timed-out': {
    message: 'The connection to the other Pi timed out.',
    hint: 'Check that it is on and reachable (VPN up), then try again.',
  },
  refused: { message: 'The other Pi refused the connection (no SSH server on that port).' },
  'no-such-host': { message: "The other Pi's host name could not be resolved." },
  'no-agreement': {
    message: 'The two Pis could not agree on an SSH key exchange or cipher.',
    hint: 'Update OpenSSH on the older Pi.',
  },
  'no-route': {
    message: 'The connection to the other Pi was lost.',
    hint: 'Check the network link; the next run resumes where this one stopped.',
  },
  lost: {
    message: 'The connection to the other Pi was lost.',
    hint: 'Check the network link; the next run resumes where this one stopped.',
  },
};

/**
 * Maps ssh/rsync stderr to a PiError with a plain message, or undefined when no known failure shows. The raw
 * text is not included (it may name key paths); callers keep a bounded tail for the log. A full disk is this
 * Pi's own failure, so it is read here, before the link's.
 */
export function classifyLinkFailure(stderr: string): PiError | undefined {
  if (/No space left on device/i.test(stderr))
    return new PiError('no-space', 'The disk of this Pi is full.', {
      hint: 'Free space or lower the retention, then run again.',
    });
  const reason = sshFailureReason(stderr);
  if (reason === undefined) return undefined;
  const w = WORDS[reason];
  return new PiError(
    SSH_FAILURE_KIND[reason],
    w.message,
    w.hint === undefined ? undefined : { hint: w.hint },
  );
}

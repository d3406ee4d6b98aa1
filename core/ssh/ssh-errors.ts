import { SSH_FAILURE_KIND, sshFailureReason, type SshFailureReason } from '../../contract/ssh-policy.js';
import { RestrayError } from '../errors.js';

/** What the workstation tells its user for each SSH failure (the reasons are read in contract/ssh-policy.ts). */
const WORDS: Record<SshFailureReason, { message: string; hint: string }> = {
  'host-key-changed': {
    message: "The Pi's host key has changed since it was pinned at setup, so Restray refused to connect.",
    hint: 'If the Pi was reinstalled, confirm its new fingerprint in the settings; otherwise someone may be intercepting the connection.',
  },
  'host-key-unknown': {
    message: "The Pi's host key is not pinned in Restray's known_hosts, so Restray refused to connect.",
    hint: "Run the connection setup again and confirm the Pi's fingerprint.",
  },
  'key-refused': {
    message: 'The Pi refused the SSH key of this repository.',
    hint: 'Authorise the key on the Pi (restray-pi provision onsite … --workstation-key) and check the user name.',
  },
  stalled: {
    message: 'The connection to the Pi timed out.',
    hint: 'Check that the Pi is on and reachable (VPN up, cable in), then try again.',
  },
  'timed-out': {
    message: 'The connection to the Pi timed out.',
    hint: 'Check that the Pi is on and reachable (VPN up, cable in), then try again.',
  },
  refused: {
    message: 'The Pi refused the connection (no SSH server on that port).',
    hint: 'Check the host and port, and that the SSH server runs on the Pi.',
  },
  'no-such-host': {
    message: "The Pi's host name could not be resolved.",
    hint: 'Check the host name, or use its IP address.',
  },
  'no-agreement': {
    message: 'Restray and the Pi could not agree on an SSH key exchange or cipher.',
    hint: "Update OpenSSH on the Pi, or set a KexAlgorithms entry both sides support in the Pi's sshd_config.",
  },
  'no-route': {
    message: 'There is no network route to the Pi.',
    hint: 'Check the network or VPN connection, then try again.',
  },
  lost: {
    message: 'The connection to the Pi was lost.',
    hint: 'Check the network link to the Pi; the next run resumes where this one stopped.',
  },
};

/**
 * Maps OpenSSH client error text (as relayed on restic's, rsync's or ssh's own stderr) to a typed error with a
 * plain message, or undefined when the text shows no SSH failure. Never includes the raw text, which may name
 * key paths; callers keep the raw tail in their run record.
 */
export function classifySshFailure(stderr: string): RestrayError | undefined {
  const reason = sshFailureReason(stderr);
  if (reason === undefined) return undefined;
  const w = WORDS[reason];
  return new RestrayError(SSH_FAILURE_KIND[reason], w.message, { hint: w.hint });
}

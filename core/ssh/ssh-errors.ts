import { RestrayError } from '../errors.js';

interface SshPattern {
  test: RegExp;
  kind: 'host-key-mismatch' | 'host-key-unknown' | 'permission-denied' | 'network';
  message: string;
  hint?: string;
}

// OpenSSH client messages (stderr). Order matters: the changed-host-key banner also contains
// "Host key verification failed".
const patterns: SshPattern[] = [
  {
    test: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i,
    kind: 'host-key-mismatch',
    message: "The Pi's host key has changed since it was pinned at setup, so Restray refused to connect.",
    hint: 'If the Pi was reinstalled, confirm its new fingerprint in the settings; otherwise someone may be intercepting the connection.',
  },
  {
    test: /No \S+ host key is known for|Host key verification failed/i,
    kind: 'host-key-unknown',
    message: "The Pi's host key is not pinned in Restray's known_hosts, so Restray refused to connect.",
    hint: "Run the connection setup again and confirm the Pi's fingerprint.",
  },
  {
    test: /Permission denied \(|Too many authentication failures/i,
    kind: 'permission-denied',
    message: 'The Pi refused the SSH key of this repository.',
    hint: 'Authorise the key on the Pi (restray-pi provision onsite … --workstation-key) and check the user name.',
  },
  {
    test: /Connection timed out|Timeout, server .* not responding|Connection to \S+ timed out|Operation timed out/i,
    kind: 'network',
    message: 'The connection to the Pi timed out.',
    hint: 'Check that the Pi is on and reachable (VPN up, cable in), then try again.',
  },
  {
    test: /Connection refused/i,
    kind: 'network',
    message: 'The Pi refused the connection (no SSH server on that port).',
    hint: 'Check the host and port, and that the SSH server runs on the Pi.',
  },
  {
    test: /Could not resolve hostname|Name or service not known|nodename nor servname/i,
    kind: 'network',
    message: "The Pi's host name could not be resolved.",
    hint: 'Check the host name, or use its IP address.',
  },
  {
    test: /Connection (reset|closed) by|Broken pipe|Connection closed|kex_exchange_identification|ssh_exchange_identification|client_loop: send disconnect|banner exchange/i,
    kind: 'network',
    message: 'The connection to the Pi was lost.',
    hint: 'Check the network link to the Pi; the next run resumes where this one stopped.',
  },
  {
    test: /no matching (key exchange|host key type|cipher|MAC) method found|Unable to negotiate/i,
    kind: 'network',
    message: 'Restray and the Pi could not agree on an SSH key exchange or cipher.',
    hint: "Update OpenSSH on the Pi, or set a KexAlgorithms entry both sides support in the Pi's sshd_config.",
  },
  {
    test: /Network is unreachable|No route to host/i,
    kind: 'network',
    message: 'There is no network route to the Pi.',
    hint: 'Check the network or VPN connection, then try again.',
  },
];

/**
 * Maps OpenSSH client error text (as relayed on restic's, rsync's or ssh's own stderr) to a typed error with a
 * plain message, or undefined when the text shows no SSH failure. Never includes the raw text, which may name
 * key paths; callers keep the raw tail in their run record.
 */
export function classifySshFailure(stderr: string): RestrayError | undefined {
  for (const p of patterns) {
    if (p.test.test(stderr))
      return new RestrayError(p.kind, p.message, p.hint === undefined ? undefined : { hint: p.hint });
  }
  return undefined;
}
